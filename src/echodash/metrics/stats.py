"""Medians and percentiles as the metric definitions fix them, and the time buckets they use."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from echodash.alerts.patterns import SafePattern


@lru_cache(maxsize=256)
def pattern(source: str) -> SafePattern:
    """A workspace's pattern (production environments, incident labels), compiled once and
    run in linear time (RE2): an admin's `(a+)+$` cannot stall ingest or a metric."""
    return SafePattern(source)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (the median of an even count is the mean of
    the two middle values); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return (year, week)


def days_in(since: datetime, until: datetime, zone: tzinfo = UTC) -> list[date]:
    """The calendar days (in `zone`, UTC by default) that [since, until) touches."""
    first = since.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def weeks_in(since: datetime, until: datetime, zone: tzinfo = UTC) -> list[tuple[int, int]]:
    return list(dict.fromkeys(iso_week(d) for d in days_in(since, until, zone)))


def months_in(since: datetime, until: datetime, zone: tzinfo = UTC) -> list[tuple[int, int]]:
    return list(dict.fromkeys((d.year, d.month) for d in days_in(since, until, zone)))


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)
