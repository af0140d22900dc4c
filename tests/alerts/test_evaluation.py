"""Evaluation without a store: batches built by hand, the work it decides checked."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from echodash.alerts import engine
from echodash.alerts.evaluation import Evaluator
from echodash.alerts.rules import Rule
from echodash.events import Category, Event, Origin, Outcome, Severity
from echodash.store.base.alerts import (
    AlertRecord,
    EvaluationBatch,
    EvaluationWork,
    QueuedEvent,
    RuleRecord,
)
from tests.alerts.events import T0, event

HOOK = {"kind": "webhook", "url": "https://hooks.example.com/a", "secret": "whsec_" + "A" * 32}
_ALERT_IDS = itertools.count(100)


def record(document: dict[str, Any], rule_id: int = 7, updated: datetime = T0) -> RuleRecord:
    return RuleRecord(rule_id, 1, document["name"], document, True, T0, updated)


def failures(
    n: int, *, start: datetime = T0, step: float = 2, service: str = "github:acme/web"
) -> list[Event]:
    return [
        event(
            "workflow_run.completed",
            at=start + timedelta(seconds=i * step),
            category=Category.BUILD,
            service=service,
            outcome=Outcome.FAILURE,
            severity=Severity.ERROR,
        )
        for i in range(n)
    ]


class World:
    """What the store would keep between evaluations: states and open alerts."""

    def __init__(self, *rules: RuleRecord, reads: Any = None) -> None:
        self.rules = list(rules)
        self.states: dict[tuple[int, str], dict[str, Any]] = {}
        self.alerts: dict[int, AlertRecord] = {}
        self.evaluator = Evaluator(reads)
        self.works: list[EvaluationWork] = []

    @property
    def open(self) -> dict[tuple[int, str], AlertRecord]:
        return {(a.rule_id, a.group): a for a in self.alerts.values() if a.status != "resolved"}

    def run(
        self, events: list[Event], now: datetime, bodies: dict[int, bytes] | None = None
    ) -> EvaluationWork:
        batch = EvaluationBatch(
            now=now,
            events=[QueuedEvent(e, (bodies or {}).get(e.id)) for e in events],
            rules={1: self.rules},
            states=dict(self.states),
            open_alerts=self.open,
        )
        work = asyncio.run(self.evaluator(batch))
        self.works.append(work)
        self._store(work, now)
        return work

    def _store(self, work: EvaluationWork, now: datetime) -> None:
        for key, state in work.states.items():
            if state is None:
                self.states.pop(key, None)
            else:
                # what the store does: JSON text and back
                self.states[key] = orjson.loads(orjson.dumps(state))
        for opened in work.opened:
            alert_id = next(_ALERT_IDS)
            self.alerts[alert_id] = AlertRecord(
                alert_id, 1, opened.rule_id, opened.group, "firing", opened.reason,
                opened.opened_at, None, None, None, opened.event_ids, len(opened.event_ids),
                opened.suspects, None,
            )  # fmt: skip
        for change in work.changed:
            alert = self.alerts[change.alert_id]
            alert = replace(
                alert,
                event_ids=alert.event_ids + change.event_ids,
                event_count=alert.event_count + len(change.event_ids),
            )
            if change.resolve:
                alert = replace(alert, status="resolved", resolved_at=change.at)
            if change.notifications:
                alert = replace(alert, last_notified_at=now)
            self.alerts[change.alert_id] = alert

    def notified(self, kind: str) -> int:
        found = 0
        for work in self.works:
            notes = [n for o in work.opened for n in o.notifications]
            notes += [n for c in work.changed for n in c.notifications]
            found += sum(1 for n in notes if n.payload["type"] == kind)
        return found


def count_rule(**extra: Any) -> dict[str, Any]:
    return {
        "name": "build failures",
        "match": {"source": "github", "outcome": "failure"},
        "condition": {"kind": "count", "threshold": 3, "window_seconds": 300},
        "actions": [HOOK],
    } | extra


def test_a_burst_opens_one_alert_and_the_rest_joins_it() -> None:
    world = World(record(count_rule()))
    burst = failures(8)
    work = world.run(burst, now=T0 + timedelta(minutes=1))
    assert len(work.opened) == 1
    opened = work.opened[0]
    assert opened.reason == "3 or more within 5 min"
    assert opened.event_ids == tuple(e.id for e in burst)  # the third opens, the rest join
    [note] = opened.notifications
    assert note.kind == "webhook" and note.action_index == 0
    assert note.payload["type"] == "alert.firing"
    assert note.payload["alert"]["status"] == "firing"
    assert note.payload["alert"]["events"] == [e.id for e in burst]
    # never a secret, nor what would let one receiver reach another
    assert note.payload["rule"]["actions"] == [
        {"kind": "webhook", "url": "https://hooks.example.com/…"}
    ]
    assert "whsec_AAAA" not in orjson.dumps(note.payload).decode()
    # more of the same burst in the next batch joins the open alert
    more = failures(2, start=T0 + timedelta(seconds=30))
    work = world.run(more, now=T0 + timedelta(minutes=2))
    assert work.opened == []
    [change] = work.changed
    assert change.event_ids == tuple(e.id for e in more) and not change.resolve
    assert change.notifications == []


def test_the_alert_resolves_when_time_passes_without_events() -> None:
    world = World(record(count_rule()))
    world.run(failures(3), now=T0 + timedelta(seconds=10))
    work = world.run([], now=T0 + timedelta(minutes=10))
    [change] = work.changed
    assert change.resolve and change.reason == "the condition cleared"
    assert change.at == T0 + timedelta(seconds=300)  # the first of three leaves the window
    [note] = change.notifications
    assert note.payload["type"] == "alert.resolved"
    assert note.payload["alert"]["status"] == "resolved"
    assert note.payload["alert"]["id"] == next(iter(world.alerts))


def test_an_every_rule_opens_on_the_first_event_and_others_join() -> None:
    document = {
        "name": "deploy failed",
        "match": {"category": "deployment", "outcome": "failure"},
        "condition": {"kind": "every"},
        "actions": [
            HOOK,
            {"kind": "browser"},
            {"kind": "apprise", "url": "slack://TokenA/TokenB/TokenC"},
            {"kind": "email", "to": ["oncall@example.com"]},
        ],
    }
    world = World(record(document))
    fails = [
        event("deployment_status", at=T0 + timedelta(seconds=s), category=Category.DEPLOYMENT,
              outcome=Outcome.FAILURE, service="github:acme/web")
        for s in (0, 60)
    ]  # fmt: skip
    other = event("deployment_status", at=T0, category=Category.DEPLOYMENT, outcome=Outcome.SUCCESS)
    work = world.run([fails[0], other, fails[1]], now=T0 + timedelta(minutes=2))
    [opened] = work.opened
    assert opened.reason == "a matching event"
    assert opened.event_ids == (fails[0].id, fails[1].id)
    assert [n.kind for n in opened.notifications] == ["webhook", "browser", "apprise", "email"]
    assert [n.action_index for n in opened.notifications] == [0, 1, 2, 3]
    sent = orjson.dumps(opened.notifications[0].payload).decode()
    assert "TokenA" not in sent and "oncall@" not in sent and "/a" not in sent
    assert opened.notifications[0].payload["rule"]["actions"][2:] == [
        {"kind": "apprise", "url": "slack://…"},
        {"kind": "email", "to": 1},
    ]


def test_an_absence_opens_on_a_time_based_pass() -> None:
    document = {
        "name": "heartbeat",
        "match": {"source": "custom", "type": "heartbeat"},
        "condition": {"kind": "absence", "window_seconds": 600},
        "actions": [HOOK],
    }
    world = World(record(document))
    # No state yet: the first pass starts watching, and nothing opens.
    assert world.run([], now=T0).opened == []
    beat = event("heartbeat", source="custom", at=T0 + timedelta(minutes=5))
    assert world.run([beat], now=T0 + timedelta(minutes=5)).opened == []
    assert world.run([], now=T0 + timedelta(minutes=14)).opened == []
    work = world.run([], now=T0 + timedelta(minutes=16))
    [opened] = work.opened
    assert opened.reason == "nothing for 10 min"
    assert opened.opened_at == T0 + timedelta(minutes=15)
    assert opened.event_ids == ()
    assert world.run([], now=T0 + timedelta(minutes=30)).opened == []  # one alert per silence
    back = event("heartbeat", source="custom", at=T0 + timedelta(minutes=31))
    [change] = world.run([back], now=T0 + timedelta(minutes=31)).changed
    assert change.resolve and change.reason == "events came back"


def test_replays_backfill_and_imports_are_not_news() -> None:
    world = World(record(count_rule()))
    quiet = [replace(e, origin=o) for e, o in zip(failures(6), itertools.cycle(
        [Origin.REPLAY, Origin.BACKFILL, Origin.IMPORT]), strict=False)]  # fmt: skip
    work = world.run(quiet, now=T0 + timedelta(minutes=1))
    assert work.opened == [] and work.changed == [] and work.states == {}


def test_a_muted_rule_opens_its_alert_but_notifies_nobody() -> None:
    world = World(record(count_rule(muted_until="2026-11-02T12:00:00Z")))
    work = world.run(failures(3), now=T0 + timedelta(minutes=1))
    [opened] = work.opened
    assert opened.notifications == []
    assert "muted until 2026-11-02T12:00:00.000Z" in opened.reason
    assert "nobody notified" in opened.reason
    # the resolve is silent too while muted
    [change] = world.run([], now=T0 + timedelta(minutes=10)).changed
    assert change.resolve and change.notifications == []


def test_a_maintenance_window_silences_notifications() -> None:
    window = {"start": "08:00", "end": "10:00", "timezone": "UTC"}
    world = World(record(count_rule(maintenance=[window])))
    [opened] = world.run(failures(3), now=T0 + timedelta(minutes=1)).opened
    assert opened.notifications == [] and "maintenance window" in opened.reason


def test_an_alert_resolved_by_hand_lets_the_next_match_open_a_new_one() -> None:
    world = World(record(count_rule()))
    world.run(failures(3), now=T0 + timedelta(seconds=10))
    [alert_id] = world.alerts
    world.alerts[alert_id] = replace(world.alerts[alert_id], status="resolved")  # by hand
    # The state still says open; the next events of the same burst open a fresh alert.
    assert world.states[(7, "")]["open_since"] is not None
    work = world.run(failures(1, start=T0 + timedelta(seconds=20)), now=T0 + timedelta(seconds=30))
    assert len(work.opened) == 1 and work.changed == []


def test_grouping_by_service_opens_one_alert_per_service() -> None:
    world = World(record(count_rule(group_by="service")))
    web = failures(3, service="github:acme/web")
    api = failures(3, service="github:acme/api", start=T0 + timedelta(seconds=1))
    mixed = sorted(web + api, key=lambda e: e.occurred_at)
    work = world.run(mixed, now=T0 + timedelta(minutes=1))
    groups = {o.group: o.event_ids for o in work.opened}
    assert groups == {
        "github:acme/web": tuple(e.id for e in web),
        "github:acme/api": tuple(e.id for e in api),
    }
    assert set(work.states) == {(7, "github:acme/web"), (7, "github:acme/api")}


def test_repeat_notifications_come_every_repeat_seconds_while_open() -> None:
    world = World(record(count_rule(repeat_seconds=600, resolve_after_seconds=3600)))
    world.run(failures(3), now=T0 + timedelta(seconds=5))
    assert world.notified("alert.firing") == 1
    # joins within the interval: no repeat
    world.run(failures(1, start=T0 + timedelta(minutes=5)), now=T0 + timedelta(minutes=5))
    assert world.notified("alert.firing") == 1
    # a join after it: one repeat, with the alert's id
    work = world.run(failures(2, start=T0 + timedelta(minutes=11)), now=T0 + timedelta(minutes=11))
    repeats = [n for c in work.changed for n in c.notifications]
    assert len(repeats) == 1 and repeats[0].payload["alert"]["id"] == next(iter(world.alerts))
    # a time-based pass in the same interval queues none again
    world.run([], now=T0 + timedelta(minutes=12))
    assert world.notified("alert.firing") == 2
    # and another interval later, a time-based pass repeats it though nothing came
    world.run([], now=T0 + timedelta(minutes=22))
    assert world.notified("alert.firing") == 3


def test_a_rule_is_compiled_once_per_version() -> None:
    first = record(count_rule())
    world = World(first)
    world.run(failures(1), now=T0)
    compiled = world.evaluator._compiled[7]
    world.run(failures(1, start=T0 + timedelta(seconds=1)), now=T0)
    assert world.evaluator._compiled[7] is compiled
    world.rules = [replace(first, updated_at=T0 + timedelta(hours=1))]
    world.run(failures(1, start=T0 + timedelta(seconds=2)), now=T0)
    assert world.evaluator._compiled[7] is not compiled


def test_where_conditions_read_the_body_only_when_needed() -> None:
    document = count_rule(
        match={"source": "github", "where": [{"field": "workflow_run.conclusion", "op": "eq",
                                              "value": "timed_out"}]},
        condition={"kind": "every"},
    )  # fmt: skip
    world = World(record(document))
    [hit, miss] = failures(2)
    bodies = {
        hit.id: orjson.dumps({"workflow_run": {"conclusion": "timed_out"}}),
        miss.id: b"not json",
    }
    [opened] = world.run([hit, miss], now=T0 + timedelta(minutes=1), bodies=bodies).opened
    assert opened.event_ids == (hit.id,)


class Feed:
    """Suspect reads as the store's feed would answer them."""

    def __init__(self, changes: list[Event], services: list[dict[str, Any]]) -> None:
        self._changes = changes
        self._services = services
        self.asked: list[tuple[datetime, datetime]] = []

    async def changes(self, workspace_id: int, since: datetime, until: datetime) -> list[Event]:
        self.asked.append((since, until))
        return [e for e in self._changes if since <= e.occurred_at <= until]

    async def services(self, workspace_id: int) -> list[dict[str, Any]]:
        return self._services


def test_suspects_put_the_production_deploy_of_the_same_service_first() -> None:
    def change(category: Category, minutes: int, service: str, env: str | None) -> Event:
        return event("change", at=T0 - timedelta(minutes=minutes), category=category,
                     service=service, environment=env)  # fmt: skip

    prod_web = change(Category.DEPLOYMENT, 30, "github:acme/web", "production")
    staging_web = change(Category.DEPLOYMENT, 5, "github:acme/web", "staging")
    release_web = change(Category.RELEASE, 10, "github:acme/web", None)
    other = change(Category.DEPLOYMENT, 2, "github:acme/billing", "production")
    linked_zone = change(Category.CONFIG, 15, "cloudflare:example.com", None)
    too_old = change(Category.DEPLOYMENT, 200, "github:acme/web", "production")
    feed = Feed(
        [prod_web, staging_web, release_web, other, linked_zone, too_old],
        [{"name": "web", "members": ["github:acme/web", "cloudflare:example.com"]}],
    )
    world = World(record(count_rule()), reads=feed)
    [opened] = world.run(failures(3), now=T0 + timedelta(minutes=1)).opened
    ids = [s["event_id"] for s in opened.suspects]
    assert ids[0] == prod_web.id
    assert set(ids[:4]) == {prod_web.id, staging_web.id, release_web.id, linked_zone.id}
    assert other.id in ids and too_old.id not in ids
    assert opened.suspects[0]["reason"].startswith("deployed to production in acme/web")
    scores = [s["score"] for s in opened.suspects]
    assert scores == sorted(scores, reverse=True)
    assert set(opened.suspects[0]) == {"event_id", "reason", "score"}
    assert feed.asked == [(opened.opened_at - timedelta(hours=2), opened.opened_at)]
    # notifications show them as the alerts API does: each its event, with reason and score
    shown = opened.notifications[0].payload["alert"]["suspects"]
    assert [s["id"] for s in shown] == ids
    assert shown[0] == {**prod_web.to_json(), "reason": opened.suspects[0]["reason"],
                        "score": opened.suspects[0]["score"]}  # fmt: skip


def test_opened_and_cleared_within_one_batch_resolves_on_the_next_pass() -> None:
    world = World(record(count_rule()))
    burst = failures(3)
    straggler = failures(1, start=T0 + timedelta(minutes=7))  # after the burst cleared
    work = world.run(burst + straggler, now=T0 + timedelta(minutes=8))
    [opened] = work.opened
    assert opened.event_ids == tuple(e.id for e in burst) and work.changed == []
    # the alert had no id to resolve in that batch: the next pass resolves it
    [change] = world.run([], now=T0 + timedelta(minutes=8, seconds=5)).changed
    assert change.resolve and change.at == T0 + timedelta(seconds=300)
    assert world.open == {}
    assert world.run([], now=T0 + timedelta(minutes=9)).changed == []


def test_cleared_and_holding_again_within_one_batch_stays_one_incident() -> None:
    world = World(record(count_rule(condition={"kind": "every"}, resolve_after_seconds=60)))
    early = failures(1)
    late = failures(1, start=T0 + timedelta(minutes=1, seconds=30))
    work = world.run(early + late, now=T0 + timedelta(minutes=2))
    # one incident as far as this batch can say (the alert has no id to resolve yet)
    assert len(work.opened) == 1 and work.changed == []
    assert len(world.open) == 1
    work = world.run([], now=T0 + timedelta(minutes=10))
    assert [c.resolve for c in work.changed] == [True]
    assert world.open == {}


def test_moments_are_timezone_aware() -> None:
    world = World(record(count_rule()))
    [opened] = world.run(failures(3), now=datetime(2026, 11, 2, 9, 1, tzinfo=UTC)).opened
    assert opened.opened_at.tzinfo is not None


def test_a_rule_that_fails_costs_only_that_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine.observe

    def observe(rule: Rule, *args: Any) -> list[Any]:
        if rule.name == "broken":
            raise ZeroDivisionError("a bug in one rule")
        return real(rule, *args)

    monkeypatch.setattr(engine, "observe", observe)
    broken = record(count_rule(name="broken"), rule_id=8)
    world = World(broken, record(count_rule()))
    work = world.run(failures(3), now=T0 + timedelta(minutes=1))
    assert [o.rule_id for o in work.opened] == [7]


def test_each_open_and_resolve_queues_its_record_in_the_feed_muted_or_not() -> None:
    for extra in ({}, {"muted_until": "2026-11-02T12:00:00Z"}, {"actions": []}):
        world = World(record(count_rule(**extra)))
        [opened] = world.run(failures(3), now=T0 + timedelta(minutes=1)).opened
        [item] = opened.feed
        assert (item.kind, item.action_index) == ("feed", -1)
        assert item.payload["type"] == "alert.firing" and item.payload["rule"]["id"] == 7
        assert item.payload["alert"]["reason"] == opened.reason
        [change] = world.run([], now=T0 + timedelta(minutes=10)).changed
        [resolved] = change.feed
        assert change.resolve and resolved.payload["type"] == "alert.resolved"
        assert resolved.payload["alert"]["id"] == next(iter(world.alerts))


def test_repeats_are_notifications_only_not_feed_records() -> None:
    world = World(record(count_rule(repeat_seconds=600, resolve_after_seconds=3600)))
    world.run(failures(3), now=T0 + timedelta(seconds=5))
    work = world.run([], now=T0 + timedelta(minutes=11))
    assert [n.kind for c in work.changed for n in c.notifications] == ["webhook"]
    assert [c.feed for c in work.changed] == [[]]


def test_the_record_of_an_alert_about_alerts_is_news_to_no_rule() -> None:
    on_alerts = {"name": "any alert", "match": {"source": "alerts"},
                 "condition": {"kind": "every"}, "actions": [HOOK]}  # fmt: skip
    world = World(record(on_alerts))

    def alert_event(rule_match: dict[str, Any]) -> tuple[Event, bytes]:
        body = {"type": "alert.firing", "alert": {"id": 1, "rule_id": 3},
                "rule": {"id": 3, "match": rule_match}}  # fmt: skip
        found = event("alert.firing", source="alerts", category=Category.INCIDENT)
        return found, orjson.dumps(body)

    plain, plain_body = alert_event({"category": "deployment"})
    about, about_body = alert_event({"source": "alerts"})
    bodies = {plain.id: plain_body, about.id: about_body}
    work = world.run([plain, about], T0 + timedelta(minutes=1), bodies)
    [opened] = work.opened
    assert opened.event_ids == (plain.id,)
