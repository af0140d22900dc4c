"""SQLite: export and restore of a workspace's endpoints, deliveries and events."""

from __future__ import annotations

from collections.abc import Sequence

from echodash.events import Event
from echodash.store.base import EndpointRecord, StoredDelivery
from echodash.store.sqlite_access import SqliteAccess


class SqlitePortable(SqliteAccess):
    async def export_deliveries(
        self, workspace_id: int, after_id: int, limit: int
    ) -> list[tuple[StoredDelivery, bool]]:
        raise NotImplementedError

    async def restore_endpoint(self, workspace_id: int, record: EndpointRecord) -> EndpointRecord:
        raise NotImplementedError

    async def restore_deliveries(
        self, workspace_id: int, items: Sequence[tuple[StoredDelivery, bool]]
    ) -> dict[int, int]:
        raise NotImplementedError

    async def restore_events(self, workspace_id: int, events: Sequence[Event]) -> int:
        raise NotImplementedError
