"""Alerts in the feed: each opened, resolved and acknowledged alert becomes an event of its own.

Each one is a delivery of the workspace's `alerts` endpoint (echodash/sources/alerts, made on
first use like the custom events' endpoint), stored through `store.append_delivery`: durable,
deduplicated by its key, and turned into an event by the processor like any webhook — so the
feed, search, filters, the live stream and replay show alerts with nothing of their own.

Two ways in, each exactly once:

- Evaluation queues a `feed` item in the outbox with each alert it opens or resolves (muted
  or not: the feed is a record, not a notification); the sender appends it with the key
  `outbox-<item id>`, so a retry after a crash finds the delivery stored already.
- A person acknowledges or resolves an alert by hand: the route that did it calls
  `after_status_change`, which stores it through `record_status_change` (key
  `alert-<id>-<status>`: once per alert and status).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import orjson

from echodash.alerts.evaluation import rule_of
from echodash.alerts.matching import ALERTS_SOURCE
from echodash.alerts.notices import alert_json, rule_json
from echodash.alerts.rules import RuleError
from echodash.alerts.windows import WindowError
from echodash.crypto import new_slug
from echodash.events import Delivery, Origin, utcnow
from echodash.store.base import AppendResult, EndpointRecord
from echodash.store.base.alerts import AlertRecord, RuleRecord

log = logging.getLogger("echodash.alerts")

ENDPOINT_NAME = "EchoDash alerts"
_CACHE_SECONDS = 60.0
_HEADERS = {"content-type": "application/json"}

StatusChange = Literal["acknowledged", "resolved"]


class FeedItemStore(Protocol):
    """The parts of the Store the intake uses."""

    async def list_endpoints(self, workspace_id: int) -> list[EndpointRecord]: ...

    async def create_endpoint(
        self,
        workspace_id: int,
        kind: str,
        name: str,
        slug: str,
        options: dict[str, Any],
        sealed_secret: str | None,
    ) -> EndpointRecord: ...

    def append_delivery(self, delivery: Delivery) -> Awaitable[AppendResult]: ...


class FeedIntake:
    """Stores alert feed items as deliveries of each workspace's `alerts` endpoint.

    `on_stored` is called after a new delivery is committed (the processor's `notify`, so the
    event shows at once; the processor looks every second regardless)."""

    def __init__(self, store: FeedItemStore, on_stored: Callable[[], None] | None = None) -> None:
        self._store = store
        self.on_stored = on_stored
        self._endpoints: dict[int, tuple[EndpointRecord, float]] = {}
        self._lock = asyncio.Lock()

    async def endpoint(self, workspace_id: int) -> EndpointRecord:
        """The workspace's `alerts` endpoint, created the first time it is needed."""
        cached = self._endpoints.get(workspace_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        async with self._lock:
            records = await self._store.list_endpoints(workspace_id)
            found = min(
                (r for r in records if r.kind == ALERTS_SOURCE), key=lambda r: r.id, default=None
            )
            if found is None:
                name = _free_name({r.name for r in records})
                made = await self._store.create_endpoint(
                    workspace_id, ALERTS_SOURCE, name, new_slug(), {}, None
                )
                # Another process may have made one at the same moment: every process keeps
                # to the oldest, so an item's key is deduplicated on one endpoint.
                again = await self._store.list_endpoints(workspace_id)
                found = min((r for r in again if r.kind == ALERTS_SOURCE), key=lambda r: r.id,
                            default=made)  # fmt: skip
            self._endpoints[workspace_id] = (found, time.monotonic() + _CACHE_SECONDS)
            return found

    async def append(self, workspace_id: int, payload: dict[str, Any], key: str) -> AppendResult:
        """Store one item durably (committed when this returns), once per `key`: a second
        append with the same key stores nothing and says `duplicate`."""
        endpoint = await self.endpoint(workspace_id)
        result = await self._store.append_delivery(
            Delivery(
                endpoint_id=endpoint.id,
                workspace_id=workspace_id,
                source=ALERTS_SOURCE,
                key=key,
                headers=_HEADERS,
                body=orjson.dumps(payload),
                received_at=utcnow(),
                secret_id=None,
                origin=Origin.API,
            )
        )
        if not result.duplicate and self.on_stored is not None:
            self.on_stored()
        return result


class RuleReads(Protocol):
    async def get_rule(self, workspace_id: int, rule_id: int) -> RuleRecord | None: ...


async def after_status_change(
    store: RuleReads,
    intake: FeedIntake,
    before: AlertRecord,
    changed: AlertRecord | None,
    status: StatusChange,
    by_name: str | None,
) -> None:
    """What an acknowledge or resolve route calls after `store.set_alert_status`: puts the
    change in the feed when it was one (`before` is the alert as read before the change,
    `changed` what `set_alert_status` returned), through `record_status_change`.

    Nothing is added when the alert was resolved already, or had the status already. The
    change itself is stored by then, so a failure to store its feed line is logged, not
    raised: the request still succeeds."""
    if changed is None or before.status in ("resolved", status):
        return
    try:
        rule = await store.get_rule(changed.workspace_id, changed.rule_id)
        await record_status_change(intake, changed, rule, status, by_name)
    except Exception:
        log.warning("alert %s: its %s line could not be put in the feed", changed.id, status,
                    exc_info=True)  # fmt: skip


def _free_name(taken: set[str]) -> str:
    """ENDPOINT_NAME, numbered when another endpoint has it (names are unique in a workspace,
    without regard to case and spacing)."""
    keys = {" ".join(name.lower().split()) for name in taken}
    name, n = ENDPOINT_NAME, 1
    while " ".join(name.lower().split()) in keys:
        n += 1
        name = f"{ENDPOINT_NAME} {n}"
    return name


async def record_status_change(
    intake: FeedIntake,
    alert: AlertRecord,
    rule: RuleRecord | None,
    status: StatusChange,
    by_name: str | None,
) -> AppendResult:
    """Put a change made by hand in the feed: `alert.acknowledged` or `alert.resolved`.
    (Routes call `after_status_change`, which calls this when the request changed the alert.)

    Call it after the store has made the change, with what `store.set_alert_status` returned
    and the alert's rule (`store.get_rule(workspace_id, alert.rule_id)`; None when it is gone):

        changed = await store.set_alert_status(ws, alert_id, "acknowledged", now, user.id)
        if changed is not None:
            rule = await store.get_rule(ws, changed.rule_id)
            await record_status_change(intake, changed, rule, "acknowledged", user.name)

    `by_name` is who did it, as the feed shows them ("Alert acknowledged by Ada: …"); None for
    an API token. Once per alert and status (the key `alert-<id>-<status>`): acknowledging
    twice adds nothing. Call it only when the request changed the alert (it was open before):
    `set_alert_status` returns an alert resolved already as it was, and one that evaluation
    resolved is in the feed already.

    Raises what `store.append_delivery` raises (StoreUnavailableError): the change itself is
    stored already, so a route may log and go on rather than fail the request.
    """
    payload = status_payload(alert, rule, status, by_name)
    return await intake.append(alert.workspace_id, payload, f"alert-{alert.id}-{status}")


def status_payload(
    alert: AlertRecord, rule: RuleRecord | None, status: StatusChange, by_name: str | None
) -> dict[str, Any]:
    """The item of a change by hand: the alert and rule as notifications show them, and who."""
    rule_shown: dict[str, Any] = {}
    rule_name = rule.name if rule is not None else f"rule {alert.rule_id}"
    if rule is not None:
        try:
            parsed, _ = rule_of(rule.document)
        except (RuleError, WindowError):
            rule_shown = {"id": rule.id, "name": rule.name}
        else:
            rule_shown = rule_json(rule.id, parsed)
            rule_name = parsed.name
    found: dict[str, Any] = {
        "type": f"alert.{status}",
        "alert": alert_json(
            alert_id=alert.id,
            rule_id=alert.rule_id,
            rule_name=rule_name,
            group=alert.group,
            status=alert.status,
            reason=alert.reason,
            opened_at=alert.opened_at,
            acknowledged_at=alert.acknowledged_at,
            resolved_at=alert.resolved_at,
            event_ids=alert.event_ids,
            event_count=alert.event_count,
            suspects=[dict(s) for s in alert.suspects],
        ),
        "rule": rule_shown,
    }
    if by_name:
        found["by"] = {"name": by_name}
    return found
