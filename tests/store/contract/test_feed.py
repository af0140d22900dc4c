"""The feed part of the Store contract: pages, filters, search, catch-up, counts, volume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from echodash.events import Category, Delivery, EventDraft, Origin, Outcome, Severity, utcnow
from echodash.store.base import EventFilter, Store
from tests.store.contract import delivery_of, endpoint_in, saved

pytestmark = pytest.mark.own_stores


def test_events_filters_pages_and_search(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        now = utcnow()
        for i in range(6):
            await store.append_delivery(delivery_of(endpoint, f"k{i}"))
        pending = await store.pending_deliveries(10)
        drafts = [
            EventDraft(
                type="push" if i % 2 else "star.created",
                title=f"event number {i} zebra{i}",
                severity=Severity.ERROR if i == 5 else Severity.INFO,
                occurred_at=now - timedelta(days=i),
            )
            for i in range(6)
        ]
        saved = await store.save_events(
            [(d, [draft]) for d, draft in zip(pending, drafts, strict=True)]
        )
        ids = [e.id for e in saved]
        newest = await store.list_events(ws, EventFilter(), 3)
        assert [e.id for e in newest] == ids[::-1][:3]
        older = await store.list_events(ws, EventFilter(), 3, before_id=newest[-1].id)
        assert [e.id for e in older] == ids[::-1][3:]
        assert {e.type for e in await store.list_events(ws, EventFilter(type="push"), 10)} == {
            "push"
        }
        assert [e.id for e in await store.list_events(ws, EventFilter(severity="error"), 10)] == [
            ids[5]
        ]
        found = await store.list_events(ws, EventFilter(q="zebra3"), 10)
        assert [e.id for e in found] == [ids[3]]
        assert len(await store.list_events(ws, EventFilter(q="zeb"), 10)) == 6  # prefixes match
        assert await store.list_events(ws, EventFilter(q='"); DROP TABLE events; --'), 10) == []
        recent = await store.list_events(
            ws, EventFilter(since=now - timedelta(days=2, hours=1)), 10
        )
        assert sorted(e.id for e in recent) == ids[:3]
        after = await store.events_after(ws, EventFilter(), ids[2], 10)
        assert [e.id for e in after] == ids[3:]
        assert await store.latest_event_id() == ids[-1]

    run(check)


def test_awkward_text_is_stored_and_searchable(run: Callable[..., Any]) -> None:
    """NUL characters, long titles and odd words survive every backend."""

    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        long_title = " ".join(f"word{i}" for i in range(40)) + " needle"
        (nul, long, path) = await saved(
            store,
            endpoint,
            [
                EventDraft(type="x", title="before\x00after", fields={"k": "v\x00w"}),
                EventDraft(type="x", title=long_title),
                EventDraft(type="x", title="deploy of acme/web-api to prod-eu", actor="o'brien"),
            ],
        )
        ws = endpoint.workspace_id
        stored = await store.get_event(ws, nul.id)
        assert stored is not None and stored.title.startswith("before")
        assert stored.title.endswith("after")
        found = await store.list_events(ws, EventFilter(q="needle"), 10)
        assert [e.id for e in found] == [long.id]  # words past the 16th are searchable too
        assert [e.id for e in await store.list_events(ws, EventFilter(q="web api"), 10)] == [
            path.id
        ]
        assert [e.id for e in await store.list_events(ws, EventFilter(q="o'brien"), 10)] == [
            path.id
        ]

    run(check)


def test_events_by_ids_serve_every_workspace(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        mine = await endpoint_in(store)
        theirs = await endpoint_in(store, await store.create_workspace("Other"))
        (a,) = await saved(store, mine, [EventDraft(type="x", title="mine")])
        (b,) = await saved(store, theirs, [EventDraft(type="x", title="theirs")])
        found = await store.events_by_ids([b.id, a.id, 10_000])
        assert [(e.id, e.title) for e in found] == [(a.id, "mine"), (b.id, "theirs")]
        assert await store.events_by_ids([]) == []

    run(check)


def test_counts_and_volume_cover_only_the_window_and_workspace(run: Callable[..., Any]) -> None:
    async def fn(store: Store) -> None:
        acme = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        hook = await store.create_endpoint(acme, "github", "acme/web", "s-acme", {}, "x")
        theirs = await store.create_endpoint(other, "github", "o/web", "s-other", {}, "x")
        now = utcnow()
        start = now - timedelta(hours=3)
        for n, (endpoint, age) in enumerate(
            [(hook, 10), (hook, 20), (hook, 70), (hook, 200), (theirs, 10)]
        ):
            delivery = Delivery(
                endpoint.id,
                endpoint.workspace_id,
                "github",
                f"k{n}",
                {},
                b"{}",
                now - timedelta(minutes=age),
                None,
            )
            await store.append_delivery(delivery)
        stored = await store.pending_deliveries(10)
        drafts = {0: Severity.ERROR, 1: Severity.INFO, 2: Severity.INFO}
        await store.save_events(
            [
                (d, [EventDraft("push", "pushed", severity=drafts.get(i, Severity.INFO))])
                for i, d in enumerate(stored)
            ]
        )
        counts = await store.event_counts(acme, now - timedelta(hours=2), now + timedelta(1))
        assert sorted(counts) == [
            ("github", "push", "error", "", 1),
            ("github", "push", "info", "", 2),
        ]
        # A replay repeats an event already counted: the digest's totals leave it out.
        again = EventDraft("push", "pushed", severity=Severity.ERROR)
        (replayed,) = await store.save_replayed_events(stored[0], [again])
        assert await store.get_event(acme, replayed.id) is not None
        recount = await store.event_counts(acme, now - timedelta(hours=2), now + timedelta(1))
        assert sorted(recount) == sorted(counts)
        # Unless replays are asked for.
        asked = await store.event_counts(
            acme, now - timedelta(hours=2), now + timedelta(1), replays=True
        )
        assert sorted(asked) == [
            ("github", "push", "error", "", 2),
            ("github", "push", "info", "", 2),
        ]
        volume = await store.delivery_volume(acme, start, timedelta(hours=1), 3)
        # 200 min ago is before the window; 70 min ago is in the second hour; 10 and 20 in the
        # third.
        assert volume == {hook.id: [0, 1, 2]}

    run(fn)


def _vocabulary_drafts() -> list[EventDraft]:
    return [
        EventDraft(
            type="deployment_status",
            title="web deployed to production",
            category=Category.DEPLOYMENT,
            service="github:acme/web",
            environment="production",
            outcome=Outcome.SUCCESS,
            commits=("a1b2c3d", "e4f5a6b"),
        ),
        EventDraft(
            type="deployment_status",
            title="api deploy failed on staging",
            category=Category.DEPLOYMENT,
            service="github:acme/api",
            environment="staging",
            outcome=Outcome.FAILURE,
        ),
        EventDraft(
            type="push",
            title="pushed to main",
            category=Category.CHANGE,
            service="github:acme/web",
            commits=("c0ffee1",),
        ),
        EventDraft(type="star.created", title="starred"),  # nothing set: the defaults
    ]


def test_the_vocabulary_is_kept_and_read_back(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        stored = await saved(store, endpoint, _vocabulary_drafts())
        # What the insert hands back (to the live bus) and what every read finds agree.
        for found in (
            stored,
            await store.events_by_ids([e.id for e in stored]),
            [await store.get_event(ws, e.id) for e in stored],
            (await store.list_events(ws, EventFilter(), 10))[::-1],
            await store.events_after(ws, EventFilter(), 0, 10),
        ):
            assert [
                (e.category, e.service, e.environment, e.outcome, e.commits, e.origin)
                for e in found
            ] == [
                (
                    Category.DEPLOYMENT,
                    "github:acme/web",
                    "production",
                    Outcome.SUCCESS,
                    ("a1b2c3d", "e4f5a6b"),
                    Origin.WEBHOOK,
                ),
                (
                    Category.DEPLOYMENT,
                    "github:acme/api",
                    "staging",
                    Outcome.FAILURE,
                    (),
                    Origin.WEBHOOK,
                ),
                (Category.CHANGE, "github:acme/web", None, None, ("c0ffee1",), Origin.WEBHOOK),
                (Category.OTHER, None, None, None, (), Origin.WEBHOOK),
            ]
        json = stored[0].to_json()
        assert (json["category"], json["service"], json["outcome"], json["commits"]) == (
            "deployment",
            "github:acme/web",
            "success",
            ["a1b2c3d", "e4f5a6b"],
        )

    run(check)


def test_events_filter_by_category_service_environment_outcome_and_origin(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        web_deploy, api_deploy, push, star = [
            e.id for e in await saved(store, endpoint, _vocabulary_drafts())
        ]
        other = await store.create_workspace("elsewhere")
        elsewhere = await endpoint_in(store, other)
        await saved(store, elsewhere, _vocabulary_drafts()[:1])  # never in `ws`'s answers

        async def ids(**wanted: str) -> list[int]:
            return [e.id for e in await store.list_events(ws, EventFilter(**wanted), 10)]

        assert await ids(category="deployment") == [api_deploy, web_deploy]
        assert await ids(service="github:acme/web") == [push, web_deploy]
        assert await ids(category="deployment", service="github:acme/web") == [web_deploy]
        assert await ids(environment="staging") == [api_deploy]
        assert await ids(outcome="failure") == [api_deploy]
        assert await ids(category="other") == [star]
        assert await ids(origin="webhook") == [star, push, api_deploy, web_deploy]
        assert await ids(origin="replay") == []
        assert await ids(category="deployment", q="production") == [web_deploy]
        assert await ids(service="github:acme") == []  # exact names, not prefixes
        # Paging and catching up apply the same filters.
        assert [
            e.id
            for e in await store.list_events(ws, EventFilter(category="deployment"), 1, api_deploy)
        ] == [web_deploy]
        assert [
            e.id
            for e in await store.events_after(ws, EventFilter(service="github:acme/web"), 0, 10)
        ] == [web_deploy, push]

    run(check)


def test_counts_follow_the_filters_stop_at_the_cap_and_leave_replays_out(
    run: Callable[..., Any],
) -> None:
    async def fn(store: Store) -> None:
        endpoint = await endpoint_in(store)
        acme = endpoint.workspace_id
        other = await endpoint_in(store, await store.create_workspace("Other"))
        drafts = [
            EventDraft("charge.failed", f"Card declined {i}", severity=Severity.ERROR)
            for i in range(5)
        ] + [EventDraft("charge.succeeded", f"Paid {i}") for i in range(7)]
        events = await saved(store, endpoint, drafts)
        await saved(store, other, [EventDraft("charge.failed", "Card declined elsewhere")])
        everything = EventFilter()
        assert await store.count_events(acme, everything, 1000) == 12
        assert await store.count_events(acme, everything, 10) == 10  # counting stops at the cap
        failed = EventFilter(type="charge.failed")
        assert await store.count_events(acme, failed, 1000) == 5
        assert await store.count_events(acme, EventFilter(severity="error"), 1000) == 5
        assert await store.count_events(acme, EventFilter(q="declined"), 1000) == 5
        assert await store.count_events(acme, EventFilter(q="declined"), 3) == 3

        # A replay is not a new event: it is counted only when replays are asked for.
        stored = await store.get_delivery(acme, events[0].delivery_id)
        assert stored is not None
        await store.save_replayed_events(stored, [drafts[0]])
        assert await store.count_events(acme, failed, 1000) == 5
        replays = EventFilter(type="charge.failed", origin=Origin.REPLAY.value)
        assert await store.count_events(acme, replays, 1000) == 1
        assert await store.count_events(acme, EventFilter(origin="webhook"), 1000) == 12

    run(fn)
