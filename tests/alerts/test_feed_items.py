"""Alerts in the feed, end to end on real stores (SQLite and PostgreSQL): stored events →
evaluation → the outbox's feed item → a delivery of the `alerts` endpoint → the processor's
event, searchable and filterable like any other; exactly once, muted or not."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from echodash.alerts.feed_items import FeedIntake, after_status_change, record_status_change
from echodash.alerts.notices import as_sent
from echodash.alerts.runner import AlertRunner
from echodash.bus.memory import MemoryBus
from echodash.config import Settings
from echodash.events import Category, Delivery, Event, Outcome, Severity, utcnow
from echodash.pipeline.processor import Processor
from echodash.store.base import AppendResult, Store
from echodash.store.base.feed import EventFilter
from echodash.store.base.lifecycle import StoreUnavailableError
from echodash.store.sqlite import SqliteStore
from tests.alerts.test_runner import failing_deploy, store_events
from tests.support import create_pg_database, drop_pg_database

LOOPBACK = Settings(outbound_allow="127.0.0.0/8")
BURST = {
    "name": "Failed deploys",
    "match": {"category": "deployment", "outcome": "failure"},
    "condition": {"kind": "count", "threshold": 5, "window_seconds": 600},
    "group_by": "service",
    "actions": [{"kind": "browser"}],
}
FIRING_TITLE = "Alert firing: Failed deploys — 5 or more within 10 min (github:acme/web)"

Open = Callable[[], Store]
Test = Callable[[Store, Any, AlertRunner, Processor], Awaitable[None]]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Open]:
    """A fresh store of each backend (PostgreSQL: a database of the test's own)."""
    if request.param == "sqlite":
        yield lambda: SqliteStore(tmp_path / "feed.db")
        return
    from echodash.store.postgres import PostgresStore

    url = create_pg_database()
    yield lambda: PostgresStore(url)
    drop_pg_database(url)


def with_runner(
    open_store: Open, test: Test, feed: Callable[[Store], FeedIntake] | None = None
) -> None:
    async def main() -> None:
        store = open_store()
        await store.open()
        processor = Processor(store, MemoryBus())
        runner = AlertRunner(store, LOOPBACK, feed=None if feed is None else feed(store))
        try:
            ws = await store.ensure_default_workspace()
            endpoint = await store.create_endpoint(ws, "github", "acme/web", "slug", {}, "s-1")
            await test(store, endpoint, runner, processor)
        finally:
            await runner.stop()
            processor.templates.close()
            await store.close()

    asyncio.run(main())


async def alert_events(store: Store, ws: int, **filters: Any) -> list[Event]:
    return await store.list_events(ws, EventFilter(source="alerts", **filters), 100)


async def burst(store: Store, endpoint: Any, count: int = 5) -> list[Event]:
    return await store_events(store, endpoint, [failing_deploy() for _ in range(count)])


def test_a_burst_becomes_one_firing_event_and_its_resolve_one_resolved_event(
    open_store: Open,
) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(ws, "Failed deploys", BURST)
        deploys = await burst(store, endpoint)
        assert await runner.evaluate_queued() == 5
        [alert] = await store.list_alerts(ws)
        assert await runner.send_due() == 2  # the browser notification, and the feed item
        assert await runner.send_due() == 0
        await processor.process_pending()

        [firing] = await alert_events(store, ws)
        assert firing.type == "alert.firing" and firing.title == FIRING_TITLE
        assert firing.endpoint_id == (await runner.feed.endpoint(ws)).id
        assert firing.severity is Severity.ERROR and firing.category is Category.INCIDENT
        assert (firing.service, firing.outcome) == ("github:acme/web", Outcome.FAILURE)
        assert firing.url == f"/alerts/{alert.id}"
        assert firing.fields["alert"] == alert.id and firing.fields["events"] == 5
        # when it opened (the fifth deploy), to the millisecond the alert's JSON keeps
        opened = max(d.occurred_at for d in deploys)
        assert abs(firing.occurred_at - opened) < timedelta(milliseconds=1)
        found = await store.list_events(ws, EventFilter(q="Failed deploys"), 50)
        assert firing.id in [e.id for e in found]
        # the feed item is no destination: no attempt, no timeline line, no notified time
        assert [a.kind for a in await store.notification_attempts(ws)] == ["browser"]
        timeline = await store.alert_timeline(ws, alert.id)
        assert [t.kind for t in timeline].count("notified") == 1
        # its event is news to no rule here (the rule does not name the source `alerts`)
        assert await runner.evaluate_queued() == 1
        assert len(await store.list_alerts(ws)) == 1

        later = utcnow() + timedelta(minutes=30)
        await store.evaluate(0, runner.evaluator, now=later)
        assert await runner.send_due(later) == 2
        await processor.process_pending()
        resolved, again = await alert_events(store, ws)  # newest first
        assert (resolved.type, again.id) == ("alert.resolved", firing.id)
        assert resolved.title == "Alert resolved: Failed deploys (github:acme/web)"
        assert resolved.outcome is Outcome.SUCCESS and resolved.severity is Severity.SUCCESS
        assert [e.type for e in await alert_events(store, ws, type="alert.firing")] == [
            "alert.firing"
        ]
        assert await store.pending_notifications(ws) == 0

    with_runner(open_store, test)


def test_a_second_send_of_the_same_outbox_item_adds_nothing(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(ws, "Failed deploys", BURST)
        await burst(store, endpoint)
        await runner.evaluate_queued()
        now = utcnow()
        items = await store.claim_notifications(now, 10, 60)
        [item] = [i for i in items if i.kind == "feed"]
        # sent, and the process died before the outcome was written...
        first = await runner.feed.append(ws, as_sent(item.payload, item.alert_id),
                                         f"outbox-{item.id}")  # fmt: skip
        assert not first.duplicate
        # ...so the lease runs out and it is sent again
        assert await runner.send_due(now + timedelta(seconds=61)) == 2
        await processor.process_pending()
        assert [e.title for e in await alert_events(store, ws)] == [FIRING_TITLE]
        assert await store.pending_notifications(ws) == 0

    with_runner(open_store, test)


def test_a_muted_rule_notifies_nobody_and_still_puts_its_alert_in_the_feed(
    open_store: Open,
) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        until = (utcnow() + timedelta(hours=2)).isoformat()
        await store.create_rule(ws, "Failed deploys", {**BURST, "muted_until": until})
        await burst(store, endpoint)
        await runner.evaluate_queued()
        assert await runner.send_due() == 1  # the feed item alone
        await processor.process_pending()
        [firing] = await alert_events(store, ws)
        assert firing.title.startswith("Alert firing: Failed deploys — 5 or more within 10 min "
                                       "(muted until")  # fmt: skip
        assert firing.title.endswith("nobody notified) (github:acme/web)")
        assert await store.notification_attempts(ws) == []

    with_runner(open_store, test)


def test_acknowledged_and_resolved_by_hand_are_in_the_feed_once_each(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        rule = await store.create_rule(ws, "Failed deploys", BURST)
        await burst(store, endpoint)
        await runner.evaluate_queued()
        [alert] = await store.list_alerts(ws)
        now = utcnow()
        acked = await store.set_alert_status(ws, alert.id, "acknowledged", now, None)
        assert acked is not None
        for _ in range(2):  # twice: once in the feed
            await record_status_change(runner.feed, acked, rule, "acknowledged", "Ada")
        resolved = await store.set_alert_status(ws, alert.id, "resolved", now, None)
        assert resolved is not None
        await record_status_change(runner.feed, resolved, rule, "resolved", None)
        await processor.process_pending()
        titles = [e.title for e in await alert_events(store, ws)]
        assert titles == [
            "Alert resolved: Failed deploys (github:acme/web)",
            "Alert acknowledged by Ada: Failed deploys (github:acme/web)",
        ]
        [ack] = await alert_events(store, ws, type="alert.acknowledged")
        assert ack.actor == "Ada" and abs(ack.occurred_at - now) < timedelta(milliseconds=1)

    with_runner(open_store, test)


def test_alert_events_set_off_only_rules_that_name_their_source(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        everything = await store.create_rule(
            ws, "Every event",
            {"name": "Every event", "condition": {"kind": "every"},
             "actions": [{"kind": "browser"}]},
        )  # fmt: skip
        any_alert = await store.create_rule(
            ws, "Any alert",
            {"name": "Any alert", "match": {"source": "alerts"}, "condition": {"kind": "every"},
             "actions": [{"kind": "browser"}]},
        )  # fmt: skip
        [deploy] = await store_events(store, endpoint, [failing_deploy()])
        for _ in range(3):  # evaluate, put in the feed, read: three rounds, nothing more
            await runner.evaluate_queued()
            await runner.send_due()
            await processor.process_pending()
        [first] = await store.list_alerts(ws, rule_id=everything.id)
        assert first.event_ids == (deploy.id,)  # its own record in the feed is not news
        [told] = await store.list_alerts(ws, rule_id=any_alert.id)
        [record] = await alert_events(store, ws, q="Every event")
        assert told.event_ids == (record.id,)
        # the alert about an alert is in the feed, and news to no rule: two alerts in all
        assert len(await alert_events(store, ws, type="alert.firing")) == 2
        assert len(await store.list_alerts(ws)) == 2

    with_runner(open_store, test)


def test_routes_put_a_change_in_the_feed_only_when_it_was_one(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(ws, "Failed deploys", BURST)
        await burst(store, endpoint)
        await runner.evaluate_queued()
        [alert] = await store.list_alerts(ws)

        async def by_hand(status: Any, name: str) -> None:
            before = await store.get_alert(ws, alert.id)
            assert before is not None
            changed = await store.set_alert_status(ws, alert.id, status, utcnow(), None)
            await after_status_change(store, runner.feed, before, changed, status, name)

        await by_hand("acknowledged", "Ada")
        await by_hand("acknowledged", "Grace")  # acknowledged already: no line
        await by_hand("resolved", "Grace")
        await by_hand("resolved", "Ada")  # resolved already: no line
        await by_hand("acknowledged", "Ada")  # stays resolved: no line
        await processor.process_pending()
        assert [e.title for e in await alert_events(store, ws)] == [
            "Alert resolved by Grace: Failed deploys (github:acme/web)",
            "Alert acknowledged by Ada: Failed deploys (github:acme/web)",
        ]
        # a change whose line cannot be stored is still a change: logged, not raised
        await burst(store, endpoint)
        await runner.evaluate_queued()
        newest = (await store.list_alerts(ws))[0]
        assert newest.id != alert.id and newest.status == "firing"
        broken = _Down(store)
        changed = await store.set_alert_status(ws, newest.id, "resolved", utcnow(), None)
        await after_status_change(store, FeedIntake(broken), newest, changed, "resolved", "Ada")

    with_runner(open_store, test)


class _Down:
    """A store whose deliveries cannot be written while `down`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.down = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def append_delivery(self, delivery: Delivery) -> AppendResult:
        if self.down:
            raise StoreUnavailableError("the database is down")
        return await self.store.append_delivery(delivery)


def test_a_feed_item_the_store_cannot_take_is_tried_again_later(open_store: Open) -> None:
    held: list[_Down] = []

    def feed(store: Store) -> FeedIntake:
        held.append(_Down(store))
        return FeedIntake(held[0])

    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        await store.create_rule(ws, "Failed deploys", BURST)
        await burst(store, endpoint)
        await runner.evaluate_queued()
        now = utcnow()
        assert await runner.send_due(now) == 2
        assert await store.pending_notifications(ws) == 1  # the feed item, due again
        assert await runner.send_due(now + timedelta(seconds=1)) == 0  # after its wait
        held[0].down = False
        assert await runner.send_due(now + timedelta(seconds=10)) == 1
        await processor.process_pending()
        assert [e.title for e in await alert_events(store, ws)] == [FIRING_TITLE]
        assert [a.kind for a in await store.notification_attempts(ws)] == ["browser"]

    with_runner(open_store, test, feed)


def test_the_alerts_endpoint_is_made_once_per_workspace(open_store: Open) -> None:
    async def test(store: Store, endpoint: Any, runner: AlertRunner, processor: Processor) -> None:
        ws = endpoint.workspace_id
        first = await runner.feed.endpoint(ws)
        again = await FeedIntake(store).endpoint(ws)  # another process: found, not made
        assert first.id == again.id
        assert (first.kind, first.name) == ("alerts", "EchoDash alerts")
        kinds = [e.kind for e in await store.list_endpoints(ws)]
        assert kinds.count("alerts") == 1
        # a workspace where an endpoint of another kind has the name already: the next free one
        other = await store.create_workspace("other")
        await store.create_endpoint(other, "generic", "echodash  ALERTS", "slug-2", {}, None)
        made = await runner.feed.endpoint(other)
        assert (made.kind, made.name) == ("alerts", "EchoDash alerts 2")

    with_runner(open_store, test)
