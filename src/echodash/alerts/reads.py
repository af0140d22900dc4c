"""Evaluation's reads from the store: the changes before an alert and the linked services.

Changes come from the feed's own query (filtered by category and the time the change
occurred), one query per change category, so no store query is added for alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from echodash.alerts.suspects import CHANGE_CATEGORIES
from echodash.events import Event
from echodash.store.base.feed import EventFilter

# Changes read per category when an alert opens: ranking keeps ten, the newest are nearest.
PER_CATEGORY = 200
# The feed's `until` excludes its end; a change at the very moment the alert opened counts.
_EDGE = timedelta(milliseconds=1)


class FeedReader(Protocol):
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]: ...

    async def get_services(self, workspace_id: int) -> list[dict[str, Any]]: ...

    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]: ...


class StoreReads:
    def __init__(self, store: FeedReader) -> None:
        self._store = store

    async def changes(self, workspace_id: int, since: datetime, until: datetime) -> list[Event]:
        found: list[Event] = []
        for category in CHANGE_CATEGORIES:
            filters = EventFilter(category=category.value, since=since, until=until + _EDGE)
            found += await self._store.list_events(workspace_id, filters, PER_CATEGORY)
        return found

    async def services(self, workspace_id: int) -> list[dict[str, Any]]:
        return await self._store.get_services(workspace_id)

    async def events(self, ids: list[int]) -> list[Event]:
        return await self._store.events_by_ids(ids)
