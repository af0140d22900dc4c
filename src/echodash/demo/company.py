"""The demo company: `simulate(seed, now)` gives its 90 days of history (the same seed and
`now` give the same deliveries, byte for byte), and `Live` its present — a few events a
minute, and now and then a bad deploy whose errors fire an alert, then the fix."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from echodash.demo import engineering, product, revenue
from echodash.demo.engineering import Engineering, Shipped
from echodash.demo.model import DAY, MINUTE, Company, Ids
from echodash.demo.product import Product
from echodash.demo.revenue import Revenue

DEFAULT_SEED = 16
DAYS = 90
# The bad week: days 65 to 71 of the 90 (three to four weeks ago: inside the dashboards'
# default 30 days, with calm weeks on both sides).
BAD_WEEK_START = 65


def simulate(seed: int = DEFAULT_SEED, now: datetime | None = None, days: int = DAYS) -> Company:
    """Everything the company sent over the `days` before `now` (to the minute)."""
    assert now is not None, "now is required: the history is dated back from it"
    now = now.replace(second=0, microsecond=0)
    rng = random.Random(seed)
    ids = Ids(rng)
    company = Company()
    start = engineering.day_start(now - days * DAY)
    bad_week = range(min(BAD_WEEK_START, days - 7), min(BAD_WEEK_START, days - 7) + 7)
    engineering.history(Engineering(rng, ids, company), start, days, bad_week, now)
    revenue.history(Revenue(rng, ids, company), start, days, bad_week, now)
    product.history(Product(rng, ids, company), start, days, bad_week, now)
    return company.sorted()


class Live:
    """The company's present, a tick at a time (a tick is about 20 seconds): routine events,
    and every `incident_every` ticks a bad deploy of acme/api whose Sentry errors keep coming
    for a few ticks; the fix follows. What happens later than the tick (a change's CI and
    deploys come minutes after its merge) waits for the tick it is due in."""

    def __init__(self, seed: int, started: datetime, incident_every: int = 30) -> None:
        # Seeded by the start too: a restarted trickle sends new ids, never a repeat that
        # would be dropped as a duplicate (or overwrite a deployment of the history).
        stamp = int(started.timestamp())
        self.rng = random.Random(f"{seed}:{stamp}")
        self.ids = Ids(self.rng, base=stamp, numbers=1000)
        self.prefix = f"live{stamp}-"
        self.tick = 0
        self.incident_every = incident_every
        self.bad: Shipped | None = None
        self.bad_since = 0
        self.customers = 0
        self.waiting = Company()

    def _due(self, made: Company, now: datetime) -> Company:
        self.waiting.deliveries += made.deliveries
        self.waiting.custom += made.custom
        due = Company([s for s in self.waiting.deliveries if s.at <= now], self.waiting.custom)
        self.waiting = Company([s for s in self.waiting.deliveries if s.at > now])
        return due.sorted()

    def incident(self, now: datetime) -> Company:
        """A production deploy of acme/api minutes ago and the errors it causes since."""
        company = Company()
        eng = Engineering(self.rng, self.ids, company)
        self.bad = eng.change(
            "acme/api", now - 30 * MINUTE, timedelta(minutes=50), title="Refactor checkout totals"
        )
        # The errors begin a minute or two ago: the alert opens as the newcomer arrives.
        first = max(self.bad.at + MINUTE, now - 2 * MINUTE)
        eng.errors(first, now - 30 * timedelta(seconds=1), 3)
        self.bad_since = self.tick
        return self._due(company, now)

    def step(self, now: datetime) -> Company:
        """What the company sends in the next tick."""
        self.tick += 1
        company = Company()
        rng = self.rng
        eng = Engineering(rng, self.ids, company)
        if self.bad is not None:
            if self.tick - self.bad_since < 6:
                eng.errors(now - 20 * timedelta(seconds=1), now - 19 * timedelta(seconds=1), 1)
            else:
                fix = f"Fix checkout after {self.bad.sha[:7]}"
                eng.change("acme/api", now, timedelta(minutes=30), title=fix)
                self.bad = None
        elif self.tick % self.incident_every == 0:
            return self.incident(now)
        roll = rng.random()
        if roll < 0.2:
            eng.change(rng.choice(engineering.REPOS), now, timedelta(hours=rng.uniform(1, 4)))
        elif roll < 0.35:
            eng.mention(now)
        elif roll < 0.45:
            eng.docs(now)
        elif roll < 0.55:
            self.customers += 1
            rev = Revenue(rng, self.ids, company)
            rev.count = 90_000 + self.customers
            rev.customer(now, now + timedelta(seconds=1), (now, now))
        prod = Product(rng, self.ids, company, self.prefix)
        for _ in range(rng.randint(1, 3)):
            prod.event("opened app", f"user_{rng.randrange(900):04d}", now)
        if rng.random() < 0.2:
            prod.event("signup", f"live_{self.tick:05d}", now)
        if rng.random() < 0.1:
            prod.nps(f"user_{rng.randrange(900):04d}", now, False)
        return self._due(company, now)
