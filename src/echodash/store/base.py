"""The Store interface: every backend (SQLite, PostgreSQL) implements exactly this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from echodash.events import Delivery, Event, EventDraft
from echodash.store.accounts import AccountStore

# (endpoint id, reason) -> (how many, when the last one came)
RejectionCounts = dict[tuple[int, str], tuple[int, datetime]]


class StoreUnavailableError(Exception):
    """The store cannot commit or answer right now (database down, disk full)."""


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
class WorkspaceRecord:
    id: int
    name: str
    # Events and deliveries older than this many days are pruned; None keeps them forever.
    retention_days: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a cluster-wide background job, as recorded for operators."""

    name: str
    node: str
    started_at: datetime
    finished_at: datetime
    detail: str


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    workspace_id: int
    name: str
    role: str
    created_at: datetime
    # The person a personal token belongs to (None: a workspace token made by the CLI).
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class AppendResult:
    delivery_id: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class StoredDelivery(Delivery):
    """A delivery as the store keeps it: with its id and how often it was sent again."""

    id: int = 0
    duplicates: int = 0


# What the processor does with a batch of stored deliveries: each one's event drafts.
Parser = Callable[
    [list[StoredDelivery]], Awaitable[list[tuple[StoredDelivery, Sequence[EventDraft]]]]
]


@dataclass(frozen=True, slots=True)
class EventFilter:
    source: str | None = None
    type: str | None = None
    endpoint_id: int | None = None
    severity: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    name: str | None = None
    options: dict[str, Any] | None = None


class Store(AccountStore, ABC):
    """Durable storage of endpoints, deliveries and events for all workspaces."""

    @abstractmethod
    def observe_commits(self, observer: Callable[[float], None]) -> None:
        """Report each durable commit's duration in seconds (for the commit-latency metric)."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    @abstractmethod
    async def close(self) -> None:
        """Finish queued writes and release connections."""

    @abstractmethod
    async def ping(self) -> bool:
        """True when the store answers a trivial query."""

    @abstractmethod
    async def set_meta(self, key: str, value: str) -> None:
        """Record a fact about this installation (e.g. the server's base URL)."""

    @abstractmethod
    async def get_meta(self, key: str) -> str | None:
        """A fact recorded with `set_meta`, if any."""

    # Workspaces and tokens
    @abstractmethod
    async def ensure_default_workspace(self) -> int:
        """The id of the first workspace, created when none exists."""

    @abstractmethod
    async def create_workspace(self, name: str) -> int:
        """A new, empty workspace."""

    @abstractmethod
    async def get_workspace(self, workspace_id: int) -> WorkspaceRecord | None:
        """One workspace."""

    @abstractmethod
    async def list_workspaces(self) -> list[WorkspaceRecord]:
        """Every workspace, oldest first."""

    @abstractmethod
    async def set_retention(self, workspace_id: int, days: int | None) -> WorkspaceRecord | None:
        """Keep the workspace's events and deliveries for `days` days (None: forever)."""

    @abstractmethod
    async def create_api_token(
        self, workspace_id: int, name: str, token_hash: str, role: str
    ) -> ApiTokenRecord:
        """Store a new API token by its hash."""

    @abstractmethod
    async def find_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        """The live token with that hash, if any."""

    @abstractmethod
    async def api_token_ever_existed(self, token_hash: str) -> bool:
        """True when a token with this hash was ever created, revoked or not."""

    @abstractmethod
    async def count_api_tokens(self) -> int:
        """How many live API tokens exist across all workspaces."""

    # Endpoints
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

    # Ingestion
    @abstractmethod
    async def append_delivery(self, delivery: Delivery) -> AppendResult:
        """Durably store a delivery, once per (endpoint, key). Returns after the commit."""

    @abstractmethod
    async def record_rejections(self, counts: RejectionCounts) -> None:
        """Add refused-delivery counts to their endpoints."""

    @abstractmethod
    async def pending_deliveries(self, limit: int) -> list[StoredDelivery]:
        """Stored deliveries that have not been turned into events yet, oldest first."""

    @abstractmethod
    async def process_pending(self, limit: int, parse: Parser) -> tuple[int, list[Event]]:
        """Turn up to `limit` unprocessed deliveries, oldest first, into events with `parse`.

        Each delivery is taken by exactly one caller, across every process sharing the store,
        and parsed once; its events and its "processed" mark commit together. Returns how
        many deliveries were taken and the events saved.
        """

    @abstractmethod
    async def save_events(
        self, parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]]
    ) -> list[Event]:
        """Store each delivery's events and mark it processed, atomically."""

    @abstractmethod
    async def save_replayed_events(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> list[Event]:
        """Store events parsed again from an already processed delivery (a replay)."""

    # Queries
    @abstractmethod
    async def list_events(
        self,
        workspace_id: int,
        filters: EventFilter,
        limit: int,
        before_id: int | None = None,
    ) -> list[Event]:
        """Newest first, ids below `before_id` when given."""

    @abstractmethod
    async def events_after(
        self, workspace_id: int, filters: EventFilter, after_id: int, limit: int
    ) -> list[Event]:
        """Oldest first, ids above `after_id` (for live streams resuming after a gap)."""

    @abstractmethod
    async def latest_event_id(self) -> int:
        """The highest event id in the store (0 when empty)."""

    @abstractmethod
    async def get_event(self, workspace_id: int, event_id: int) -> Event | None:
        """One event of one workspace."""

    @abstractmethod
    async def get_delivery(self, workspace_id: int, delivery_id: int) -> StoredDelivery | None:
        """One stored delivery of one workspace, byte-exact."""

    @abstractmethod
    async def events_by_ids(self, ids: Sequence[int]) -> list[Event]:
        """Events with those ids, of any workspace, oldest first (for the live bus)."""

    @abstractmethod
    async def event_counts(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[tuple[str, str, str, int]]:
        """(source, type, severity, count) of the events received in [since, until)."""

    @abstractmethod
    async def delivery_volume(
        self, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
    ) -> dict[int, list[int]]:
        """Per endpoint, deliveries received in each of `buckets` intervals of `bucket`
        from `since` on (for the sources page's sparklines)."""

    # Retention
    @abstractmethod
    async def prune_workspace(self, workspace_id: int, before: datetime, limit: int) -> int:
        """Delete up to `limit` events and up to `limit` deliveries received before `before`.

        Returns how many rows went; call again until it returns 0.
        """

    # Cluster-wide background jobs
    @abstractmethod
    def job_lease(self, name: str, every: timedelta) -> AbstractAsyncContextManager[bool]:
        """Enter to learn whether this process runs job `name` now.

        True when the job is due (its last run began `every` ago or more) and no other
        process sharing the store holds it; the job is then not due again for `every`.
        """

    @abstractmethod
    async def record_job_run(self, run: JobRun) -> None:
        """Keep a finished run in the job log."""

    @abstractmethod
    async def job_runs(self, name: str, limit: int) -> list[JobRun]:
        """The newest runs of one job, newest first."""

    # Export and import (moving a workspace between stores)
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
