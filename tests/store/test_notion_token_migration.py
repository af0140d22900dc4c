"""Migrations 0006 (SQLite) and 0003 (PostgreSQL): the Notion verification tokens older
versions kept in plain text (the handshake delivery's body, its event's fields) are taken out
when the store opens; the token stays only sealed, as the endpoint's secret."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import orjson
import pytest

from echodash.events import Delivery, EventDraft, Severity, utcnow
from echodash.sources.notion import REDACTED, VERIFICATION_TITLE
from echodash.store import open_store
from echodash.store.base import EventFilter, Store
from tests.support import create_pg_database, drop_pg_database

pytestmark = pytest.mark.own_stores

TOKEN = "secret_Mg5nB8vC1xZ4aS7dF0gH3jK6lQ9wE2rT5yU8iOp"
OLD_HANDSHAKE = b'{"verification_token": "' + TOKEN.encode() + b'"}'
JSON = {"content-type": "application/json"}
# Deliveries the migration must leave byte for byte: a Notion event, another sender's body
# that happens to carry the same text.
SIGNAL = b'{"id": "e-1", "type": "page.created", "entity": {"id": "p", "type": "page"}}'
ELSEWHERE = b'{"verification_token": "' + TOKEN.encode() + b'", "zen": "x"}'
MIGRATION = {"sqlite": "0006_redact_notion_tokens.sql", "postgres": "0003_redact_notion_tokens.sql"}


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(backend, database URL) of an empty database."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'echodash.db'}"
        return
    url = create_pg_database()
    yield "postgres", url
    drop_pg_database(url)


async def _as_an_older_version_left_it(store: Store) -> dict[str, int]:
    """A Notion endpoint after its handshake as versions before the migration stored it;
    the ids of the deliveries by name."""
    workspace = await store.ensure_default_workspace()
    notion = await store.create_endpoint(workspace, "notion", "wiki", "wiki-slug", {}, "sealed")
    github = await store.create_endpoint(workspace, "github", "web", "web-slug", {}, "sealed")
    now = utcnow()
    for endpoint, key, body in (
        (notion, "sha256:handshake", OLD_HANDSHAKE),
        (notion, "e-1", SIGNAL),
        (github, "g-1", ELSEWHERE),
    ):
        await store.append_delivery(
            Delivery(endpoint.id, workspace, endpoint.kind, key, JSON, body, now, None)
        )
    old_parse = {
        OLD_HANDSHAKE: EventDraft(
            type="verification",
            title=VERIFICATION_TITLE,
            summary="Paste this token into the Verify dialog of the webhook subscription.",
            severity=Severity.WARNING,
            fields={"verification_token": TOKEN},
        ),
        SIGNAL: EventDraft(type="page.created", title="person created page p"),
        ELSEWHERE: EventDraft(type="ping", title="GitHub pinged", fields={"zen": "x"}),
    }
    pending = await store.pending_deliveries(10)
    await store.save_events([(d, [old_parse[d.body]]) for d in pending])
    return {d.key: d.id for d in pending}


async def _forget_the_migration(backend: str, url: str) -> None:
    """The database as one last opened by a version without the migration."""
    if backend == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("DELETE FROM schema_migrations WHERE name = ?", (MIGRATION[backend],))
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM schema_migrations WHERE name = $1", MIGRATION[backend])
    finally:
        await conn.close()


def test_an_old_handshake_loses_its_token_when_the_store_opens(
    database: tuple[str, str],
) -> None:
    backend, url = database

    async def main() -> None:
        store = open_store(url)
        await store.open()
        ids = await _as_an_older_version_left_it(store)
        await store.close()
        await _forget_the_migration(backend, url)

        store = open_store(url)
        await store.open()
        try:
            workspace = await store.ensure_default_workspace()
            kept = await store.get_delivery(workspace, ids["sha256:handshake"])
            assert kept is not None
            assert orjson.loads(kept.body) == {"verification_token": REDACTED}
            untouched = [await store.get_delivery(workspace, ids[k]) for k in ("e-1", "g-1")]
            assert [d.body for d in untouched if d] == [SIGNAL, ELSEWHERE]
            events = await store.list_events(workspace, EventFilter(), 10)
            by_type = {e.type: e for e in events}
            assert by_type["verification"].fields == {"verification_token": REDACTED}
            assert by_type["verification"].title == VERIFICATION_TITLE
            assert by_type["ping"].fields == {"zen": "x"}
            assert len(events) == 3
        finally:
            await store.close()
        # Opened again: nothing more to do, nothing changes.
        store = open_store(url)
        await store.open()
        await store.close()

    asyncio.run(main())
    if backend == "sqlite":
        # Not left behind in the file's free space either (only the GitHub body holds it).
        data = Path(url.removeprefix("sqlite:///"))
        found = b"".join(p.read_bytes() for p in data.parent.glob("echodash.db*"))
        assert found.count(TOKEN.encode()) == 1
