"""The alerts part of the Store contract: rules, the evaluation queue, alerts and their
timeline, linked services and the notification outbox."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from echodash.events import EventDraft, utcnow
from echodash.store.base import (
    MAX_ALERT_EVENTS,
    AlertChange,
    Attempt,
    EvaluationBatch,
    EvaluationWork,
    NewNotification,
    OpenAlert,
    RuleNameTakenError,
    Store,
)
from tests.store.contract import delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores

RULE = {"match": {"source": "github"}, "when": {"count": 2, "within": "10m"}, "actions": []}
_keys = itertools.count()


async def events_in(store: Store, endpoint: Any, *titles: str) -> list[Any]:
    """One delivery per title (its body names it), each turned into one event."""
    for title in titles:
        body = f'{{"title": "{title}"}}'.encode()
        await store.append_delivery(delivery_of(endpoint, f"k{next(_keys)}-{title}", body))
    pending = await store.pending_deliveries(len(titles))
    return await store.save_events(
        [(d, [EventDraft(type="push", title=t)]) for d, t in zip(pending, titles, strict=True)]
    )


class Recorder:
    """An evaluation callback that keeps what it saw and answers with prepared work."""

    def __init__(self, work: Callable[[EvaluationBatch], EvaluationWork] | None = None) -> None:
        self.batches: list[EvaluationBatch] = []
        self.work = work or (lambda _batch: EvaluationWork())

    async def __call__(self, batch: EvaluationBatch) -> EvaluationWork:
        self.batches.append(batch)
        return self.work(batch)


def notification(due_at: datetime | None = None, **payload: Any) -> NewNotification:
    return NewNotification(0, "webhook", payload, due_at or utcnow())


async def opened_alert(store: Store, ws: int, rule_id: int, event_ids: tuple[int, ...]) -> Any:
    """Open one alert through an evaluation; returns it."""
    opened = OpenAlert(ws, rule_id, "", utcnow(), "2 or more within 10 min", event_ids, [])
    await store.evaluate(0, Recorder(lambda _b: EvaluationWork(opened=[opened])), now=utcnow())
    (alert,) = await store.list_alerts(ws, rule_id=rule_id, limit=1)
    return alert


def test_rules_are_kept_per_workspace_with_unique_names(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        first = await store.create_rule(ws, "Failed deploys", RULE)
        second = await store.create_rule(ws, "Quiet", {"x": 1}, enabled=False)
        assert (first.name, first.document, first.enabled) == ("Failed deploys", RULE, True)
        assert not second.enabled
        with pytest.raises(RuleNameTakenError):
            await store.create_rule(ws, "Failed deploys", {})
        # Another workspace may use the same name, and sees none of these rules.
        theirs = await store.create_rule(other, "Failed deploys", {"y": 2})
        assert [r.id for r in await store.list_rules(ws)] == [first.id, second.id]
        assert [r.id for r in await store.list_rules(other)] == [theirs.id]
        assert await store.get_rule(ws, first.id) == first
        assert await store.get_rule(other, first.id) is None
        assert await store.update_rule(other, first.id, "Mine now", {}, True) is None
        assert not await store.delete_rule(other, first.id)

        updated = await store.update_rule(ws, first.id, "Deploys", {"z": 3}, False)
        assert updated is not None
        assert (updated.name, updated.document, updated.enabled) == ("Deploys", {"z": 3}, False)
        assert updated.created_at == first.created_at and updated.updated_at > first.updated_at
        with pytest.raises(RuleNameTakenError):
            await store.update_rule(ws, first.id, "Quiet", {}, True)
        assert await store.get_rule(ws, first.id) == updated
        assert await store.delete_rule(ws, first.id)
        assert not await store.delete_rule(ws, first.id)
        assert [r.name for r in await store.list_rules(ws)] == ["Quiet"]
        assert [r.name for r in await store.list_rules(other)] == ["Failed deploys"]
        # The name is free again.
        await store.create_rule(ws, "Deploys", RULE)

    run(check)


def test_events_are_queued_only_while_their_workspace_has_an_enabled_rule(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        other = await endpoint_in(store, await store.create_workspace("Other"))
        await events_in(store, endpoint, "before any rule")
        assert await store.queued_events() == 0
        rule = await store.create_rule(ws, "r", RULE, enabled=False)
        await events_in(store, endpoint, "disabled rule")
        assert await store.queued_events() == 0
        await store.update_rule(ws, rule.id, "r", RULE, True)
        (queued,) = await events_in(store, endpoint, "queued")
        await events_in(store, other, "other workspace, no rule")
        assert await store.queued_events() == 1
        # A replay is queued too (the evaluator tells it by its origin).
        delivery = await store.get_delivery(ws, queued.delivery_id)
        assert delivery is not None
        await store.save_replayed_events(delivery, [EventDraft(type="push", title="again")])
        assert await store.queued_events() == 2
        # So is a restored one.
        assert await store.restore_events(ws, [queued]) == 1
        assert await store.queued_events() == 3
        await store.update_rule(ws, rule.id, "r", RULE, False)
        await events_in(store, endpoint, "disabled again")
        assert await store.queued_events() == 3

        seen = Recorder()
        assert await store.evaluate(10, seen, now=utcnow()) == 3
        (batch,) = seen.batches
        assert [q.event.title for q in batch.events] == ["queued", "again", "queued"]
        assert [q.event.origin.value for q in batch.events] == ["webhook", "replay", "webhook"]
        assert batch.events[0].body == b'{"title": "queued"}'
        assert batch.events[0].event == await store.get_event(ws, queued.id)
        assert batch.rules == {}  # the rule was disabled meanwhile: the events just go
        assert await store.queued_events() == 0

    run(check)


def test_an_evaluation_sees_events_rules_state_and_open_alerts_and_stores_its_work(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        rule = await store.create_rule(ws, "r", RULE)
        await store.create_rule(ws, "off", RULE, enabled=False)
        first, second = await events_in(store, endpoint, "one", "two")
        now = utcnow()

        def open_one(batch: EvaluationBatch) -> EvaluationWork:
            ids = tuple(q.event.id for q in batch.events)
            return EvaluationWork(
                states={(rule.id, "web"): {"times": [1, 2]}},
                opened=[
                    OpenAlert(
                        ws,
                        rule.id,
                        "web",
                        now,
                        "2 or more within 10 min",
                        ids,
                        [{"event_id": ids[0], "reason": "deploy", "score": 0.9}],
                        [notification(alert_id=None, rule="r"), notification(text="no id")],
                    )
                ],
            )

        seen = Recorder(open_one)
        assert await store.evaluate(10, seen, now=now) == 2
        assert seen.batches[0].now == now
        assert [r.name for r in seen.batches[0].rules[ws]] == ["r"]
        assert seen.batches[0].states == {} and seen.batches[0].open_alerts == {}
        assert await store.queued_events() == 0
        (alert,) = await store.list_alerts(ws)
        assert (alert.rule_id, alert.group, alert.status) == (rule.id, "web", "firing")
        assert alert.event_ids == (first.id, second.id) and alert.event_count == 2
        assert alert.suspects == [{"event_id": first.id, "reason": "deploy", "score": 0.9}]
        assert alert.reason == "2 or more within 10 min" and alert.resolved_at is None
        timeline = await store.alert_timeline(ws, alert.id)
        assert [t.kind for t in timeline] == ["opened"]
        claimed = await store.claim_notifications(utcnow(), 10, 60)
        assert [c.payload for c in claimed] == [
            {"alert_id": alert.id, "rule": "r"},
            {"text": "no id"},
        ]
        assert {(c.alert_id, c.rule_id, c.workspace_id) for c in claimed} == {
            (alert.id, rule.id, ws)
        }

        # The next evaluation sees the saved state and the open alert; it adds an event and
        # forgets the state.
        (third,) = await events_in(store, endpoint, "three")

        def join(batch: EvaluationBatch) -> EvaluationWork:
            assert batch.states == {(rule.id, "web"): {"times": [1, 2]}}
            assert batch.open_alerts[(rule.id, "web")].id == alert.id
            return EvaluationWork(
                states={(rule.id, "web"): None},
                changed=[AlertChange(alert.id, now, event_ids=(third.id,))],
            )

        assert await store.evaluate(10, Recorder(join), now=now) == 1
        joined = await store.get_alert(ws, alert.id)
        assert joined is not None
        assert joined.event_ids == (first.id, second.id, third.id) and joined.event_count == 3
        entries = await store.alert_timeline(ws, alert.id)
        assert [(t.kind, t.detail.get("count")) for t in entries] == [("opened", 2), ("event", 3)]

        # A time-based pass (no events) sees every enabled rule, and resolves the alert.
        def resolve(batch: EvaluationBatch) -> EvaluationWork:
            assert batch.events == [] and batch.states == {}
            assert [r.id for r in batch.rules[ws]] == [rule.id]
            return EvaluationWork(
                changed=[AlertChange(alert.id, now, resolve=True, reason="quiet for 10 min")]
            )

        assert await store.evaluate(0, Recorder(resolve), now=now) == 0
        resolved = await store.get_alert(ws, alert.id)
        assert resolved is not None and resolved.status == "resolved"
        assert resolved.resolved_at == now
        last = (await store.alert_timeline(ws, alert.id))[-1]
        assert (last.kind, last.detail["reason"]) == ("resolved", "quiet for 10 min")
        assert await store.count_open_alerts(ws) == {"firing": 0, "acknowledged": 0}

    run(check)


def test_a_failing_evaluation_stores_nothing_and_leaves_the_events_queued(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        rule = await store.create_rule(ws, "r", RULE)
        await events_in(store, endpoint, "one", "two")

        async def broken(batch: EvaluationBatch) -> EvaluationWork:
            raise RuntimeError("the rule engine failed")

        with pytest.raises(RuntimeError, match="rule engine"):
            await store.evaluate(10, broken, now=utcnow())
        assert await store.queued_events() == 2
        assert await store.list_alerts(ws) == []
        # The next evaluation gets the same events.
        seen = Recorder(lambda _b: EvaluationWork(states={(rule.id, ""): {"n": 2}}))
        assert await store.evaluate(1, seen, now=utcnow()) == 1
        assert await store.evaluate(1, seen, now=utcnow()) == 1
        assert [q.event.title for b in seen.batches for q in b.events] == ["one", "two"]
        assert seen.batches[1].states == {(rule.id, ""): {"n": 2}}

    run(check)


def test_two_evaluations_at_once_never_see_the_same_event(
    run: Callable[..., Any], backend: str
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        await store.create_rule(endpoint.workspace_id, "r", RULE)
        await events_in(store, endpoint, *[f"e{i}" for i in range(12)])
        seen: list[int] = []

        async def slow(batch: EvaluationBatch) -> EvaluationWork:
            seen.extend(q.event.id for q in batch.events)
            await asyncio.sleep(0.05)  # the other evaluation tries to run meanwhile
            return EvaluationWork()

        stores = [store]
        if backend.startswith("postgres"):  # two processes sharing the database
            from echodash.store.postgres import PostgresStore

            assert isinstance(store, PostgresStore)
            second = PostgresStore(store.url)
            await second.open()
            stores.append(second)
        try:
            for _ in range(3):
                await asyncio.gather(
                    *(s.evaluate(3, slow, now=utcnow()) for s in stores for _ in range(2))
                )
        finally:
            for extra in stores[1:]:
                await extra.close()
        assert sorted(seen) == sorted(set(seen)) and len(seen) == 12
        assert await store.queued_events() == 0

    run(check)


def test_an_alert_keeps_its_first_event_ids_and_counts_them_all(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        rule = await store.create_rule(ws, "r", RULE)
        alert = await opened_alert(store, ws, rule.id, tuple(range(1, MAX_ALERT_EVENTS)))
        more = tuple(range(1000, 1005))
        change = AlertChange(alert.id, utcnow(), event_ids=more)
        await store.evaluate(0, Recorder(lambda _b: EvaluationWork(changed=[change])), now=utcnow())
        capped = await store.get_alert(ws, alert.id)
        assert capped is not None
        assert len(capped.event_ids) == MAX_ALERT_EVENTS
        assert capped.event_ids[-2:] == (MAX_ALERT_EVENTS - 1, 1000)
        assert capped.event_count == MAX_ALERT_EVENTS - 1 + 5

    run(check)


def test_acknowledging_and_resolving_by_hand(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        rule = await store.create_rule(ws, "r", RULE)
        first = await opened_alert(store, ws, rule.id, (1,))
        second = await opened_alert(store, ws, rule.id, (2,))
        assert await store.count_open_alerts(ws) == {"firing": 2, "acknowledged": 0}
        assert await store.count_open_alerts(other) == {"firing": 0, "acknowledged": 0}
        at = utcnow()
        # Another workspace can neither see nor change them.
        assert await store.set_alert_status(other, first.id, "resolved", at, 7) is None
        assert await store.get_alert(other, first.id) is None
        assert await store.alert_timeline(other, first.id) == []
        assert await store.list_alerts(other) == []

        acked = await store.set_alert_status(ws, first.id, "acknowledged", at, 7)
        assert acked is not None and acked.status == "acknowledged"
        assert (acked.acknowledged_at, acked.acknowledged_by) == (at, 7)
        assert await store.count_open_alerts(ws) == {"firing": 1, "acknowledged": 1}
        resolved = await store.set_alert_status(ws, first.id, "resolved", at, 8)
        assert resolved is not None and resolved.status == "resolved"
        assert resolved.resolved_at == at
        # A resolved alert stays resolved, and nothing more is written.
        again = await store.set_alert_status(ws, first.id, "acknowledged", at, 9)
        assert again == resolved
        timeline = await store.alert_timeline(ws, first.id)
        assert [(t.kind, t.detail.get("user_id")) for t in timeline] == [
            ("opened", None),
            ("acknowledged", 7),
            ("resolved", 8),
        ]
        assert await store.count_open_alerts(ws) == {"firing": 1, "acknowledged": 0}
        # Lists: newest first, by status, by rule, in pages.
        assert [a.id for a in await store.list_alerts(ws)] == [second.id, first.id]
        assert [a.id for a in await store.list_alerts(ws, status="resolved")] == [first.id]
        assert [a.id for a in await store.list_alerts(ws, status="firing")] == [second.id]
        assert [a.id for a in await store.list_alerts(ws, rule_id=rule.id, limit=1)] == [second.id]
        assert [a.id for a in await store.list_alerts(ws, before_id=second.id)] == [first.id]
        assert await store.list_alerts(ws, rule_id=rule.id + 100) == []

    run(check)


def test_linked_services_round_trip_per_workspace(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        assert await store.get_services(ws) == []
        services = [{"name": "web", "members": ["github:acme/web", "vercel:web"]}]
        await store.put_services(ws, services)
        assert await store.get_services(ws) == services
        assert await store.get_services(other) == []
        await store.put_services(ws, [])
        assert await store.get_services(ws) == []

    run(check)


def test_the_outbox_leases_retries_and_gives_up(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        rule = await store.create_rule(ws, "r", RULE)
        now = utcnow()
        opened = OpenAlert(
            ws, rule.id, "", now, "why", (1,), [], [notification(now, n=1), notification(now, n=2)]
        )
        await store.evaluate(0, Recorder(lambda _b: EvaluationWork(opened=[opened])), now=now)
        (alert,) = await store.list_alerts(ws)
        assert await store.pending_notifications() == 2
        assert await store.pending_notifications(ws) == 2
        assert await store.pending_notifications(other) == 0

        first, second = await store.claim_notifications(now, 10, 30)
        assert (first.payload, second.payload) == ({"n": 1}, {"n": 2})
        assert (first.attempts, first.kind, first.action_index) == (0, "webhook", 0)
        # Leased: not handed out again until the lease runs out.
        assert await store.claim_notifications(now + timedelta(seconds=10), 10, 30) == []

        sent = Attempt(now, True, 200, "ok", 0.1)
        await store.finish_notification(first.id, sent, None)
        failed = Attempt(now + timedelta(seconds=1), False, 500, "server error", 0.2)
        retry_at = now + timedelta(minutes=1)
        await store.finish_notification(second.id, failed, retry_at)
        notified = await store.get_alert(ws, alert.id)
        assert notified is not None and notified.last_notified_at == now
        assert await store.pending_notifications(ws) == 1
        assert await store.claim_notifications(now + timedelta(seconds=40), 10, 30) == []
        (retried,) = await store.claim_notifications(retry_at, 10, 30)
        assert (retried.id, retried.attempts) == (second.id, 1)
        gave_up = Attempt(retry_at, False, None, "connection refused", 5.0)
        await store.finish_notification(second.id, gave_up, None)
        assert await store.pending_notifications() == 0
        assert await store.claim_notifications(retry_at + timedelta(days=1), 10, 30) == []

        attempts = await store.notification_attempts(ws)
        assert [(a.outbox_id, a.attempt) for a in attempts] == [
            (second.id, gave_up),
            (second.id, failed),
            (first.id, sent),
        ]
        assert attempts[0].rule_id == rule.id and attempts[0].alert_id == alert.id
        assert len(await store.notification_attempts(ws, rule_id=rule.id, limit=2)) == 2
        assert await store.notification_attempts(ws, rule_id=rule.id + 1) == []
        assert await store.notification_attempts(other) == []
        kinds = [
            (t.kind, t.detail.get("gave_up")) for t in await store.alert_timeline(ws, alert.id)
        ]
        assert kinds == [
            ("opened", None),
            ("notified", None),
            ("notify_failed", False),
            ("notify_failed", True),
        ]

    run(check)


def test_deleting_a_rule_resolves_its_alerts_and_drops_its_state_and_notifications(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        rule = await store.create_rule(ws, "r", RULE)
        kept = await store.create_rule(ws, "kept", RULE)
        now = utcnow()
        work = EvaluationWork(
            states={(rule.id, "a"): {"n": 1}, (kept.id, "a"): {"n": 2}},
            opened=[
                OpenAlert(ws, rule.id, "a", now, "why", (1,), [], [notification(now, n=1)]),
                OpenAlert(ws, kept.id, "a", now, "why", (1,), [], [notification(now, n=2)]),
            ],
        )
        await store.evaluate(0, Recorder(lambda _b: work), now=now)
        assert await store.delete_rule(ws, rule.id)
        (gone,) = await store.list_alerts(ws, rule_id=rule.id)
        assert gone.status == "resolved" and gone.resolved_at is not None
        last = (await store.alert_timeline(ws, gone.id))[-1]
        assert last.kind == "resolved" and "deleted" in last.detail["reason"]
        assert await store.pending_notifications(ws) == 1
        assert [c.payload for c in await store.claim_notifications(now, 10, 30)] == [{"n": 2}]
        seen = Recorder()
        await store.evaluate(0, seen, now=now)
        assert seen.batches[0].states == {(kept.id, "a"): {"n": 2}}
        assert list(seen.batches[0].open_alerts) == [(kept.id, "a")]
        assert await store.count_open_alerts(ws) == {"firing": 1, "acknowledged": 0}

    run(check)


def test_a_changed_rule_starts_from_fresh_state(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        rule = await store.create_rule(ws, "r", RULE)
        work = EvaluationWork(states={(rule.id, "a"): {"n": 1}})
        await store.evaluate(0, Recorder(lambda _b: work), now=utcnow())
        await store.update_rule(ws, rule.id, "r", {**RULE, "when": {"count": 5}}, True)
        seen = Recorder()
        await store.evaluate(0, seen, now=utcnow())
        assert seen.batches[0].states == {}
        assert seen.batches[0].rules[ws][0].document["when"] == {"count": 5}

    run(check)


def test_work_for_a_rule_changed_during_its_evaluation_is_not_stored(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        rule = await store.create_rule(ws, "r", RULE)

        async def meanwhile(batch: EvaluationBatch) -> EvaluationWork:
            await store.update_rule(ws, rule.id, "r", {"changed": True}, True)
            opened = OpenAlert(ws, rule.id, "", batch.now, "why", (1,), [])
            return EvaluationWork(states={(rule.id, ""): {"n": 1}}, opened=[opened])

        await store.evaluate(0, meanwhile, now=utcnow())
        assert await store.list_alerts(ws) == []
        seen = Recorder()
        await store.evaluate(0, seen, now=utcnow())
        assert seen.batches[0].states == {}

    run(check)


def test_work_that_cannot_be_stored_stores_nothing_and_leaves_the_events_queued(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        rule = await store.create_rule(ws, "r", RULE)
        await events_in(store, endpoint, "one")
        now = utcnow()
        good = OpenAlert(ws, rule.id, "a", now, "why", (1,), [], [notification(now, n=1)])
        # A value no JSON column holds: the write fails after the state and one alert.
        bad = OpenAlert(ws, rule.id, "b", now, "why", (1,), [{"score": {1, 2}}])
        work = EvaluationWork(states={(rule.id, "a"): {"n": 1}}, opened=[good, bad])
        with pytest.raises(TypeError):
            await store.evaluate(10, Recorder(lambda _b: work), now=now)
        assert await store.queued_events() == 1
        assert await store.list_alerts(ws) == []
        assert await store.pending_notifications() == 0
        seen = Recorder()
        assert await store.evaluate(10, seen, now=now) == 1
        assert seen.batches[0].states == {}

    run(check)
