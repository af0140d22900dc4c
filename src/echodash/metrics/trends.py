"""Delivery trends week by week: deployments per ISO week and the median lead time of the
changes they brought, from one DORA result (each deployment and change in its own week)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from echodash.metrics.dora import Dora
from echodash.metrics.stats import median


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # the Monday
    deployments: int
    lead_median_minutes: float | None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(result: Dora) -> list[Week]:
    """One row per ISO week touching the window, oldest first (UTC weeks, Monday start)."""
    first = _monday(result.since.date())
    last = _monday((result.until - timedelta(microseconds=1)).date())
    counts: dict[date, int] = defaultdict(int)
    leads: dict[date, list[float]] = defaultdict(list)
    for deployment in result.deployments:
        counts[_monday(deployment.at.date())] += 1
    for change in result.changes:
        leads[_monday(change.deployment.at.date())].append(change.lead_minutes)
    weeks = []
    monday = first
    while monday <= last:
        weeks.append(Week(monday, counts[monday], median(leads[monday])))
        monday += timedelta(days=7)
    return weeks
