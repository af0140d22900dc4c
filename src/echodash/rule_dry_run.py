"""A rule's dry run: when it would have fired over stored events ("3 times in the last 7
days"), notifying nobody.

The store narrows the events by what it can filter on (source, exact type, endpoint,
category, exact service, environment, outcome, severity, time); the rule's own `matches`
decides the rest in Python, `where` conditions on the delivery's body included; then
`would_fire` — the function the live evaluator shares — says when it would have opened an
alert. The work is bounded: at most `MAX_EVENTS` events are read, and at most `MAX_BODIES`
bodies or `MAX_BODY_BYTES` bytes of them parsed (parsing runs on the event loop: the byte
bound keeps one dry run from holding it long); past any bound, the answer covers the newest
part of the span only, exactly, and says from when.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from echodash import event_query
from echodash.alerts.conditions import quiet_seconds, would_fire
from echodash.alerts.engine import group_of
from echodash.alerts.matching import compile_match
from echodash.alerts.rules import Anomaly, Count, Match, Rule
from echodash.events import Event, Origin, Severity
from echodash.store.base import EventFilter, Store

DEFAULT_SPAN = timedelta(days=7)
LONGEST_SPAN = timedelta(days=90)
# Anomaly rules compare an hour with the same hours of the weeks before: read that far back.
ANOMALY_HISTORY = timedelta(weeks=5)
MAX_EVENTS = 20_000
MAX_BODIES = 5_000
MAX_BODY_BYTES = 32 * 1024 * 1024
PAGE = 500
# The span is read in this many slices (none shorter than MIN_SLICE), newest first.
SLICES = 28
MIN_SLICE = timedelta(minutes=1)
_GRAVE = {Severity.WARNING, Severity.ERROR, Severity.CRITICAL}


@dataclass(frozen=True, slots=True)
class DryRun:
    moments: list[datetime]
    matched: int  # events the rule matched (history included)
    scanned: int  # events read from the store
    truncated: bool  # a bound was reached: only the newest part was looked at
    since: datetime  # the start of what the moments cover
    until: datetime


def store_filter(match: Match, since: datetime, until: datetime) -> EventFilter:
    """What the store can narrow by: exact values only (globs are matched in Python)."""

    def exact(value: str | None) -> str | None:
        return value if value is not None and not any(c in value for c in "*?[") else None

    severity = None
    if match.severity is not None:
        severity = (
            event_query.or_worse(match.severity.value)
            if match.severity in _GRAVE
            else match.severity.value
        )
    return EventFilter(
        source=match.source,
        type=exact(match.type),
        endpoint_id=match.endpoint,
        severity=severity,
        since=since,
        until=until,
        category=match.category.value if match.category is not None else None,
        service=exact(match.service),
        environment=match.environment,
        outcome=match.outcome.value if match.outcome is not None else None,
    )


def lookback(rule: Rule) -> timedelta:
    """How long before the span events still matter: an anomaly's weeks of history, and a
    count's window (a burst that began before the span is no new incident inside it)."""
    condition = rule.condition
    if isinstance(condition, Anomaly):
        return ANOMALY_HISTORY
    if isinstance(condition, Count):
        return timedelta(seconds=condition.window_seconds + quiet_seconds(rule))
    return timedelta(0)


def needs_body(match: Match) -> bool:
    """Whether a `where` condition reads the delivery's body (not only `event.…`)."""
    return any(not w.field.startswith("event.") for w in match.where)


async def dry_run(
    store: Store, workspace_id: int, rule: Rule, since: datetime, until: datetime
) -> DryRun:
    """When `rule` would have fired in [since, until). Time is read in slices, newest first,
    each slice whole: the store pages by id, which follows time only for live deliveries (an
    import or a backfill stores old events with new ids), so a bound reached inside a slice
    leaves that slice out and the answer covers exactly the slices after it."""
    read_from = since - lookback(rule)
    reader = _Reader(store, workspace_id, rule)
    step = max((until - read_from) / SLICES, MIN_SLICE)
    matched: list[Event] = []
    found: list[Event] | None = []
    covered = read_from
    edge = until
    while edge > read_from:
        start = max(read_from, edge - step)
        found = await reader.read(start, edge)
        if found is None:
            covered = edge
            break
        matched += found
        edge = start
    shown_since = max(since, covered)
    return DryRun(
        moments=_moments(rule, matched, shown_since, until),
        matched=len(matched),
        scanned=reader.scanned,
        truncated=found is None,
        since=shown_since,
        until=until,
    )


class _Reader:
    """Reads the events of one time slice that the rule matches, within the bounds."""

    def __init__(self, store: Store, workspace_id: int, rule: Rule) -> None:
        self.store = store
        self.workspace_id = workspace_id
        self.match = rule.match
        self.cheap = compile_match(dataclasses.replace(rule.match, where=()))
        self.full = compile_match(rule.match)
        self.bodies = needs_body(rule.match)
        self.scanned = self.parsed = self.parsed_bytes = 0

    async def read(self, start: datetime, end: datetime) -> list[Event] | None:
        """The matching events in [start, end); None when a bound is reached first."""
        filters = store_filter(self.match, start, end)
        found: list[Event] = []
        before: int | None = None
        while True:
            page = await event_query.list_events(
                self.store, self.workspace_id, filters, PAGE, before
            )
            for event in page:
                if self.scanned >= MAX_EVENTS:
                    return None
                self.scanned += 1
                # A replay repeats an event already stored: counted once, as live rules do.
                if event.origin is Origin.REPLAY or not self.cheap(event, _no_body):
                    continue
                if self.match.where:
                    if self.bodies and (
                        self.parsed >= MAX_BODIES or self.parsed_bytes >= MAX_BODY_BYTES
                    ):
                        return None
                    if not await self._holds(event):
                        continue
                found.append(event)
            if len(page) < PAGE:
                return found
            before = page[-1].id

    async def _holds(self, event: Event) -> bool:
        body: Any = None
        if self.bodies:
            self.parsed += 1
            body, size = await _body(self.store, self.workspace_id, event)
            self.parsed_bytes += size
        return self.full(event, _constant(body))


def _moments(rule: Rule, events: list[Event], since: datetime, until: datetime) -> list[datetime]:
    """`would_fire` per group: a rule grouped by service opens one alert per service."""
    groups: dict[str, list[datetime]] = {}
    for event in events:
        groups.setdefault(group_of(rule, event), []).append(event.occurred_at)
    if not groups:
        groups[""] = []  # an absence rule fires on silence itself
    found: list[datetime] = []
    for times in groups.values():
        found += would_fire(rule, sorted(times), since, until)
    return sorted(found)


async def _body(store: Store, workspace_id: int, event: Event) -> tuple[Any, int]:
    """The delivery's JSON body (None when it has none) and its size in bytes."""
    if event.delivery_id is None:
        return None, 0
    delivery = await store.get_delivery(workspace_id, event.delivery_id)
    if delivery is None:
        return None, 0
    try:
        return orjson.loads(delivery.body), len(delivery.body)
    except orjson.JSONDecodeError:
        return None, len(delivery.body)


def _no_body() -> Any:
    return None


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value
