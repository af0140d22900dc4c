"""The live evaluation of one rule: events in, decisions out (open, join, resolve).

State is per (rule, group) — the group is the event's service when the rule groups by service,
else one group — and serializes to JSON, so the store keeps it in the same transaction as the
events it has seen: a restart resumes exactly where evaluation stopped, and each event is seen
once. Decisions are pure data; the caller stores alerts and queues notifications.

Time-based changes (an absence due, a burst's window running out, an anomaly's hour ending,
a quiet period over) come from `tick`, run by a cluster-wide once-only job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from echodash.alerts.baseline import HOUR, Baseline, baseline, hour_of, is_drop, is_spike
from echodash.alerts.conditions import absence_due, quiet_seconds
from echodash.alerts.rules import Absence, Anomaly, Count, Every, Rule
from echodash.events import Event, Origin

# Events that are history, not news: they are stored and searchable but open no alert.
QUIET_ORIGINS = frozenset({Origin.REPLAY, Origin.BACKFILL, Origin.IMPORT})
NO_GROUP = ""


@dataclass(frozen=True, slots=True)
class Decision:
    kind: Literal["open", "join", "resolve"]
    group: str
    at: datetime
    event_ids: tuple[int, ...] = ()
    reason: str = ""


@dataclass
class GroupState:
    """What one (rule, group) remembers between events."""

    recent: list[datetime] = field(default_factory=list)  # count rules: times in the window
    last_seen: datetime | None = None
    watching_since: datetime | None = None  # absence rules: when watching began
    open_since: datetime | None = None  # the open alert, if any
    clears_at: datetime | None = None  # when the open alert resolves if nothing more comes
    hours: dict[str, int] = field(default_factory=dict)  # anomaly: hour start → count
    history_since: datetime | None = None  # anomaly: first hour counted
    judged_hour: datetime | None = None  # anomaly drops: the last ended hour judged

    def to_json(self) -> dict[str, Any]:
        return {
            "recent": [_iso(t) for t in self.recent],
            "last_seen": _iso(self.last_seen),
            "watching_since": _iso(self.watching_since),
            "open_since": _iso(self.open_since),
            "clears_at": _iso(self.clears_at),
            "hours": self.hours,
            "history_since": _iso(self.history_since),
            "judged_hour": _iso(self.judged_hour),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupState:
        return cls(
            recent=[t for t in (_time(v) for v in data.get("recent", [])) if t is not None],
            last_seen=_time(data.get("last_seen")),
            watching_since=_time(data.get("watching_since")),
            open_since=_time(data.get("open_since")),
            clears_at=_time(data.get("clears_at")),
            hours={str(k): int(v) for k, v in data.get("hours", {}).items()},
            history_since=_time(data.get("history_since")),
            judged_hour=_time(data.get("judged_hour")),
        )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def group_of(rule: Rule, event: Event) -> str:
    return (event.service or NO_GROUP) if rule.group_by == "service" else NO_GROUP


def counts_as_news(event: Event) -> bool:
    return event.origin not in QUIET_ORIGINS


def observe(rule: Rule, state: GroupState, event: Event, group: str) -> list[Decision]:
    """One matching event (already matched, in stored order). Muting and maintenance are
    the caller's: they silence notifications, not evaluation."""
    moment = event.occurred_at
    decisions = _expire(rule, state, moment, group)
    condition = rule.condition
    quiet = timedelta(seconds=quiet_seconds(rule))
    state.last_seen = max(state.last_seen, moment) if state.last_seen else moment
    if isinstance(condition, Every):
        decisions += _hold(state, moment, moment + quiet, group, event.id, "a matching event")
    elif isinstance(condition, Count):
        window = timedelta(seconds=condition.window_seconds)
        state.recent = sorted([t for t in state.recent if t > moment - window] + [moment])
        if len(state.recent) > condition.threshold:
            state.recent = state.recent[-condition.threshold :]
        if len(state.recent) >= condition.threshold:
            clears = state.recent[-condition.threshold] + window + quiet
            reason = f"{condition.threshold} or more within {_span(condition.window_seconds)}"
            decisions += _hold(state, moment, clears, group, event.id, reason)
        elif state.open_since is not None:
            decisions.append(Decision("join", group, moment, (event.id,)))
    elif isinstance(condition, Absence):
        if state.open_since is not None:
            decisions.append(Decision("resolve", group, moment, (event.id,), "events came back"))
            state.open_since = state.clears_at = None
    elif isinstance(condition, Anomaly):
        decisions += _anomaly_event(rule, condition, state, event, group)
    return decisions


def _hold(
    state: GroupState, moment: datetime, clears: datetime, group: str, event_id: int, reason: str
) -> list[Decision]:
    """The condition holds at `moment`: open an alert, or keep the open one open longer."""
    state.clears_at = max(state.clears_at, clears) if state.clears_at else clears
    if state.open_since is None:
        state.open_since = moment
        return [Decision("open", group, moment, (event_id,), reason)]
    return [Decision("join", group, moment, (event_id,))]


def _anomaly_event(
    rule: Rule, condition: Anomaly, state: GroupState, event: Event, group: str
) -> list[Decision]:
    hour = hour_of(event.occurred_at)
    key = _iso(hour)
    assert key is not None
    state.hours[key] = state.hours.get(key, 0) + 1
    if state.history_since is None:
        state.history_since = hour
    _forget_old_hours(state, hour)
    if condition.factor < 1:
        return []  # drops are judged when an hour ends (tick)
    usual = _usual(state, hour)
    if usual is None or not is_spike(
        state.hours[key], usual, condition.factor, condition.min_count
    ):
        return [Decision("join", group, event.occurred_at, (event.id,))] if state.open_since else []
    reason = f"{state.hours[key]} this hour, usually {usual.usual:g}"
    return _hold(state, event.occurred_at, hour + HOUR, group, event.id, reason)


def _usual(state: GroupState, hour: datetime) -> Baseline | None:
    counts = {datetime.fromisoformat(k): v for k, v in state.hours.items()}
    since = state.history_since or hour
    return baseline(counts, hour, since)


def _forget_old_hours(state: GroupState, now: datetime) -> None:
    edge = _iso(now - timedelta(weeks=5))
    assert edge is not None
    for key in [k for k in state.hours if k < edge]:
        del state.hours[key]


def _expire(rule: Rule, state: GroupState, now: datetime, group: str) -> list[Decision]:
    if state.open_since is not None and state.clears_at is not None and now >= state.clears_at:
        at = state.clears_at
        state.open_since = state.clears_at = None
        return [Decision("resolve", group, at, (), "the condition cleared")]
    return []


def tick(rule: Rule, state: GroupState, now: datetime, group: str) -> list[Decision]:
    """What time alone changes by `now`: quiet periods over, absences due, hours ended."""
    decisions = _expire(rule, state, now, group)
    condition = rule.condition
    if isinstance(condition, Absence):
        since = state.watching_since or now
        state.watching_since = since
        due = absence_due(state.last_seen, since, condition)
        if (
            state.open_since is None
            and now >= due
            and (state.last_seen is None or state.last_seen < due)
        ):
            # One alert per silence: it resolves when an event comes (observe).
            state.open_since = due
            state.watching_since = due
            silent = _span(condition.window_seconds)
            decisions.append(Decision("open", group, due, (), f"nothing for {silent}"))
    elif isinstance(condition, Anomaly) and condition.factor < 1:
        ended = hour_of(now) - HOUR
        key = _iso(ended)
        assert key is not None
        if state.history_since is not None and (
            state.judged_hour is None or state.judged_hour < ended
        ):
            state.judged_hour = ended
            usual = _usual(state, ended)
            seen = state.hours.get(key, 0)
            if usual is not None and is_drop(seen, usual, condition.factor, condition.min_count):
                reason = f"{seen} in the hour, usually {usual.usual:g}"
                if state.open_since is None:
                    state.open_since = ended + HOUR
                    decisions.append(Decision("open", group, ended + HOUR, (), reason))
                state.clears_at = ended + 2 * HOUR
    return decisions


def _span(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def replay(rule: Rule, events: Iterable[Event], until: datetime) -> list[Decision]:
    """Every decision the live evaluator makes for `events` (sorted) and the ticks up to
    `until`, minute by minute between events: how the engine and the dry run are held to
    the same answers in tests."""
    states: dict[str, GroupState] = {}
    decisions: list[Decision] = []
    clock: datetime | None = None
    for event in events:
        group = group_of(rule, event)
        state = states.setdefault(group, GroupState(watching_since=event.occurred_at))
        if clock is not None:
            decisions += _ticks(rule, states, clock, event.occurred_at)
        decisions += observe(rule, state, event, group)
        clock = event.occurred_at
    if clock is not None:
        decisions += _ticks(rule, states, clock, until)
    return decisions


def _ticks(
    rule: Rule, states: dict[str, GroupState], start: datetime, end: datetime
) -> list[Decision]:
    found: list[Decision] = []
    moment = start + timedelta(minutes=1)
    while moment < end:
        for group, state in states.items():
            found += tick(rule, state, moment, group)
        moment += timedelta(minutes=1)
    return found
