"""The portable part of the Store interface: moving a workspace between stores."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from echodash.events import Event
from echodash.store.base.endpoints import EndpointRecord
from echodash.store.base.ingest import StoredDelivery


class PortableStore(ABC):
    @abstractmethod
    async def export_deliveries(
        self, workspace_id: int, after_id: int, limit: int
    ) -> list[tuple[StoredDelivery, bool]]:
        """The workspace's deliveries with ids above `after_id`, oldest first, each with
        whether it has been turned into events."""

    @abstractmethod
    async def restore_endpoint(self, workspace_id: int, record: EndpointRecord) -> EndpointRecord:
        """Recreate an exported endpoint (its slug and every secret, sealed for this store)."""

    @abstractmethod
    async def restore_deliveries(
        self, workspace_id: int, items: Sequence[tuple[StoredDelivery, bool]]
    ) -> dict[int, int]:
        """Store exported deliveries (endpoint ids already mapped); exported id -> new id.

        A delivery already present (same endpoint and key) maps to the stored one.
        """

    @abstractmethod
    async def restore_events(self, workspace_id: int, events: Sequence[Event]) -> int:
        """Store exported events (endpoint and delivery ids already mapped) as they were."""
