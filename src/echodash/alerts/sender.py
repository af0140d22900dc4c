"""The outbox sender: claims due notifications, sends each once, records how it went.

A claim is a lease: other processes skip the claimed notifications until it runs out. Each
send is bounded well inside the lease (SEND_LIMIT < LEASE_SECONDS), so a notification is
finished — sent, scheduled again or given up — before anyone else may claim it: one claim,
one send. Delivery is at-least-once, not exactly-once: if the process dies after a receiver
got a notification and before `finish_notification` is written, the lease runs out and the
notification is sent again. Webhooks keep the same `webhook-id` on every attempt, so a
receiver can tell a repeat from a new notification.

The rule is read again at send time for the destination and its secret (payloads never hold
secrets); a notification whose rule or action is gone is given up.

A `feed` item is the alert's record in the feed, not a destination: it is "sent" by storing
it as a delivery of the workspace's `alerts` endpoint (feed_items.py) with the key
`outbox-<item id>`, so a second send — the process died before `finish_notification` — finds
it stored already and adds nothing: exactly once. It needs no rule, no network and no
allow-list; while the store cannot take it, it is tried again on the usual schedule.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any, Protocol

import orjson

from echodash.alerts import apprise_action, webhook
from echodash.alerts.backoff import next_attempt
from echodash.alerts.evaluation import rule_of
from echodash.alerts.feed_items import FeedIntake
from echodash.alerts.notices import as_sent, test_payload, text_of, title_of
from echodash.alerts.outbound import MAX_ANSWER, guarded_client
from echodash.alerts.rule_secrets import open_secret
from echodash.alerts.rules import Action, RuleError
from echodash.alerts.ssrf import Network
from echodash.alerts.windows import WindowError
from echodash.crypto import SecretBox, SecretKeyError
from echodash.digest.mailer import Mailer, MailError
from echodash.events import utcnow
from echodash.store.base.alerts import FEED_KIND, Attempt, OutboxItem, RuleRecord

log = logging.getLogger("echodash.alerts.sender")

CLAIM = 20  # notifications claimed at once (sent side by side)
LEASE_SECONDS = 300.0
SEND_LIMIT = 120.0  # one send's time limit; well inside the lease
# What a browser notification records: the alert is on the alerts page and in the sidebar's
# count; there is no push channel to signed-in browsers yet (the bus carries events only).
BROWSER_DETAIL = "shown on the Alerts page and to browsers that allowed notifications"


class Outbox(Protocol):
    async def claim_notifications(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxItem]: ...

    async def finish_notification(
        self, item_id: int, attempt: Attempt, retry_at: datetime | None
    ) -> None: ...

    async def get_rule(self, workspace_id: int, rule_id: int) -> RuleRecord | None: ...

    async def pending_notifications(self, workspace_id: int | None = None) -> int: ...


class GiveUp(Exception):
    """A notification that no retry can send (its rule or action is gone, e-mail is off)."""


class Sender:
    def __init__(
        self,
        store: Outbox,
        mailer: Mailer | None,
        allow: Sequence[Network] = (),
        clock: Callable[[], datetime] = utcnow,
        box: SecretBox | None = None,
        feed: FeedIntake | None = None,
    ) -> None:
        self._store = store
        self._box = box  # opens webhook secrets sealed at rest
        self._feed = feed
        self._mailer = mailer
        self._allow = tuple(allow)
        self._clock = clock
        self._client = guarded_client(self._allow)

    async def close(self) -> None:
        await self._client.aclose()

    async def send_due(self, now: datetime | None = None, limit: int = CLAIM) -> int:
        """Claim the due notifications and send them; how many were claimed. `now` is when
        they are due by (a test's clock: retries are due later, not after a real wait)."""
        moment = now or self._clock()
        # A read first: claiming is a write, and on SQLite the writer is the one that stores
        # deliveries; an idle outbox costs no write a second.
        if not await self._store.pending_notifications():
            return 0
        items = await self._store.claim_notifications(moment, limit, LEASE_SECONDS)
        if items:
            await asyncio.gather(*(self._one(item, moment) for item in items))
        return len(items)

    async def _one(self, item: OutboxItem, now: datetime) -> None:
        started = time.monotonic()
        give_up = False
        try:
            async with asyncio.timeout(SEND_LIMIT):
                ok, status, detail = await self._send(item)
        except GiveUp as reason:
            ok, status, detail, give_up = False, None, str(reason), True
        except TimeoutError:
            ok, status, detail = False, None, f"no answer within {SEND_LIMIT:g} s"
        except Exception as error:  # one notifier's bug must not stop the others
            log.exception("notification %s could not be sent", item.id)
            ok, status, detail = False, None, f"{type(error).__name__}: {error}"
        seconds = time.monotonic() - started
        at = self._at(now, seconds)
        attempt = Attempt(at, ok, status, detail[:MAX_ANSWER], round(seconds, 3))
        retry_at = None if ok or give_up else next_attempt(item.attempts + 1, at)
        if not ok:
            # What the destination said stays with the attempt (the rule's page shows it), not
            # in the log: an Apprise error can quote the URL, and its tokens with it.
            log.info(
                "notification %s (%s, rule %s) failed with status %s; %s",
                item.id,
                item.kind,
                item.rule_id,
                status,
                f"next try at {retry_at.isoformat()}" if retry_at else "given up",
            )
        await self._store.finish_notification(item.id, attempt, retry_at)

    def _at(self, now: datetime, seconds: float) -> datetime:
        """When the attempt ended, on the clock the notifications were claimed by."""
        return now + timedelta(seconds=seconds)

    async def send_test(self, record: RuleRecord, index: int) -> Attempt:
        """Send a test notification to one of a rule's actions now, as a real one would go
        (the same signing, SSRF guard and time limit), and say how it went. Nothing is queued
        and nothing is retried: the person is watching."""
        started = time.monotonic()
        try:
            rule, _ = rule_of(record.document)
        except (RuleError, WindowError) as error:
            raise GiveUp(f"the rule cannot be read: {error}") from None
        if not 0 <= index < len(rule.actions):
            raise GiveUp("the rule has no such action")
        body = test_payload(record, rule)
        try:
            async with asyncio.timeout(SEND_LIMIT):
                ok, status, detail = await self._deliver(
                    rule.actions[index], body, f"alert-test-{record.id}-{uuid.uuid4().hex}"
                )
        except GiveUp as reason:
            ok, status, detail = False, None, str(reason)
        except TimeoutError:
            ok, status, detail = False, None, f"no answer within {SEND_LIMIT:g} s"
        seconds = time.monotonic() - started
        return Attempt(self._clock(), ok, status, detail[:MAX_ANSWER], round(seconds, 3))

    async def _send(self, item: OutboxItem) -> tuple[bool, int | None, str]:
        body = as_sent(item.payload, item.alert_id)
        if item.kind == FEED_KIND:
            return await self._to_feed(item, body)
        action = await self._action(item)
        return await self._deliver(action, body, f"alert-notification-{item.id}")

    async def _deliver(
        self, action: Action, body: dict[str, Any], message_id: str
    ) -> tuple[bool, int | None, str]:
        if action.kind == "webhook":
            assert action.url is not None
            raw = orjson.dumps(body)
            try:
                secret = open_secret(action.secret, self._box)
            except (SecretKeyError, ValueError) as error:
                raise GiveUp(f"the webhook secret cannot be opened: {error}") from None
            got = await webhook.post(self._client, action.url, message_id, raw, secret)
            return got.ok, got.status, got.answer
        if action.kind == "apprise":
            assert action.url is not None
            got = await apprise_action.notify(
                action.url, title_of(body), text_of(body), self._allow
            )
            return got.ok, got.status, got.answer
        if action.kind == "email":
            return await self._email(action, body)
        return True, None, BROWSER_DETAIL

    async def _to_feed(
        self, item: OutboxItem, body: dict[str, Any]
    ) -> tuple[bool, int | None, str]:
        if self._feed is None:
            raise GiveUp("this sender keeps no feed")
        stored = await self._feed.append(item.workspace_id, body, f"outbox-{item.id}")
        return True, None, "in the feed already" if stored.duplicate else "in the feed"

    async def _action(self, item: OutboxItem) -> Action:
        record = await self._store.get_rule(item.workspace_id, item.rule_id)
        if record is None:
            raise GiveUp("the rule is gone")
        try:
            rule, _ = rule_of(record.document)
        except (RuleError, WindowError) as error:
            raise GiveUp(f"the rule cannot be read: {error}") from None
        if item.action_index >= len(rule.actions):
            raise GiveUp("the rule no longer has this action")
        action = rule.actions[item.action_index]
        if action.kind != item.kind:
            raise GiveUp(f"the rule's action {item.action_index} is now {action.kind}")
        return action

    async def _email(self, action: Action, body: dict[str, Any]) -> tuple[bool, int | None, str]:
        """Through the SMTP settings the digests use (one message per address)."""
        if self._mailer is None or not self._mailer.enabled:
            raise GiveUp("e-mail is not configured (ECHODASH_SMTP_HOST is empty)")
        subject = f"[EchoDash] {title_of(body)}"
        text = text_of(body)
        html = f"<pre>{escape(text)}</pre>"
        failed = []
        for address in action.to:
            try:
                await self._mailer.send(address, subject, text, html)
            except MailError as error:
                failed.append(str(error))
        if failed:
            # Addresses that got it get it again on the retry: at-least-once, as documented.
            sent = len(action.to) - len(failed)
            return False, None, f"{sent} of {len(action.to)} sent; {'; '.join(failed)}"
        return True, None, f"sent to {len(action.to)} address{'es' if len(action.to) != 1 else ''}"
