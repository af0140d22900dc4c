"""When a rule fires and when its alert clears, over the times of its matching events.

These pure functions are shared by the live evaluator (one event, one tick at a time) and by
the dry run ("would have fired 3 times in the last 7 days"), so a rule's test says exactly
what the rule will do. One alert is one incident: while it is open, more matching events join
it instead of opening another; it clears after a quiet period (`quiet_seconds`).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from echodash.alerts.baseline import HOUR, baseline, hour_of, is_drop, is_spike
from echodash.alerts.rules import Absence, Anomaly, Count, Every, Rule

# How long an alert stays open after its condition last held, unless the rule says.
EVERY_QUIET = 600


def quiet_seconds(rule: Rule) -> int:
    """The quiet period after which an alert resolves by itself."""
    if rule.resolve_after_seconds is not None:
        return rule.resolve_after_seconds
    condition = rule.condition
    if isinstance(condition, Every):
        return EVERY_QUIET
    if isinstance(condition, Count):
        return 0  # the window itself is the quiet period: it clears when the count drops
    if isinstance(condition, Anomaly):
        return 0  # clears at the end of the first ordinary hour
    return 0  # an absence clears when an event comes


def would_fire(
    rule: Rule, times: Sequence[datetime], since: datetime, until: datetime
) -> list[datetime]:
    """The moments in [since, until) at which `rule` would have opened an alert, given the
    sorted times of its matching events (anomaly rules need the weeks before `since` too:
    pass them, and they are used as history only)."""
    condition = rule.condition
    if isinstance(condition, Every):
        return _every(times, since, until, quiet_seconds(rule))
    if isinstance(condition, Count):
        return _count(condition, times, since, until, quiet_seconds(rule))
    if isinstance(condition, Absence):
        return _absence(condition, times, since, until)
    return _anomaly(condition, times, since, until, history_since=times[0] if times else since)


def _every(
    times: Sequence[datetime], since: datetime, until: datetime, quiet: int
) -> list[datetime]:
    moments: list[datetime] = []
    open_until: datetime | None = None
    for moment in times:
        if not since <= moment < until:
            continue
        if open_until is None or moment > open_until:
            moments.append(moment)
        open_until = moment + timedelta(seconds=quiet)
    return moments


class CountWindow:
    """A sliding count of matching events; says when the threshold is reached and when the
    count falls back under it."""

    def __init__(self, condition: Count) -> None:
        self.condition = condition
        self.window = timedelta(seconds=condition.window_seconds)
        self.times: deque[datetime] = deque()

    def add(self, moment: datetime) -> bool:
        """Count one event; whether the window now holds at least the threshold."""
        self.times.append(moment)
        self.forget_before(moment - self.window)
        return len(self.times) >= self.condition.threshold

    def forget_before(self, edge: datetime) -> None:
        while self.times and self.times[0] <= edge:
            self.times.popleft()

    def clears_at(self) -> datetime | None:
        """When the count falls under the threshold if nothing more comes."""
        need = self.condition.threshold
        if len(self.times) < need:
            return None
        return self.times[-need] + self.window


def _count(
    condition: Count, times: Sequence[datetime], since: datetime, until: datetime, quiet: int
) -> list[datetime]:
    moments: list[datetime] = []
    window = CountWindow(condition)
    resolved_at: datetime | None = None  # when the open alert clears; None: none open
    for moment in times:
        if moment >= until:
            break
        if resolved_at is not None and moment >= resolved_at:
            resolved_at = None
        if window.add(moment):
            clears = window.clears_at()
            assert clears is not None
            if resolved_at is None and moment >= since:
                moments.append(moment)
            # Events before `since` open an alert too (not listed): a burst that began
            # before the window is not a new incident inside it.
            resolved_at = clears + timedelta(seconds=quiet)
    return moments


def absence_due(
    last_seen: datetime | None, watching_since: datetime, condition: Absence
) -> datetime:
    """When an absence rule fires if nothing more comes."""
    start = last_seen if last_seen is not None and last_seen > watching_since else watching_since
    return start + timedelta(seconds=condition.window_seconds)


def _absence(
    condition: Absence, times: Sequence[datetime], since: datetime, until: datetime
) -> list[datetime]:
    moments: list[datetime] = []
    last: datetime | None = None
    for moment in [*times, None]:
        if moment is not None and moment < since:
            last = moment
            continue
        due = absence_due(last, since, condition)
        edge = until if moment is None else min(moment, until)
        if due < edge:
            moments.append(due)
        if moment is None or moment >= until:
            break
        last = moment
    return moments


def hourly_counts(times: Sequence[datetime]) -> Counter[datetime]:
    return Counter(hour_of(t) for t in times)


def _anomaly(
    condition: Anomaly,
    times: Sequence[datetime],
    since: datetime,
    until: datetime,
    *,
    history_since: datetime,
) -> list[datetime]:
    counts = hourly_counts(times)
    moments: list[datetime] = []
    spike = condition.factor >= 1
    by_hour: dict[datetime, list[datetime]] = {}
    for moment in times:
        by_hour.setdefault(hour_of(moment), []).append(moment)
    hour = hour_of(since)
    history = hour_of(history_since)
    while hour < until:
        usual = baseline(counts, hour, history)
        if usual is not None:
            seen = by_hour.get(hour, [])
            if spike:
                for index, moment in enumerate(seen, start=1):
                    if moment >= since and is_spike(
                        index, usual, condition.factor, condition.min_count
                    ):
                        moments.append(moment)
                        break
            elif hour + HOUR <= until and is_drop(
                len(seen), usual, condition.factor, condition.min_count
            ):
                moments.append(hour + HOUR)
        hour += HOUR
    return moments
