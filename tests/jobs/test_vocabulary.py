"""Events stored before EchoDash kept the vocabulary get it after the upgrade: the migration
(SQLite 0007, PostgreSQL 0004) adds the columns, and a background fill re-parses the stored
deliveries, oldest first, in batches, resuming after a restart. Nothing else of an event
changes."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import orjson
import pytest

from echodash.events import Category, Delivery, Event, EventDraft, Origin, Outcome, utcnow
from echodash.jobs.vocabulary import META_KEY, VocabularyFill
from echodash.store import open_store
from echodash.store.base import EventFilter, Store
from tests.support import GITHUB_FIXTURES, create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores

MIGRATION = {"sqlite": "0007_vocabulary.sql", "postgres": "0004_vocabulary.sql"}
COLUMNS = ("category", "service", "environment", "outcome", "commits", "origin")
DEPLOYED = (GITHUB_FIXTURES / "deployment_status" / "payload.json").read_bytes()
PUSHED = (GITHUB_FIXTURES / "push" / "with-new-branch.payload.json").read_bytes()
CUSTOM = orjson.dumps(
    {
        "event": "Deployed",
        "id": "k1",
        "category": "deployment",
        "service": "api",
        "environment": "staging",
        "outcome": "failure",
        "commits": ["abc123"],
    }
)
# A custom event `echodash import` stored (before deliveries kept their origin, its key said).
IMPORTED = orjson.dumps({"event": "Signed up", "id": "import:0a1b", "category": "signup"})
HELLO = "github:Codertocat/Hello-World"
DEPLOY_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
PUSH_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, database URL) of an empty database."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'echodash.db'}"
        return
    url = create_pg_database()
    yield "postgres", url
    drop_pg_database(url)


async def _as_an_older_version_left_it(store: Store) -> None:
    """Deliveries and the events an older version made of them (its own titles), in order:
    a deployment, a push, a custom event, a custom event imported with `echodash import`, a
    body no parser reads, and a replay of the deployment."""
    workspace = await store.ensure_default_workspace()
    github = await store.create_endpoint(workspace, "github", "hello", "gh-slug", {}, "sealed")
    custom = await store.create_endpoint(workspace, "custom", "Custom events", "c-slug", {}, None)
    headers = {"content-type": "application/json"}
    now = utcnow()
    sent = (
        (github, "d-1", {**headers, "x-github-event": "deployment_status"}, DEPLOYED),
        (github, "p-1", {**headers, "x-github-event": "push"}, PUSHED),
        (custom, "k1", headers, CUSTOM),
        (custom, "id:import:0a1b", headers, IMPORTED),
        (github, "g-1", {**headers, "x-github-event": "push"}, b"not json"),
    )
    for endpoint, key, sent_headers, body in sent:
        await store.append_delivery(
            Delivery(endpoint.id, workspace, endpoint.kind, key, sent_headers, body, now, None)
        )
    pending = await store.pending_deliveries(10)
    old_types = ["deployment_status.created", "push", "Deployed", "Signed up", "unparsed"]
    await store.save_events(
        [
            (d, [EventDraft(type=kind, title=f"older title {i}")])
            for i, (d, kind) in enumerate(zip(pending, old_types, strict=True))
        ]
    )
    await store.save_replayed_events(
        pending[0],
        [EventDraft(type="deployment_status.created", title="older replay", tags=("replay",))],
    )


async def _forget_the_migration(backend: str, url: str) -> None:
    """The database as the version before the vocabulary left it: no columns, no indexes,
    no migration recorded."""
    if backend == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("DROP INDEX events_category")
            conn.execute("DROP INDEX events_service")
            for column in COLUMNS:
                conn.execute(f"ALTER TABLE events DROP COLUMN {column}")
            conn.execute("ALTER TABLE deliveries DROP COLUMN origin")
            conn.execute("DELETE FROM instance_meta WHERE key = ?", (META_KEY,))
            conn.execute("DELETE FROM schema_migrations WHERE name = ?", (MIGRATION[backend],))
        return
    conn = await asyncpg.connect(url)
    try:
        for column in COLUMNS:
            await conn.execute(f"ALTER TABLE events DROP COLUMN {column}")
        await conn.execute("ALTER TABLE deliveries DROP COLUMN origin")
        await conn.execute("DELETE FROM instance_meta WHERE key = $1", META_KEY)
        await conn.execute("DELETE FROM schema_migrations WHERE name = $1", MIGRATION[backend])
    finally:
        await conn.close()


def _vocabulary(events: list[Event]) -> list[tuple[object, ...]]:
    return [(e.category, e.service, e.environment, e.outcome, e.commits, e.origin) for e in events]


FILLED = [
    (Category.DEPLOYMENT, HELLO, "production", Outcome.SUCCESS, (DEPLOY_SHA,), Origin.WEBHOOK),
    (Category.CHANGE, HELLO, None, None, (PUSH_SHA,), Origin.WEBHOOK),
    (Category.DEPLOYMENT, "api", "staging", Outcome.FAILURE, ("abc123",), Origin.API),
    (Category.SIGNUP, None, None, None, (), Origin.IMPORT),
    (Category.OTHER, None, None, None, (), Origin.WEBHOOK),  # nothing to read: the defaults
    (Category.DEPLOYMENT, HELLO, "production", Outcome.SUCCESS, (DEPLOY_SHA,), Origin.REPLAY),
]
# Before the fill: the defaults (a replay reads as one by its reserved tag all the same).
DEFAULTS = [(Category.OTHER, None, None, None, (), Origin.WEBHOOK)] * 5 + [
    (Category.OTHER, None, None, None, (), Origin.REPLAY)
]


async def _events(store: Store) -> list[Event]:
    workspace = await store.ensure_default_workspace()
    return await store.events_after(workspace, EventFilter(), 0, 100)


def test_older_events_get_the_vocabulary_in_batches_and_a_restart_resumes(
    database: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    backend, url = database
    caplog.set_level(logging.INFO, logger="echodash.jobs")

    async def main() -> None:
        store = open_store(url)
        await store.open()
        await _as_an_older_version_left_it(store)
        await store.close()
        await _forget_the_migration(backend, url)

        # The upgrade: the columns come with their defaults; nothing is re-parsed yet.
        store = open_store(url)
        await store.open()
        before = await _events(store)
        assert _vocabulary(before) == DEFAULTS
        # An event stored by this version after the upgrade: the fill leaves it alone.
        workspace = await store.ensure_default_workspace()
        github = (await store.list_endpoints(workspace))[0]
        await store.append_delivery(
            Delivery(github.id, workspace, "github", "new-1", {}, b"{}", utcnow(), None)
        )
        (new,) = await store.save_events(
            [
                (
                    d,
                    [EventDraft(type="ping", title="new", category=Category.CONFIG)],
                )
                for d in await store.pending_deliveries(10)
            ]
        )
        # Two batches of two, then the server stops.
        first = VocabularyFill(store, "node-a", batch=2)
        assert await first.step() == 2
        assert await first.step() == 2
        await store.close()
        halfway = FILLED[:4] + DEFAULTS[4:]

        store = open_store(url)
        await store.open()
        try:
            assert _vocabulary((await _events(store))[:6]) == halfway
            # Started again: it resumes after the fourth event and runs to the end.
            fill = VocabularyFill(store, "node-a", batch=2, pause=0, report_seconds=0)
            await asyncio.wait_for(fill.run(), 30)
            assert "vocabulary: filling 2 older events in the background" in caplog.text
            assert "vocabulary: 6 of 6 events (100 %)" in caplog.text
            assert "vocabulary: done: filled the vocabulary of 2 older events" in caplog.text
            after = await _events(store)
            assert _vocabulary(after[:6]) == FILLED
            # Everything else of every event is as it was stored.
            assert [(e.id, e.title, e.type, e.fields, e.tags) for e in after[:6]] == [
                (e.id, e.title, e.type, e.fields, e.tags) for e in before
            ]
            assert after[6] == new
            last = before[-1].id
            assert await store.get_meta(META_KEY) == f'{{"after":{last},"until":{last}}}'
            # Filters find the older events now.
            deployments = await store.list_events(
                workspace, EventFilter(category="deployment", service=HELLO), 10
            )
            assert [e.title for e in deployments] == ["older replay", "older title 0"]
            # Done: another start does nothing (and says nothing).
            caplog.clear()
            await asyncio.wait_for(VocabularyFill(store, "node-b").run(), 10)
            assert "vocabulary" not in caplog.text
            (run,) = await store.job_runs("vocabulary", 10)
            assert run.detail.startswith("filled the vocabulary of 2 older events")
        finally:
            await store.close()

    asyncio.run(main())


def test_a_store_created_by_this_version_has_nothing_to_fill(database: tuple[str, str]) -> None:
    _, url = database

    async def main() -> None:
        store = open_store(url)
        await store.open()
        try:
            assert await VocabularyFill(store, "node-a").step() == 0
            assert await store.job_runs("vocabulary", 10) == []
        finally:
            await store.close()

    asyncio.run(main())


class _Twins:
    """A sender whose one delivery makes two events of one type (two deploys, say)."""

    def __init__(self, options: object) -> None:
        pass

    def parse(self, headers: object, body: bytes) -> list[EventDraft]:
        return [
            EventDraft(type="deploy", title="web", category=Category.DEPLOYMENT, service="web"),
            EventDraft(type="deploy", title="api", category=Category.DEPLOYMENT, service="api"),
        ]


def test_a_delivery_of_several_events_of_one_type_is_matched_in_order_across_batches(
    database: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, url = database
    monkeypatch.setattr("echodash.jobs.vocabulary.source_class", lambda kind: _Twins)

    async def main() -> None:
        store = open_store(url)
        await store.open()
        workspace = await store.ensure_default_workspace()
        twins = await store.create_endpoint(workspace, "twins", "t", "t-slug", {}, None)
        for key in ("first", "second"):
            await store.append_delivery(
                Delivery(twins.id, workspace, "twins", key, {}, b"{}", utcnow(), None)
            )
        first, second = await store.pending_deliveries(10)
        old = [EventDraft(type="deploy", title=f"older {i}") for i in range(2)]
        await store.save_events([(first, old[:1]), (second, old)])
        await store.close()
        await _forget_the_migration(backend, url)

        store = open_store(url)
        await store.open()
        try:
            # A batch of two would end between the second delivery's two events.
            await asyncio.wait_for(VocabularyFill(store, "node-a", batch=2, pause=0).run(), 30)
            events = await _events(store)
            assert [(e.title, e.service) for e in events] == [
                ("older 0", "web"),
                ("older 0", "web"),
                ("older 1", "api"),
            ]
        finally:
            await store.close()

    asyncio.run(main())
