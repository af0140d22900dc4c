"""Alerts end to end on a real SQLite store: stored events → evaluation → outbox → real local
receivers (an HTTP server counting connections, an SMTP server), retries driven by the
sender's clock instead of waiting."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook

from echodash.alerts import runner as runner_module
from echodash.alerts.backoff import SCHEDULE
from echodash.alerts.rule_secrets import seal_secrets
from echodash.alerts.runner import AlertRunner
from echodash.bus.memory import MemoryBus
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.events import Category, Delivery, EventDraft, Outcome, Severity, utcnow
from echodash.pipeline.processor import Processor
from echodash.store.base import Store
from echodash.store.sqlite import SqliteStore
from tests.alerts.receivers import Receiver
from tests.digest.smtp_server import local_smtp
from tests.support import create_pg_database, drop_pg_database

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LOOPBACK = Settings(outbound_allow="127.0.0.0/8")
_keys = itertools.count()


def failing_deploy(service: str = "github:acme/web") -> EventDraft:
    return EventDraft(
        type="deployment_status",
        title="Deploy to production failed",
        category=Category.DEPLOYMENT,
        service=service,
        environment="production",
        outcome=Outcome.FAILURE,
        severity=Severity.ERROR,
    )


def every_rule(*actions: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Failed deploys",
        "match": {"category": "deployment", "outcome": "failure"},
        "condition": {"kind": "every"},
        "actions": list(actions),
    }


async def store_events(store: Store, endpoint: Any, drafts: list[EventDraft]) -> list[Any]:
    for _ in drafts:
        await store.append_delivery(
            Delivery(
                endpoint_id=endpoint.id,
                workspace_id=endpoint.workspace_id,
                source="github",
                key=f"k{next(_keys)}",
                headers={"x-github-event": "deployment_status"},
                body=b'{"deployment_status": {"state": "failure"}}',
                received_at=utcnow(),
                secret_id=None,
            )
        )
    pending = await store.pending_deliveries(len(drafts))
    return await store.save_events([(d, [x]) for d, x in zip(pending, drafts, strict=True)])


Open = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Open]:
    """A fresh store of each backend (PostgreSQL: a database of the test's own)."""
    if request.param == "sqlite":
        yield lambda: SqliteStore(tmp_path / "alerts.db")
        return
    from echodash.store.postgres import PostgresStore

    url = create_pg_database()
    yield lambda: PostgresStore(url)
    drop_pg_database(url)


def with_store(open_store: Open, test: Callable[[Store, Any], Awaitable[None]]) -> None:
    async def main() -> None:
        store = open_store()
        await store.open()
        try:
            ws = await store.ensure_default_workspace()
            endpoint = await store.create_endpoint(ws, "github", "acme/web", "slug", {}, "s-1")
            await test(store, endpoint)
        finally:
            await store.close()

    asyncio.run(main())


def test_a_failed_deploy_reaches_a_webhook_that_verifies_with_standard_webhooks(
    open_store: Open,
) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        async with Receiver() as receiver:
            ws = endpoint.workspace_id
            rule = await store.create_rule(
                ws, "Failed deploys", every_rule({"kind": "webhook", "url": receiver.url,
                                                  "secret": SECRET})
            )  # fmt: skip
            [deploy] = await store_events(store, endpoint, [failing_deploy()])
            runner = AlertRunner(store, LOOPBACK)
            try:
                assert await runner.evaluate_queued() == 1
                [alert] = await store.list_alerts(ws)
                assert alert.rule_id == rule.id and alert.event_ids == (deploy.id,)
                assert (
                    await runner.send_due() == 2
                )  # the action, and the alert's record in the feed
                assert await runner.send_due() == 0  # sent once, not again
            finally:
                await runner.stop()
            [(line, headers, body)] = receiver.requests
            assert line.startswith("POST /hook")
            sent = Webhook(SECRET).verify(body, headers)  # raises if the signature is wrong
            assert sent["type"] == "alert.firing"
            assert sent["alert"]["id"] == alert.id and sent["alert"]["events"] == [deploy.id]
            assert sent["rule"]["id"] == rule.id
            assert "alert_id" not in sent
            assert SECRET not in body.decode() and "secret" not in sent["rule"]["actions"][0]
            [attempt] = await store.notification_attempts(ws)
            assert attempt.attempt.ok and attempt.attempt.status_code == 200
            notified = await store.get_alert(ws, alert.id)
            assert notified is not None and notified.last_notified_at is not None

    with_store(open_store, test)


def test_a_receiver_that_fails_three_times_gets_exactly_one_more_delivery(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        answers: list[tuple[int, dict[str, str]]] = [(500, {}), (503, {}), (502, {}), (200, {})]
        async with Receiver(answers=answers) as receiver:
            ws = endpoint.workspace_id
            await store.create_rule(
                ws, "Failed deploys", every_rule({"kind": "webhook", "url": receiver.url,
                                                  "secret": SECRET})
            )  # fmt: skip
            await store_events(store, endpoint, [failing_deploy()])
            runner = AlertRunner(store, LOOPBACK)
            try:
                await runner.evaluate_queued()
                clock = utcnow()
                assert (
                    await runner.send_due(clock) == 2
                )  # the action, and the alert's record in the feed
                for failures in (1, 2, 3):
                    # not due again before its wait (the schedule's, less the jitter)...
                    early = clock + timedelta(seconds=SCHEDULE[failures - 1] * 0.85)
                    assert await runner.send_due(early) == 0
                    # ...and due after it (plus the jitter and the attempt's own time)
                    clock += timedelta(seconds=SCHEDULE[failures - 1] * 1.15 + 5)
                    assert await runner.send_due(clock) == 1
                assert await runner.send_due(clock + timedelta(days=2)) == 0
            finally:
                await runner.stop()
            assert len(receiver.requests) == 4
            ids = {headers["webhook-id"] for _, headers, _ in receiver.requests}
            assert len(ids) == 1  # the same message id on every attempt: receivers can dedupe
            attempts = await store.notification_attempts(ws)
            assert [a.attempt.ok for a in reversed(attempts)] == [False, False, False, True]
            assert [a.attempt.status_code for a in reversed(attempts)] == [500, 503, 502, 200]
            assert await store.pending_notifications(ws) == 0

    with_store(open_store, test)


def test_loopback_without_the_allow_list_gets_no_connection_and_the_attempt_says_why(
    open_store: Open,
) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        async with Receiver() as receiver:
            ws = endpoint.workspace_id
            await store.create_rule(
                ws, "Failed deploys", every_rule({"kind": "webhook", "url": receiver.url})
            )
            await store_events(store, endpoint, [failing_deploy()])
            runner = AlertRunner(store, Settings())  # no ECHODASH_OUTBOUND_ALLOW
            try:
                await runner.evaluate_queued()
                assert (
                    await runner.send_due() == 2
                )  # the action, and the alert's record in the feed
            finally:
                await runner.stop()
            assert receiver.connections == 0
            [attempt] = await store.notification_attempts(ws)
            assert not attempt.attempt.ok and attempt.attempt.status_code is None
            assert "blocked" in attempt.attempt.detail and "127.0.0.0/8" in attempt.attempt.detail
            assert await store.pending_notifications(ws) == 1  # tried again later

    with_store(open_store, test)


def test_an_apprise_destination_gets_the_alert_in_words(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        async with Receiver() as receiver:
            ws = endpoint.workspace_id
            url = f"json://127.0.0.1:{receiver.port}/hook"
            await store.create_rule(
                ws, "Failed deploys", every_rule({"kind": "apprise", "url": url})
            )
            await store_events(store, endpoint, [failing_deploy()])
            runner = AlertRunner(store, LOOPBACK)
            try:
                await runner.evaluate_queued()
                assert (
                    await runner.send_due() == 2
                )  # the action, and the alert's record in the feed
            finally:
                await runner.stop()
            [(_, _, body)] = receiver.requests
            said = orjson.loads(body)
            assert said["title"] == "Firing: Failed deploys"
            assert "Opened:" in said["message"]
            [attempt] = await store.notification_attempts(ws)
            assert attempt.attempt.ok and attempt.kind == "apprise"

    with_store(open_store, test)


def test_email_goes_through_the_digest_smtp_settings(open_store: Open) -> None:
    with local_smtp() as (inbox, port):
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")

        async def test(store: Store, endpoint: Any) -> None:
            ws = endpoint.workspace_id
            await store.create_rule(
                ws, "Failed deploys",
                every_rule({"kind": "email", "to": ["oncall@example.com", "lead@example.com"]}),
            )  # fmt: skip
            await store_events(store, endpoint, [failing_deploy()])
            runner = AlertRunner(store, settings)
            try:
                await runner.evaluate_queued()
                assert (
                    await runner.send_due() == 2
                )  # the action, and the alert's record in the feed
            finally:
                await runner.stop()
            [attempt] = await store.notification_attempts(ws)
            assert attempt.attempt.ok, attempt.attempt.detail

        with_store(open_store, test)
        messages = inbox.messages()
        assert sorted(m["To"] for m in messages) == ["lead@example.com", "oncall@example.com"]
        assert messages[0]["Subject"] == "[EchoDash] Firing: Failed deploys"
        body = messages[0].get_body(("plain",))
        assert body is not None and "Opened:" in body.get_content()


def test_email_without_smtp_is_given_up_with_the_reason(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(
            ws, "Failed deploys", every_rule({"kind": "email", "to": ["oncall@example.com"]})
        )
        await store_events(store, endpoint, [failing_deploy()])
        runner = AlertRunner(store, Settings())
        try:
            await runner.evaluate_queued()
            assert await runner.send_due() == 2  # the action, and the alert's record in the feed
        finally:
            await runner.stop()
        [attempt] = await store.notification_attempts(ws)
        assert not attempt.attempt.ok and "ECHODASH_SMTP_HOST" in attempt.attempt.detail
        assert await store.pending_notifications(ws) == 0

    with_store(open_store, test)


def test_suspects_come_from_the_stored_feed_and_the_linked_services(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        ws = endpoint.workspace_id
        now = utcnow()
        before = now - timedelta(minutes=20)
        changes = [
            EventDraft(type="push", title="push", category=Category.CHANGE,
                       service="github:acme/web", occurred_at=now - timedelta(minutes=5)),
            EventDraft(type="deployment_status", title="deployed", category=Category.DEPLOYMENT,
                       service="vercel:web", environment="production", occurred_at=before),
            EventDraft(type="zone", title="setting", category=Category.CONFIG,
                       service="cloudflare:other.com", occurred_at=now - timedelta(minutes=1)),
        ]  # fmt: skip
        stored = await store_events(store, endpoint, changes)
        await store.put_services(ws, [{"name": "web", "members": ["github:acme/web",
                                                                  "vercel:web"]}])  # fmt: skip
        await store.create_rule(ws, "Failed deploys", every_rule({"kind": "browser"}))
        await store_events(store, endpoint, [failing_deploy()])
        runner = AlertRunner(store, LOOPBACK)
        try:
            await runner.evaluate_queued()
            [alert] = await store.list_alerts(ws)
            ids = [s["event_id"] for s in alert.suspects]
            # the linked production deploy first, then the same service's push, the unrelated
            # config change last
            assert ids == [stored[1].id, stored[0].id, stored[2].id]
            assert "linked service" in alert.suspects[0]["reason"]
            # the resolve, a pass later, names them too: their events read back by id
            later = utcnow() + timedelta(minutes=20)
            await store.evaluate(0, runner.evaluator, now=later)
            items = await store.claim_notifications(later, 10, 60)
        finally:
            await runner.stop()
        # each change once for the action, once for the feed, with the same payload
        assert [i.kind for i in items] == ["browser", "feed", "browser", "feed"]
        firing, _, resolved, _ = [i.payload for i in items]
        assert (firing["type"], resolved["type"]) == ("alert.firing", "alert.resolved")
        assert [i.payload for i in items[1::2]] == [firing, resolved]
        for sent in (firing, resolved):
            assert [s["id"] for s in sent["alert"]["suspects"]] == ids
            assert sent["alert"]["suspects"][0]["title"] == "deployed"

    with_store(open_store, test)


def test_an_absence_opens_on_the_time_based_pass_which_one_process_runs(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(
            ws,
            "Heartbeat",
            {
                "name": "Heartbeat",
                "match": {"type": "heartbeat"},
                "condition": {"kind": "absence", "window_seconds": 600},
                "actions": [{"kind": "browser"}],
            },
        )
        start = utcnow()
        first, second = AlertRunner(store, LOOPBACK), AlertRunner(store, LOOPBACK)
        try:
            assert await first.tick()  # starts watching
            assert not await second.tick()  # held: not due again for 30 s
            # the next passes, as the job would run them, 11 minutes on
            later = start + timedelta(minutes=11)
            await store.evaluate(0, first.evaluator, now=later)
            [alert] = await store.list_alerts(ws)
            assert alert.reason == "nothing for 10 min" and alert.event_ids == ()
            assert (
                await first.send_due(later) == 2
            )  # the action, and the alert's record in the feed
        finally:
            await first.stop()
            await second.stop()
        [attempt] = await store.notification_attempts(ws)
        assert attempt.attempt.ok and attempt.kind == "browser"

    with_store(open_store, test)


def test_the_processor_wakes_evaluation_after_storing_events(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        processor = Processor(store, MemoryBus())
        runner = AlertRunner(store, LOOPBACK)
        processor.on_events = runner.notify
        try:
            await store.create_rule(endpoint.workspace_id, "Failed deploys", every_rule())
            await store.append_delivery(
                Delivery(endpoint.id, endpoint.workspace_id, "github", "k-wake",
                         {"x-github-event": "ping"}, b"{}", utcnow(), None)
            )  # fmt: skip
            tasks = runner.start()
            await processor.process_pending()
            # the evaluation loop takes the queued event without waiting for its timer
            for _ in range(100):
                if await store.queued_events() == 0:
                    break
                await asyncio.sleep(0.02)
            assert await store.queued_events() == 0
            assert tasks and all(not t.done() for t in tasks)
        finally:
            await runner.stop()
            processor.templates.close()

    with_store(open_store, test)


def test_a_failing_loop_logs_once_and_keeps_trying(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runner_module, "RETRY_AFTER", 0.01)
    calls: list[int] = []

    async def step() -> int:
        calls.append(1)
        if len(calls) <= 3:
            raise RuntimeError("a bug")
        return 0

    async def main() -> None:
        task = asyncio.create_task(runner_module._forever("test loop", step, lambda: 0.01))
        for _ in range(200):
            if len(calls) >= 6:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.INFO, logger="echodash.alerts"):
        asyncio.run(main())
    assert len(calls) >= 6  # carried on after the failures
    failed = [r for r in caplog.records if "test loop failed" in r.getMessage()]
    assert len(failed) == 1
    assert any("test loop resumed" in r.getMessage() for r in caplog.records)


def test_send_test_reaches_the_destination_now_signed_and_marked_as_a_test(
    open_store: Open,
) -> None:
    """The rule page's "Send test": sealed secret opened, signed like a real notification,
    guarded like one, nothing queued; the person sees the answer."""

    async def test(store: Store, endpoint: Any) -> None:
        box = SecretBox(Fernet.generate_key())
        async with Receiver(answers=[(200, {}), (503, {})]) as receiver:
            document = every_rule({"kind": "webhook", "url": receiver.url, "secret": SECRET})
            rule = await store.create_rule(
                endpoint.workspace_id, "Failed deploys", seal_secrets(document, box)
            )
            runner = AlertRunner(store, LOOPBACK, box=box)
            try:
                sent = await runner.sender.send_test(rule, 0)
                assert (sent.ok, sent.status_code) == (True, 200)
                [(_, headers, body)] = receiver.requests
                received = Webhook(SECRET).verify(body, headers)
                assert received["type"] == "alert.test"
                assert received["rule"]["name"] == "Failed deploys"
                failed = await runner.sender.send_test(rule, 0)  # the receiver now answers 503
                assert (failed.ok, failed.status_code) == (False, 503)
                assert await store.pending_notifications() == 0  # nothing queued, no retry
                assert await store.list_alerts(endpoint.workspace_id) == []
                # A sealed secret this process cannot open is never sent unsigned.
                stranger = AlertRunner(store, LOOPBACK, box=SecretBox(Fernet.generate_key()))
                try:
                    refused = await stranger.sender.send_test(rule, 0)
                finally:
                    await stranger.stop()
                assert not refused.ok and "cannot be opened" in refused.detail
                assert len(receiver.requests) == 2
            finally:
                await runner.stop()

    with_store(open_store, test)


def test_send_test_to_a_blocked_destination_connects_nowhere(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any) -> None:
        async with Receiver() as receiver:
            rule = await store.create_rule(
                endpoint.workspace_id,
                "Failed deploys",
                every_rule({"kind": "webhook", "url": receiver.url}),
            )
            runner = AlertRunner(store, Settings())  # no allow-list: loopback is refused
            try:
                attempt = await runner.sender.send_test(rule, 0)
            finally:
                await runner.stop()
            assert not attempt.ok and receiver.connections == 0
            assert "127.0.0.1" in attempt.detail or "loopback" in attempt.detail

    with_store(open_store, test)
