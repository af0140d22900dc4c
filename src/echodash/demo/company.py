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
# The bad week: days 56 to 62 of the 90 (about a month ago).
BAD_WEEK_START = 56


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
    for a few ticks; the fix follows."""

    def __init__(self, seed: int, started: datetime, incident_every: int = 30) -> None:
        # Seeded by the start too: a restarted trickle sends new ids, never a repeat that
        # would be dropped as a duplicate (or overwrite a deployment of the history).
        stamp = int(started.timestamp())
        self.rng = random.Random(f"{seed}:{stamp}")
        self.ids = Ids(self.rng, base=stamp)
        self.prefix = f"live{stamp}-"
        self.tick = 0
        self.incident_every = incident_every
        self.bad: Shipped | None = None
        self.bad_since = 0
        self.customers = 0

    def incident(self, now: datetime) -> Company:
        """A production deploy of acme/api minutes ago and the errors it causes now."""
        company = Company()
        eng = Engineering(self.rng, self.ids, company)
        self.bad = eng.change(
            "acme/api", now - 9 * MINUTE, timedelta(minutes=50), title="Refactor checkout totals"
        )
        eng.errors(self.bad.at + MINUTE, now, 3)
        self.bad_since = self.tick
        return company.sorted()

    def step(self, now: datetime) -> Company:
        """What the company sends in the next tick."""
        self.tick += 1
        company = Company()
        rng = self.rng
        eng = Engineering(rng, self.ids, company)
        if self.bad is not None:
            if self.tick - self.bad_since < 6:
                eng.errors(now - 20 * timedelta(seconds=1), now, rng.randint(1, 2))
            else:
                fix = f"Fix checkout after {self.bad.sha[:7]}"
                eng.change("acme/api", now, timedelta(minutes=30), title=fix)
                self.bad = None
        elif self.tick % self.incident_every == 0:
            return self.incident(now)
        roll = rng.random()
        if roll < 0.25:
            eng.change(rng.choice(engineering.REPOS), now, timedelta(hours=rng.uniform(1, 4)))
        elif roll < 0.4:
            eng.mention(now)
        elif roll < 0.5:
            eng.docs(now)
        elif roll < 0.6:
            self.customers += 1
            rev = Revenue(rng, self.ids, company)
            rev.count = 90_000 + self.customers
            rev.customer(now, now + timedelta(seconds=1), (now, now))
        prod = Product(rng, self.ids, company, self.prefix)
        for _ in range(rng.randint(1, 3)):
            person = f"user_{rng.randrange(900):04d}"
            prod.event("opened app", person, now)
        if rng.random() < 0.2:
            person = f"live_{self.tick:05d}"
            prod.event("signup", person, now)
        if rng.random() < 0.1:
            prod.nps(f"user_{rng.randrange(900):04d}", now, False)
        return company.sorted()
