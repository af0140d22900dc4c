"""The alerts part of the Store interface: rules, the evaluation queue, alerts, the outbox.

Each event of a workspace with an enabled rule is queued for evaluation in the same
transaction that stores it, so it is evaluated exactly once even when the process dies in
between. Evaluation (`evaluate`) takes queued events with the rules' saved state, hands them to
a pure function, and stores what it decided — new state, alerts opened, joined and resolved,
notifications queued — in one transaction that also takes the events off the queue. Only one
evaluation runs at a time across every process sharing the store, so state is never read and
written by two at once.

Notifications go through a durable outbox: claimed with a lease (another process skips them
until it runs out), then finished with the attempt's outcome and, on failure, when to try again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from echodash.events import Event

AlertStatus = Literal["firing", "acknowledged", "resolved"]
OPEN_STATUSES: tuple[AlertStatus, ...] = ("firing", "acknowledged")
# An alert keeps the ids of its first this many events (its event_count counts them all).
MAX_ALERT_EVENTS = 100


class RuleNameTakenError(ValueError):
    """A workspace's rule names are unique."""


@dataclass(frozen=True, slots=True)
class RuleRecord:
    id: int
    workspace_id: int
    name: str
    document: dict[str, Any]  # the rule's JSON as parse_rule reads it (secrets included)
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    workspace_id: int
    rule_id: int
    group: str  # the group-by key's value ("" when the rule does not group)
    status: AlertStatus
    reason: str  # why it opened, in words ("5 or more within 10 min")
    opened_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: int | None  # user id
    event_ids: tuple[int, ...]  # the first MAX_ALERT_EVENTS matching events, oldest first
    event_count: int
    suspects: list[dict[str, Any]]  # {"event_id", "reason", "score"}, best first
    last_notified_at: datetime | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of an alert's history."""

    alert_id: int
    at: datetime
    kind: str  # opened, event, acknowledged, resolved, notified, notify_failed, muted
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    event: Event
    body: bytes | None  # the delivery's raw body (rules' `where` conditions read it)


@dataclass(frozen=True, slots=True)
class EvaluationBatch:
    """What one evaluation sees. `events` is empty for a time-based pass (`tick`)."""

    now: datetime
    events: list[QueuedEvent]  # queued events, oldest first
    rules: dict[int, list[RuleRecord]]  # workspace id → its enabled rules
    states: dict[tuple[int, str], dict[str, Any]]  # (rule id, group) → saved state
    open_alerts: dict[tuple[int, str], AlertRecord]  # (rule id, group) → firing/acknowledged


# The outbox kind of an alert's record in the feed (echodash/alerts/feed_items.py): queued with
# each opened and resolved alert, rule muted or not. It is no destination of the rule: its
# sends leave no attempt, no timeline entry and no `last_notified_at`.
FEED_KIND = "feed"
FEED_ACTION = -1  # its action_index: none of the rule's actions


@dataclass(frozen=True, slots=True)
class NewNotification:
    action_index: int  # which of the rule's actions (FEED_ACTION for a feed item)
    kind: str  # the action's kind: webhook, apprise, email, browser; or FEED_KIND
    payload: dict[str, Any]  # what is sent (the alert and the rule, as JSON)
    due_at: datetime


@dataclass(frozen=True, slots=True)
class OpenAlert:
    workspace_id: int
    rule_id: int
    group: str
    opened_at: datetime
    reason: str
    event_ids: tuple[int, ...]
    suspects: list[dict[str, Any]]
    # Queued with the alert; a `{"alert_id"}` key in each payload is filled with its new id.
    notifications: list[NewNotification] = field(default_factory=list)
    # The alert's record in the feed (kind FEED_KIND), queued and filled the same way.
    feed: list[NewNotification] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AlertChange:
    """An open alert gains events, resolves, or is notified again (repeat interval)."""

    alert_id: int
    at: datetime
    event_ids: tuple[int, ...] = ()
    resolve: bool = False
    reason: str = ""
    notifications: list[NewNotification] = field(default_factory=list)
    feed: list[NewNotification] = field(default_factory=list)  # as OpenAlert's


@dataclass
class EvaluationWork:
    """What one evaluation decided; stored in one transaction."""

    # (rule id, group) → its new state; None forgets it
    states: dict[tuple[int, str], dict[str, Any] | None] = field(default_factory=dict)
    opened: list[OpenAlert] = field(default_factory=list)
    changed: list[AlertChange] = field(default_factory=list)


Evaluate = Callable[[EvaluationBatch], Awaitable[EvaluationWork]]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    workspace_id: int
    alert_id: int
    rule_id: int
    action_index: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # attempts made before this one
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one try at sending a notification."""

    at: datetime
    ok: bool
    status_code: int | None  # the receiver's HTTP status, when it answered
    detail: str  # the response's start, or the error, in words (never a secret)
    seconds: float


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    outbox_id: int
    alert_id: int
    rule_id: int
    action_index: int
    kind: str
    attempt: Attempt


class AlertStore(ABC):
    # Rules
    @abstractmethod
    async def create_rule(
        self, workspace_id: int, name: str, document: dict[str, Any], enabled: bool = True
    ) -> RuleRecord:
        """RuleNameTakenError when the workspace has a rule of that name."""

    @abstractmethod
    async def list_rules(self, workspace_id: int) -> list[RuleRecord]:
        """The workspace's rules, oldest first."""

    @abstractmethod
    async def get_rule(self, workspace_id: int, rule_id: int) -> RuleRecord | None: ...

    @abstractmethod
    async def update_rule(
        self,
        workspace_id: int,
        rule_id: int,
        name: str,
        document: dict[str, Any],
        enabled: bool,
    ) -> RuleRecord | None:
        """None when the rule is not in the workspace; RuleNameTakenError as create.
        A changed rule starts from fresh state (its saved state is forgotten)."""

    @abstractmethod
    async def delete_rule(self, workspace_id: int, rule_id: int) -> bool:
        """Its state and queued notifications go with it; its alerts stay, resolved."""

    # Evaluation
    @abstractmethod
    async def evaluate(self, limit: int, evaluate: Evaluate, *, now: datetime) -> int:
        """Take up to `limit` queued events (0: none, a time-based pass over every enabled
        rule), run `evaluate`, store its work and take the events off the queue, all in one
        transaction, one evaluation at a time across processes. Returns how many events were
        taken. If `evaluate` raises, nothing is stored and the events stay queued."""

    @abstractmethod
    async def queued_events(self) -> int:
        """How many events wait for evaluation (all workspaces)."""

    # Alerts
    @abstractmethod
    async def list_alerts(
        self,
        workspace_id: int,
        status: AlertStatus | None = None,
        rule_id: int | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[AlertRecord]:
        """Newest first."""

    @abstractmethod
    async def get_alert(self, workspace_id: int, alert_id: int) -> AlertRecord | None: ...

    @abstractmethod
    async def alert_timeline(self, workspace_id: int, alert_id: int) -> list[TimelineEntry]:
        """Oldest first."""

    @abstractmethod
    async def set_alert_status(
        self,
        workspace_id: int,
        alert_id: int,
        status: Literal["acknowledged", "resolved"],
        at: datetime,
        user_id: int | None,
    ) -> AlertRecord | None:
        """Acknowledge a firing alert or resolve an open one (recorded in the timeline).
        None when it is not in the workspace; a resolved alert stays resolved (returned as is)."""

    @abstractmethod
    async def count_open_alerts(self, workspace_id: int) -> dict[AlertStatus, int]:
        """{"firing": n, "acknowledged": n} (the sidebar's count)."""

    # Linked services (suspect ranking): [{"name": "web", "members": ["github:acme/web", …]}]
    @abstractmethod
    async def get_services(self, workspace_id: int) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def put_services(self, workspace_id: int, services: list[dict[str, Any]]) -> None: ...

    # The outbox
    @abstractmethod
    async def claim_notifications(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxItem]:
        """Due, unfinished notifications (oldest first); each is not due again for
        `lease_seconds`, so no other process sends it meanwhile."""

    @abstractmethod
    async def finish_notification(
        self, item_id: int, attempt: Attempt, retry_at: datetime | None
    ) -> None:
        """Record an attempt. Sent (attempt.ok): done, and the alert's last_notified_at is
        set. Failed: tried again at `retry_at`, or given up when it is None. Both in the
        alert's timeline. A feed item (FEED_KIND) is only marked done or due again: nobody
        was notified, so it leaves no attempt, timeline entry or last_notified_at."""

    @abstractmethod
    async def notification_attempts(
        self, workspace_id: int, rule_id: int | None = None, limit: int = 50
    ) -> list[AttemptRecord]:
        """The newest attempts first (a destination's page: each with its response)."""

    @abstractmethod
    async def pending_notifications(self, workspace_id: int | None = None) -> int:
        """Notifications neither sent nor given up."""


__all__ = [
    "FEED_ACTION",
    "FEED_KIND",
    "MAX_ALERT_EVENTS",
    "OPEN_STATUSES",
    "AlertChange",
    "AlertRecord",
    "AlertStatus",
    "AlertStore",
    "Attempt",
    "AttemptRecord",
    "Evaluate",
    "EvaluationBatch",
    "EvaluationWork",
    "NewNotification",
    "OpenAlert",
    "OutboxItem",
    "QueuedEvent",
    "RuleNameTakenError",
    "RuleRecord",
    "TimelineEntry",
]
