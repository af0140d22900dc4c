"""The endpoints part of the Store interface: receive URLs, their secrets and their counts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class SecretRecord:
    id: int
    sealed: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    id: int
    workspace_id: int
    kind: str
    name: str
    slug: str
    options: dict[str, Any]
    created_at: datetime
    secrets: tuple[SecretRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class EndpointStats:
    deliveries: int
    duplicates: int
    last_delivery_at: datetime | None
    rejections: dict[str, int]
    last_rejection_at: datetime | None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Deliveries to one endpoint refused for one reason within about a second."""

    at: datetime
    reason: str
    count: int


# Refusals are listed and charted for this long.
REFUSAL_LOG_DAYS = 7


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    name: str | None = None
    options: dict[str, Any] | None = None


class EndpointStore(ABC):
    @abstractmethod
    async def create_endpoint(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        slug: str,
        options: dict[str, Any],
        sealed_secret: str | None,
    ) -> EndpointRecord:
        """Create an endpoint with its first secret (None for unsigned kinds)."""

    @abstractmethod
    async def list_endpoints(self, workspace_id: int) -> list[EndpointRecord]:
        """All endpoints of one workspace, oldest first."""

    @abstractmethod
    async def get_endpoint(self, workspace_id: int, endpoint_id: int) -> EndpointRecord | None:
        """One endpoint of one workspace."""

    @abstractmethod
    async def get_endpoint_by_slug(self, slug: str) -> EndpointRecord | None:
        """The endpoint a receive URL points at."""

    @abstractmethod
    async def update_endpoint(
        self, workspace_id: int, endpoint_id: int, changes: EndpointChanges
    ) -> EndpointRecord | None:
        """Rename or reconfigure an endpoint."""

    @abstractmethod
    async def delete_endpoint(self, workspace_id: int, endpoint_id: int) -> bool:
        """Delete an endpoint; its events stay in the feed."""

    @abstractmethod
    async def add_secret(
        self, workspace_id: int, endpoint_id: int, sealed: str, expire_others_at: datetime | None
    ) -> EndpointRecord | None:
        """Add an active secret; optionally set when the other secrets stop being accepted."""

    @abstractmethod
    async def endpoint_stats(self, workspace_id: int, endpoint_id: int) -> EndpointStats:
        """Delivery and rejection counts for one endpoint."""

    @abstractmethod
    async def refusals(self, workspace_id: int, endpoint_id: int, limit: int) -> list[Refusal]:
        """The endpoint's refused deliveries, newest first (kept REFUSAL_LOG_DAYS days)."""

    @abstractmethod
    async def refusal_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        """Per endpoint, deliveries refused in each of `buckets` intervals of `bucket` from
        `since` on (charted beside the accepted ones)."""
