"""The metrics part of the Store contract: facts kept with their events, once, whatever the
duplicates, replays and delivery order; read back by workspace and time range."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from echodash.events import EventDraft, Origin, utcnow
from echodash.metrics import product
from echodash.metrics.dora import Push
from echodash.metrics.product import Activity
from echodash.metrics.settings import MetricSettings
from echodash.store.base import Store
from echodash.store.postgres import metrics as postgres_metrics
from echodash.store.sqlite import metrics as sqlite_metrics
from tests.store.contract import delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REPO = {"full_name": "acme/web"}


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def deployment(number: int, minutes: float, sha: str, env: str = "production") -> bytes:
    return orjson.dumps(
        {
            "deployment_status": {"state": "success", "created_at": at(minutes)},
            "deployment": {"id": number, "sha": sha, "ref": "main", "environment": env},
            "repository": REPO,
        }
    )


def push(head: str, minutes: float, commits: list[tuple[str, float]]) -> bytes:
    return orjson.dumps(
        {
            "ref": "refs/heads/main",
            "after": head,
            "repository": {**REPO, "pushed_at": at(minutes)},
            "commits": [{"id": sha, "timestamp": at(m)} for sha, m in commits],
        }
    )


def issue(action: str, opened: float, closed: float | None = None) -> bytes:
    return orjson.dumps(
        {
            "action": action,
            "issue": {
                "number": 7,
                "labels": [{"name": "incident"}],
                "created_at": at(opened),
                "closed_at": None if closed is None else at(closed),
            },
            "repository": REPO,
        }
    )


def subscription(event_id: str, created_minutes: float, status: str, quantity: int) -> bytes:
    return orjson.dumps(
        {
            "id": event_id,
            "type": "customer.subscription.updated",
            "created": int((T0 + timedelta(minutes=created_minutes)).timestamp()),
            "data": {
                "object": {
                    "id": "sub_1",
                    "customer": "cus_1",
                    "status": status,
                    "currency": "usd",
                    "items": {
                        "data": [
                            {
                                "quantity": quantity,
                                "price": {
                                    "unit_amount": 4900,
                                    "currency": "usd",
                                    "recurring": {"interval": "month", "interval_count": 1},
                                },
                            }
                        ]
                    },
                }
            },
        }
    )


def custom(key: str, name: str, person: str, minutes: float, score: int | None = None) -> bytes:
    document: dict[str, Any] = {"event": name, "id": key, "distinct_id": person}
    if score is not None:
        document["values"] = {"score": score}
    return orjson.dumps(document)


async def store_all(
    store: Store, endpoint: Any, items: list[tuple[str, str, bytes, float]]
) -> list[Any]:
    """Each (delivery key, event type, body, minutes) stored as one delivery and its event,
    in one batch."""
    for key, _kind, body, _m in items:
        await store.append_delivery(delivery_of(endpoint, key, body))
    pending = {d.key: d for d in await store.pending_deliveries(1000)}
    parsed = [
        (
            pending[key],
            [EventDraft(type=kind, title=key, occurred_at=T0 + timedelta(minutes=m))],
        )
        for key, kind, _body, m in items
        if key in pending
    ]
    return await store.save_events(parsed)


def test_delivery_facts_are_kept_with_their_events_once(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        ws = github.workspace_id
        end = T0 + timedelta(days=1)
        await store_all(
            store,
            github,
            [
                ("p1", "push", push("b2", 30, [("a1", 0), ("b2", 10)]), 30),
                ("d1", "deployment_status.created", deployment(1, 60, "b2"), 60),
                ("d1-staging", "deployment_status.created", deployment(2, 61, "b2", "staging"), 61),
                ("i-close", "issues.closed", issue("closed", 90, 150), 150),
            ],
        )
        # A second batch: the same facts again (another push of a1, the same deployment
        # reported later), and the incident's opening, delivered after its end.
        await store_all(
            store,
            github,
            [
                ("p2", "push", push("c3", 100, [("a1", 0), ("c3", 95)]), 100),
                ("d1-again", "deployment_status.created", deployment(1, 70, "b2"), 70),
                ("i-open", "issues.opened", issue("opened", 90), 90),
            ],
        )
        deployments = await store.metric_deployments(ws, end)
        assert [(d.key, d.environment, d.at, d.sha) for d in deployments] == [
            ("github:1", "production", T0 + timedelta(minutes=60), "b2"),
            ("github:2", "staging", T0 + timedelta(minutes=61), "b2"),
        ]
        assert await store.metric_deployments(ws, T0 + timedelta(minutes=60)) == []
        pushes = await store.metric_pushes(ws, T0, end)
        commits = sorted((p.commits[0].sha, p.commits[0].at, p.at) for p in pushes if p.commits)
        assert commits == [
            ("a1", T0, T0 + timedelta(minutes=30)),  # its first push, not the second
            ("b2", T0 + timedelta(minutes=10), T0 + timedelta(minutes=30)),
            ("c3", T0 + timedelta(minutes=95), T0 + timedelta(minutes=100)),
        ]
        heads = sorted((p.head, p.at) for p in pushes if p.head)
        assert heads == [("b2", T0 + timedelta(minutes=30)), ("c3", T0 + timedelta(minutes=100))]
        assert all(isinstance(p, Push) for p in pushes)
        assert len(await store.metric_pushes(ws, T0 + timedelta(minutes=31), end)) == 2
        incidents = await store.metric_incidents(ws, end)
        assert [(i.key, i.service, i.start, i.end) for i in incidents] == [
            (
                "github:acme/web#7",
                "github:acme/web",
                T0 + timedelta(minutes=90),
                T0 + timedelta(minutes=150),
            )
        ]
        assert len(incidents[0].event_ids) == 2
        # Another workspace sees none of it.
        other = await store.create_workspace("Other")
        assert await store.metric_deployments(other, end) == []
        assert await store.metric_incidents(other, end) == []

    run(check)


def test_replays_add_no_facts(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        ws = github.workspace_id
        saved = await store_all(
            store, github, [("d1", "deployment_status.created", deployment(1, 60, "b2"), 60)]
        )
        assert len(saved) == 1
        delivery = await store.get_delivery(ws, saved[0].delivery_id)
        assert delivery is not None
        await store.clear_metric_facts(ws)
        replayed = await store.save_replayed_events(
            delivery, [EventDraft(type="deployment_status.created", title="again")]
        )
        assert replayed[0].origin is Origin.REPLAY
        assert await store.metric_deployments(ws, T0 + timedelta(days=1)) == []
        # keep_metric_facts (what a rebuild uses) adds the original's facts, idempotently.
        for _ in range(2):
            found = await store.keep_metric_facts([(saved[0], delivery), (replayed[0], delivery)])
            assert found == 1
        assert [d.key for d in await store.metric_deployments(ws, T0 + timedelta(days=1))] == [
            "github:1"
        ]

    run(check)


def test_subscription_snapshots_and_activity(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        stripe = await endpoint_in(store, kind="stripe")
        ws = stripe.workspace_id
        kind = "customer.subscription.updated"
        await store_all(
            store,
            stripe,
            [
                ("evt_2", kind, subscription("evt_2", 20, "active", 3), 20),
                ("evt_1", kind, subscription("evt_1", 10, "active", 2), 10),
            ],
        )
        await store_all(
            store, stripe, [("evt_1-again", kind, subscription("evt_1", 10, "active", 2), 10)]
        )
        snapshots = await store.metric_snapshots(ws, T0 + timedelta(days=1))
        assert [(s.created, s.items[0].quantity, s.items[0].unit_amount) for s in snapshots] == [
            (T0 + timedelta(minutes=10), 2, 4900),
            (T0 + timedelta(minutes=20), 3, 4900),
        ]
        assert snapshots[0].items[0].interval == "month" and snapshots[0].discount is None
        assert len(await store.metric_snapshots(ws, T0 + timedelta(minutes=20))) == 1

        web = await endpoint_in(store, ws, kind="custom")
        await store_all(
            store,
            web,
            [
                ("k1", "Signed up", custom("k1", "Signed up", "u1", 0), 0),
                ("k2", "nps", custom("k2", "nps", "u1", 5, score=9), 5),
                ("k3", "Signed up", custom("k3", "Signed up", "u2", 60 * 30), 60 * 30),
                ("k4", "Anonymous", orjson.dumps({"event": "Anonymous", "id": "k4"}), 6),
            ],
        )
        everything = await store.metric_activity(ws, None, T0 + timedelta(days=2))
        assert [(a.distinct_id, a.name, a.score) for a in everything] == [
            ("u1", "Signed up", None),
            ("u1", "nps", 9.0),
            ("u2", "Signed up", None),
        ]
        assert isinstance(everything[0], Activity)
        late = await store.metric_activity(ws, T0 + timedelta(minutes=1), T0 + timedelta(days=2))
        assert [a.name for a in late] == ["nps", "Signed up"]
        named = await store.metric_activity(ws, None, T0 + timedelta(days=2), ["nps"])
        assert [a.name for a in named] == ["nps"]

    run(check)


def test_activity_counted_by_the_database(run: Callable[..., Any]) -> None:
    """Score counts, active days and first moments: what the product metrics read instead of
    every event, the same on every backend."""

    async def check(store: Store) -> None:
        web = await endpoint_in(store, kind="custom")
        ws = web.workspace_id
        other = await endpoint_in(store, await store.create_workspace("Other"), kind="custom")
        day = 60 * 24
        await store_all(
            store,
            web,
            [
                ("a1", "Activated", custom("a1", "Activated", "u1", -5), -5),
                ("s1", "Signed up", custom("s1", "Signed up", "u1", 0), 0),
                ("s2", "Signed up", custom("s2", "Signed up", "u1", day), day),
                ("a2", "Activated", custom("a2", "Activated", "u1", 30), 30),
                ("a3", "Activated", custom("a3", "Activated", "u1", 40), 40),
                ("s3", "Signed up", custom("s3", "Signed up", "u2", 10), 10),
                ("n1", "nps", custom("n1", "nps", "u1", 1, score=9), 1),
                ("n2", "nps", custom("n2", "nps", "u2", 2, score=9), 2),
                ("n3", "nps", custom("n3", "nps", "u2", day, score=3), day),
                ("n4", "nps", custom("n4", "nps", "u3", 3), 3),
            ],
        )
        await store_all(
            store, other, [("o1", "Signed up", custom("o1", "Signed up", "u1", -60), -60)]
        )
        until = T0 + timedelta(days=3)
        assert await store.metric_score_counts(ws, T0, until, "nps") == {9.0: 2, 3.0: 1}
        assert await store.metric_score_counts(ws, T0 + timedelta(days=1), until, "nps") == {3.0: 1}
        # The Product dashboard's names (most events first, ties by name) and people.
        assert await store.metric_activity_overview(ws, T0, until) == (
            [("nps", 4), ("Signed up", 3), ("Activated", 2)],
            3,
        )
        assert await store.metric_activity_overview(ws, T0, until, "Signed up") == (
            [("nps", 4), ("Signed up", 3), ("Activated", 2)],
            2,
        )
        late = T0 + timedelta(days=1)
        assert await store.metric_activity_overview(ws, late, until, "nps") == (
            [("Signed up", 1), ("nps", 1)],
            1,
        )
        assert await store.metric_activity_overview(ws, until, until + timedelta(days=1)) == (
            [],
            0,
        )
        assert await store.metric_activity_overview(
            other.workspace_id, T0 - timedelta(hours=2), until
        ) == ([("Signed up", 1)], 1)
        firsts = await store.metric_firsts(ws, "Signed up", "Activated", until)
        assert sorted(firsts) == [
            ("u1", T0, T0 + timedelta(minutes=30)),
            ("u2", T0 + timedelta(minutes=10), None),
        ]
        alone = await store.metric_firsts(ws, "Signed up", None, T0 + timedelta(minutes=5))
        assert alone == [("u1", T0, None)]

    run(check)


def test_nothing_kept_for_events_no_metric_reads(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        ws = github.workspace_id
        await store_all(store, github, [("s", "star.created", b'{"repository": {}}', 0)])
        await store_all(store, github, [("bad", "push", b"not json", 0)])
        assert await store.metric_pushes(ws, T0 - timedelta(days=400), T0 + timedelta(days=1)) == []

    run(check)


def test_facts_that_cannot_be_kept_never_cost_an_event(
    run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in keeping facts")

    async def broken_async(*args: Any) -> Any:
        broken()

    monkeypatch.setattr(sqlite_metrics, "_write", broken)
    monkeypatch.setattr(postgres_metrics, "_write", broken_async)

    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        saved = await store_all(
            store, github, [("d1", "deployment_status.created", deployment(1, 60, "b2"), 60)]
        )
        assert len(saved) == 1 and saved[0].title == "d1"
        assert await store.pending_deliveries(10) == []
        assert await store.metric_deployments(github.workspace_id, T0 + timedelta(days=1)) == []

    run(check)


def test_facts_with_characters_postgresql_text_refuses_are_kept(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        web = await endpoint_in(store, kind="custom")
        await store_all(
            store, web, [("k0", "Signed up", custom("k\x00", "Signed up", "u\x001", 0), 0)]
        )
        [activity] = await store.metric_activity(web.workspace_id, None, T0 + timedelta(days=1))
        assert activity.distinct_id in ("u\x001", "u\ufffd1")
        # Asking for event names PostgreSQL text cannot hold is an answer, not an error.
        until = T0 + timedelta(days=1)
        assert await store.metric_activity(web.workspace_id, None, until, ["Sign\x00ed"]) == []
        named = await store.metric_activity(web.workspace_id, None, until, ["Signed up"])
        assert [a.name for a in named] == ["Signed up"]

    run(check)


def labelled_issue(number: int, label: str, opened: float) -> bytes:
    return orjson.dumps(
        {
            "action": "opened",
            "issue": {"number": number, "labels": [{"name": label}], "created_at": at(opened)},
            "repository": REPO,
        }
    )


def test_metric_settings_are_kept_per_workspace(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        assert await store.get_metric_settings(ws) == MetricSettings()
        assert await store.incident_labels() == {}
        assert await store.pending_relabels() == []
        # Settings that keep the default label leave no relabel pending.
        berlin = MetricSettings(production="^live$", timezone="Europe/Berlin", currency="eur")
        assert await store.set_metric_settings(ws, berlin) is False
        assert await store.get_metric_settings(ws) == berlin
        assert await store.get_metric_settings(other) == MetricSettings()
        assert await store.pending_relabels() == []
        # A new label: pending until finished, and the processor's labels name it.
        outage = replace(berlin, incident_label="(?i)outage")
        assert await store.set_metric_settings(ws, outage) is True
        assert await store.get_metric_settings(ws) == outage
        assert await store.incident_labels() == {ws: "(?i)outage"}
        [pending] = await store.pending_relabels()
        assert (pending.workspace_id, pending.incident_label) == (ws, "(?i)outage")
        assert abs((pending.changed_at - utcnow()).total_seconds()) < 60
        # Saving it again changes nothing; another change is a newer version.
        assert await store.set_metric_settings(ws, outage) is False
        assert [r.version for r in await store.pending_relabels()] == [pending.version]
        sev = replace(outage, incident_label="sev[12]")
        assert await store.set_metric_settings(ws, sev) is True
        [newer] = await store.pending_relabels()
        assert newer.version > pending.version and newer.incident_label == "sev[12]"
        # Finishing the older version leaves the newer one pending.
        await store.finish_relabel(ws, pending.version)
        assert [r.version for r in await store.pending_relabels()] == [newer.version]
        await store.finish_relabel(ws, newer.version)
        assert await store.pending_relabels() == []
        await store.finish_relabel(ws, pending.version)  # an older one changes nothing
        assert await store.pending_relabels() == []
        # Back to the default label: pending again, and no longer in the processor's labels.
        assert await store.set_metric_settings(ws, berlin) is True
        assert await store.incident_labels() == {}
        assert len(await store.pending_relabels()) == 1

    run(check)


def test_incident_facts_follow_each_workspaces_label(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        github = await endpoint_in(store)
        ws = github.workspace_id
        end = T0 + timedelta(days=1)
        labels = {ws: "(?i)outage"}
        # As the processor stores them: with the workspace's label.
        for key, body in [("o1", labelled_issue(1, "Outage", 10)), ("i2", issue("opened", 20))]:
            await store.append_delivery(delivery_of(github, key, body))
        pending = await store.pending_deliveries(10)
        drafts = {"o1": 10, "i2": 20}
        saved = await store.save_events(
            [
                (d, [EventDraft(type="issues.opened", title=d.key, occurred_at=T0)])
                for d in pending
                if d.key in drafts
            ],
            labels,
        )
        assert len(saved) == 2
        incidents = await store.metric_incidents(ws, end)
        assert [i.key for i in incidents] == ["github:acme/web#1"]
        # A custom incident does not depend on the label: a relabel keeps it.
        web = await endpoint_in(store, ws, kind="custom")
        custom_incident = orjson.dumps(
            {"event": "incident", "id": "c1", "values": {"status": "opened", "id": "db"},
             "source": "db"}
        )  # fmt: skip
        await store_all(store, web, [("c1", "incident", custom_incident, 30)])
        keys = {i.key for i in await store.metric_incidents(ws, end)}
        assert keys == {"github:acme/web#1", "custom:db"}

        # The label changes to the default: forget issue incidents, and work them out again
        # from the workspace's stored issue events (as jobs/relabel.py does).
        await store.clear_metric_incidents(ws, ("github:", "gitlab:"))
        assert {i.key for i in await store.metric_incidents(ws, end)} == {"custom:db"}
        until = await store.latest_event_id()
        rows = await store.events_of_kind(ws, "github", "issues", 0, until, 10)
        assert [e.title for e, _d in rows] == ["o1", "i2"]
        assert all(d is not None for _e, d in rows)
        assert await store.events_of_kind(ws, "github", "issue", 0, until, 10) == []
        assert await store.events_of_kind(ws, "github", "push", 0, until, 10) == []
        later = await store.events_of_kind(ws, "github", "issues", rows[0][0].id, until, 10)
        assert later == rows[1:]
        assert await store.events_of_kind(ws, "github", "issues", 0, until, 1) == rows[:1]
        other = await store.create_workspace("Other")
        assert await store.events_of_kind(other, "github", "issues", 0, until, 10) == []
        assert await store.keep_metric_facts(rows) == 1  # the default label
        keys = {i.key for i in await store.metric_incidents(ws, end)}
        assert keys == {"github:acme/web#7", "custom:db"}
        # Another workspace's label changes nothing here.
        assert await store.keep_metric_facts(rows, {other: "(?i)outage"}) == 1
        assert {i.key for i in await store.metric_incidents(ws, end)} == keys

    run(check)


ZONES = ("UTC", "Europe/Berlin", "America/New_York")


def product_timeline(seed: int) -> list[tuple[str, str, bytes, float]]:
    """Forty people over 100 days around the end of summer time in Europe (October 25) and
    North America (November 1), with moments near local midnights: signing up, activating,
    paying, coming back."""
    rng = random.Random(seed)
    names = ("Signed up", "Activated", "Paid", "Viewed")
    items = []
    for n in range(420):
        key, person = f"p{seed}-{n}", f"u{rng.randrange(40)}"
        name = rng.choices(names, weights=(2, 2, 1, 6))[0]
        day = rng.randrange(-70, 30)
        # Often within an hour of midnight in UTC, Berlin or New York.
        minute = rng.choice([rng.randrange(1440), 1410, 1380, 1320, 60, 240, 300, 1439])
        items.append((key, name, custom(key, name, person, 0), day * 1440.0 + minute))
    return items


def test_product_metrics_counted_in_sql_equal_the_pure_functions(
    run: Callable[..., Any],
) -> None:
    """Active users, retention and funnels as the database counts them (the metrics' fast
    paths) equal the pure functions over the same events, in UTC and in two zones with a
    change of summer time in the window, for every period, windows that start and end inside
    days, and funnels with repeated steps; another workspace's events change nothing."""

    async def check(store: Store) -> None:
        web = await endpoint_in(store, kind="custom")
        ws = web.workspace_id
        other = await endpoint_in(store, await store.create_workspace("Other"), kind="custom")
        await store_all(store, web, product_timeline(1))
        await store_all(store, other, product_timeline(2))
        windows = [
            (T0 - timedelta(days=40), T0 + timedelta(days=20)),
            (T0 - timedelta(days=30, hours=-5), T0 + timedelta(days=3, hours=7)),
        ]
        for zone_name in ZONES:
            zone = ZoneInfo(zone_name)
            for since, until in windows:
                for event in (None, "Viewed"):
                    names = None if event is None else [event]
                    first_day = since.astimezone(zone).date() - timedelta(days=29)
                    span_start = datetime.combine(first_day, time(), zone)
                    gaps = await store.metric_active_gaps(ws, span_start, until, names, zone_name)
                    activity = await store.metric_activity(
                        ws, since - timedelta(days=31), until, names
                    )
                    expected = product.active_users(activity, since, until, event, zone)
                    days = product.local_days(since, until, zone)
                    assert any(p["value"] for p in expected["dau"])
                    assert product.active_users_from_gaps(gaps, days) == expected, (
                        zone_name, since, event,
                    )  # fmt: skip
                history = await store.metric_activity(ws, None, until, ["Signed up", "Viewed"])
                for period in ("day", "week", "month"):
                    counts = await store.metric_retention_counts(
                        ws, "Signed up", "Viewed", period, since, until, zone_name
                    )
                    assert product.retention_from_counts(
                        counts, period, until, zone
                    ) == product.retention(
                        history, "Signed up", "Viewed", period, since, until, zone
                    ), (zone_name, since, period)
        for since, until in windows:
            for steps in (
                ["Signed up", "Activated", "Paid"],
                ["Viewed", "Viewed", "Paid"],
                ["Signed up"],
                ["Activated", "Signed up", "Activated", "Viewed"],
            ):
                for days in (1, 14):
                    paths = await store.metric_funnel_paths(
                        ws, steps, since, until, timedelta(days=days)
                    )
                    activity = await store.metric_activity(ws, since, until, steps)
                    expected = product.funnel(activity, steps, since, until, days)
                    assert expected["steps"][0]["count"] > 0
                    assert product.funnel_from_paths(paths, steps) == expected, (steps, since)
        # Something was counted at all.
        counts = await store.metric_retention_counts(
            ws, "Signed up", "Viewed", "week", *windows[0], "UTC"
        )
        assert any(n is not None and n > 0 for _start, n, _people in counts)

    run(check)
