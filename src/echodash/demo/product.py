"""The demo company's product analytics, as custom events: sign-ups, activations, daily use
that fades the way real retention does (a steep first week, then a steady core), and survey
answers (NPS 0 to 10, CSAT 1 to 5) that sour in the bad week."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from echodash.demo.model import DAY, Company, Ids
from echodash.demo.payloads import iso

# Chances of an NPS score band (detractor 0-6, passive 7-8, promoter 9-10) and of CSAT 1..5.
NPS_BANDS = {"calm": (0.12, 0.28, 0.60), "bad": (0.40, 0.30, 0.30)}
CSAT = {"calm": (0.03, 0.05, 0.14, 0.38, 0.40), "bad": (0.12, 0.18, 0.25, 0.25, 0.20)}


class Product:
    def __init__(self, rng: random.Random, ids: Ids, company: Company, prefix: str = "e") -> None:
        self.rng = rng
        self.ids = ids
        self.out = company.custom
        self.prefix = prefix

    def event(self, name: str, person: str, at: datetime, score: int | None = None) -> None:
        event: dict[str, Any] = {
            "id": f"{self.prefix}{self.ids.next('custom')}",
            "event": name,
            "distinct_id": person,
            "timestamp": iso(at),
        }
        if score is not None:
            event["values"] = {"score": score}
        self.out.append(event)

    def nps(self, person: str, at: datetime, bad: bool) -> None:
        band = self.rng.choices((0, 1, 2), NPS_BANDS["bad" if bad else "calm"])[0]
        score = self.rng.randint(*((0, 6), (7, 8), (9, 10))[band])
        self.event("nps", person, at, score)

    def csat(self, person: str, at: datetime, bad: bool) -> None:
        score = self.rng.choices((1, 2, 3, 4, 5), CSAT["bad" if bad else "calm"])[0]
        self.event("csat", person, at, score)


def _chance(age_days: int, activated: bool, weekday: int) -> float:
    """How likely a person uses the product on a day `age_days` after signing up."""
    base = 0.22 + 0.5 * math.exp(-age_days / 4) if activated else 0.12 * math.exp(-age_days / 3)
    return base * (0.6 if weekday >= 5 else 1.0)


def history(product: Product, start: datetime, days: int, bad_week: range, now: datetime) -> None:
    rng = product.rng
    latest = now - timedelta(minutes=30)
    # (person, first day, activated): 200 people from before the 90 days, then sign-ups
    # growing from about 4 to 8 a day.
    people: list[tuple[str, int, bool]] = [(f"user_{k:04d}", -30, True) for k in range(200)]
    for d in range(days):
        day = start + d * DAY
        bad = d in bad_week
        for _ in range(rng.randint(2, 6) + d // 20):
            person = f"user_{len(people):04d}"
            joined = day + timedelta(hours=rng.uniform(7, 22))
            if joined >= latest:
                continue
            product.event("signup", person, joined)
            activated = rng.random() < 0.62
            if activated:
                at = joined + timedelta(hours=rng.uniform(0.2, 30))
                if at < latest:
                    product.event("activated", person, at)
            people.append((person, d, activated))
        active: list[str] = []
        for person, first, activated in people:
            if first >= d or rng.random() >= _chance(d - first, activated, day.weekday()):
                continue
            at = day + timedelta(hours=rng.uniform(6, 23))
            if at >= latest:
                continue
            active.append(person)
            product.event("opened app", person, at)
            if rng.random() < 0.3:
                product.event("created report", person, at + timedelta(minutes=rng.uniform(1, 20)))
        for person in rng.sample(active, min(len(active), rng.randint(2, 5))):
            at = day + timedelta(hours=rng.uniform(9, 21))
            if at < latest:
                product.nps(person, at, bad)
        for person in rng.sample(active, min(len(active), rng.randint(1, 3))):
            at = day + timedelta(hours=rng.uniform(9, 21))
            if at < latest:
                product.csat(person, at, bad)
