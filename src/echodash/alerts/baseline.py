"""The usual rate of a stream, for anomaly rules: robust, seasonal, and quiet on quiet streams.

Method (documented in docs/alerts.md):
- Events are counted per clock hour (UTC).
- The usual count for an hour is the **median** of the counts of the same hour of the week, and
  the hours just before and after it, over the previous `WEEKS` weeks (Tuesday 13:00-15:00 for
  Tuesday 14:00: twelve hours), so daily and weekly rhythms are expected rather than alarming.
  With less than two such weeks of history, the same hours of the day over the previous `DAYS`
  days stand in (at least three days).
- Its spread is the **median absolute deviation** (MAD) of those counts, scaled by 1.4826 so
  that it estimates a standard deviation on normal data (a single odd week moves neither), and
  never less than the square root of the usual count: counts of independent events vary at
  least that much, so a stream whose last weeks happened to be alike does not alarm on the
  first ordinary wobble.
- A **spike** (factor ≥ 1.5) is an hour whose count reaches `factor` times the usual count (taken
  as at least 1), is at least `min_count`, and is more than `SPREADS` spreads above the usual
  count. It is checked while the hour runs, so a spike is caught within minutes.
- A **drop** (factor ≤ 0.67) is a finished hour whose count is at most `factor` times the usual
  count and more than `SPREADS` spreads below it, on a stream whose usual count is at least
  `min_count` (a stream that usually sees 2 events an hour cannot meaningfully halve).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import sqrt
from statistics import median

WEEKS = 4
DAYS = 7
SPREADS = 3.0
MAD_SCALE = 1.4826
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Baseline:
    usual: float  # median count for this hour
    spread: float  # scaled MAD
    samples: int  # how many past hours it rests on


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def baseline(counts: Mapping[datetime, int], hour: datetime, since: datetime) -> Baseline | None:
    """The usual count for the clock hour starting at `hour`, from the hourly `counts` (hour
    start → events; hours absent count as 0 once they are after `since`, the first moment the
    rule could have seen events). None while history is too short to say."""
    weekly = _samples(counts, hour, timedelta(weeks=1), WEEKS, since)
    if len(weekly) >= 2 * 3:
        return _summary(weekly)
    daily = _samples(counts, hour, timedelta(days=1), DAYS, since)
    if len(daily) >= 3 * 3:
        return _summary(daily)
    return None


def _samples(
    counts: Mapping[datetime, int], hour: datetime, step: timedelta, many: int, since: datetime
) -> list[int]:
    found = []
    for back in range(1, many + 1):
        slot = hour - back * step
        if slot - HOUR < since:
            break
        found += [counts.get(slot + shift * HOUR, 0) for shift in (-1, 0, 1)]
    return found


def _summary(samples: list[int]) -> Baseline:
    usual = float(median(samples))
    spread = max(MAD_SCALE * float(median(abs(s - usual) for s in samples)), sqrt(usual))
    return Baseline(usual, spread, len(samples))


def is_spike(observed: int, usual: Baseline, factor: float, min_count: int) -> bool:
    """Whether `observed` events so far in an hour already make it a spike."""
    return (
        observed >= min_count
        and observed >= factor * max(usual.usual, 1.0)
        and observed > usual.usual + SPREADS * usual.spread
    )


def is_drop(observed: int, usual: Baseline, factor: float, min_count: int) -> bool:
    """Whether a finished hour with `observed` events is a drop."""
    return (
        usual.usual >= min_count
        and observed <= factor * usual.usual
        and observed < usual.usual - SPREADS * usual.spread
    )
