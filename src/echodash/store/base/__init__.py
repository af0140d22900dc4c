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
from echodash.store.base.alerts import (
    MAX_ALERT_EVENTS,
    OPEN_STATUSES,
    AlertChange,
    AlertRecord,
    AlertStatus,
    AlertStore,
    Attempt,
    AttemptRecord,
    Evaluate,
    EvaluationBatch,
    EvaluationWork,
    NewNotification,
    OpenAlert,
    OutboxItem,
    QueuedEvent,
    RuleNameTakenError,
    RuleRecord,
    TimelineEntry,
)
from echodash.store.base.backfill import (
    BACKFILL_STATUSES,
    BackfillProgress,
    BackfillRun,
    BackfillStore,
)
from echodash.store.base.demo import DemoKind, DemoRemoval, DemoStore
from echodash.store.base.endpoints import (
    EndpointChanges,
    EndpointRecord,
    EndpointStats,
    EndpointStore,
    Refusal,
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
from echodash.store.base.metrics import MetricStore
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
    "alerts": AlertStore,
    "metrics": MetricStore,
    "backfill": BackfillStore,
    "demo": DemoStore,
}


class Store(
    LifecycleStore,
    AccountStore,
    EndpointStore,
    IngestStore,
    FeedStore,
    UpkeepStore,
    PortableStore,
    AlertStore,
    MetricStore,
    BackfillStore,
    DemoStore,
    ABC,
):
    """Durable storage of endpoints, deliveries, events and alerts for all workspaces."""


__all__ = [
    "BACKFILL_STATUSES",
    "MAX_ALERT_EVENTS",
    "OPEN_STATUSES",
    "PARTS",
    "ROLES",
    "AccountStore",
    "AlertChange",
    "AlertRecord",
    "AlertStatus",
    "AlertStore",
    "ApiTokenRecord",
    "AppendResult",
    "Attempt",
    "AttemptRecord",
    "BackfillProgress",
    "BackfillRun",
    "BackfillStore",
    "DemoKind",
    "DemoRemoval",
    "DemoStore",
    "EmailTakenError",
    "EndpointChanges",
    "EndpointRecord",
    "EndpointStats",
    "EndpointStore",
    "Evaluate",
    "EvaluationBatch",
    "EvaluationWork",
    "EventFilter",
    "FeedStore",
    "IngestStore",
    "InvitationRecord",
    "JobRun",
    "LifecycleStore",
    "Membership",
    "MetricStore",
    "NewNotification",
    "OpenAlert",
    "OutboxItem",
    "Parser",
    "PortableStore",
    "QueuedEvent",
    "Refusal",
    "RejectionCounts",
    "RuleNameTakenError",
    "RuleRecord",
    "SecretRecord",
    "SessionRecord",
    "Store",
    "StoreUnavailableError",
    "StoredDelivery",
    "TimelineEntry",
    "TokenListing",
    "UpkeepStore",
    "UserRecord",
    "WorkspaceRecord",
]
