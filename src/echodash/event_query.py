"""Event filters with a severity floor ("error or worse"), on top of the store's exact ones.

The store filters on one severity at a time; "error or worse" is asked of it once per
severity at or above the floor, and the answers merged by id, so pages and cursors work as for
any other filter. In an `EventFilter` the floor is written as the severity and a `+`
(`error+`); everything that reads events through this module understands it.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools

from echodash.events import Event, Severity
from echodash.store.base import EventFilter, Store

OR_WORSE = "+"
# info and success are both "fine"; then each step is worse than the one before.
RANK = {
    Severity.INFO: 0,
    Severity.SUCCESS: 0,
    Severity.WARNING: 1,
    Severity.ERROR: 2,
    Severity.CRITICAL: 3,
}
# The floors offered: below warning, "or worse" is every event.
FLOORS = (Severity.WARNING.value, Severity.ERROR.value)


def or_worse(minimum: str) -> str:
    """The filter value for `minimum` or any worse severity."""
    return minimum + OR_WORSE


def is_known(value: str) -> bool:
    """A severity, or a severity followed by `+`."""
    return value.removesuffix(OR_WORSE) in {s.value for s in Severity}


def severities(value: str) -> list[str]:
    """The exact severities a filter value stands for."""
    if not value.endswith(OR_WORSE):
        return [value]
    floor = RANK[Severity(value.removesuffix(OR_WORSE))]
    return [s.value for s in Severity if RANK[s] >= floor]


def accepts(filters: EventFilter, severity: Severity) -> bool:
    return filters.severity is None or severity.value in severities(filters.severity)


def _exact(filters: EventFilter) -> list[EventFilter]:
    if filters.severity is None or not filters.severity.endswith(OR_WORSE):
        return [filters]
    return [dataclasses.replace(filters, severity=s) for s in severities(filters.severity)]


async def list_events(
    store: Store,
    workspace_id: int,
    filters: EventFilter,
    limit: int,
    before_id: int | None = None,
) -> list[Event]:
    """`store.list_events`, with severity floors: newest first, ids below `before_id`."""
    parts = [await store.list_events(workspace_id, f, limit, before_id) for f in _exact(filters)]
    if len(parts) == 1:
        return parts[0]
    merged = heapq.merge(*parts, key=lambda e: -e.id)
    return list(itertools.islice(merged, limit))


async def events_after(
    store: Store, workspace_id: int, filters: EventFilter, after_id: int, limit: int
) -> list[Event]:
    """`store.events_after`, with severity floors: oldest first, ids above `after_id`."""
    parts = [await store.events_after(workspace_id, f, after_id, limit) for f in _exact(filters)]
    if len(parts) == 1:
        return parts[0]
    merged = heapq.merge(*parts, key=lambda e: e.id)
    return list(itertools.islice(merged, limit))


async def count_events(store: Store, workspace_id: int, filters: EventFilter, cap: int) -> int:
    """`store.count_events`, with severity floors (each severity counted, the sum capped)."""
    total = 0
    for part in _exact(filters):
        total += await store.count_events(workspace_id, part, cap - total)
        if total >= cap:
            return cap
    return total
