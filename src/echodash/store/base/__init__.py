"""The Store interface, in parts: every backend (SQLite, PostgreSQL) implements each part.

`store/sqlite/` and `store/postgres/` hold one module per part, named as here.
"""

from __future__ import annotations

from abc import ABC

from echodash.store.base.accounts import (
    ROLES,
    AccountStore,
    ApiTokenRecord,
    EmailTakenError,
    InvitationRecord,
    Membership,
    SessionRecord,
    TokenListing,
    UserRecord,
    WorkspaceRecord,
)
from echodash.store.base.endpoints import (
    EndpointChanges,
    EndpointRecord,
    EndpointStats,
    EndpointStore,
    SecretRecord,
)
from echodash.store.base.feed import EventFilter, FeedStore
from echodash.store.base.ingest import (
    AppendResult,
    IngestStore,
    Parser,
    RejectionCounts,
    StoredDelivery,
)
from echodash.store.base.lifecycle import LifecycleStore, StoreUnavailableError
from echodash.store.base.portable import PortableStore
from echodash.store.base.upkeep import JobRun, UpkeepStore

# The parts, by module name: each backend package has a module of the same name per part.
PARTS: dict[str, type[ABC]] = {
    "lifecycle": LifecycleStore,
    "accounts": AccountStore,
    "endpoints": EndpointStore,
    "ingest": IngestStore,
    "feed": FeedStore,
    "upkeep": UpkeepStore,
    "portable": PortableStore,
}


class Store(
    LifecycleStore,
    AccountStore,
    EndpointStore,
    IngestStore,
    FeedStore,
    UpkeepStore,
    PortableStore,
    ABC,
):
    """Durable storage of endpoints, deliveries and events for all workspaces."""


__all__ = [
    "PARTS",
    "ROLES",
    "AccountStore",
    "ApiTokenRecord",
    "AppendResult",
    "EmailTakenError",
    "EndpointChanges",
    "EndpointRecord",
    "EndpointStats",
    "EndpointStore",
    "EventFilter",
    "FeedStore",
    "IngestStore",
    "InvitationRecord",
    "JobRun",
    "LifecycleStore",
    "Membership",
    "Parser",
    "PortableStore",
    "RejectionCounts",
    "SecretRecord",
    "SessionRecord",
    "Store",
    "StoreUnavailableError",
    "StoredDelivery",
    "TokenListing",
    "UpkeepStore",
    "UserRecord",
    "WorkspaceRecord",
]
