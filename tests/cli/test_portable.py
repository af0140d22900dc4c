"""`echodash export` / `echodash import`: a workspace moves between stores with nothing lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from echodash import endpoint_admin
from echodash.crypto import SecretBox
from echodash.events import Category, Delivery, EventDraft, Outcome, Severity, utcnow
from echodash.store import open_store
from echodash.store.base import EventFilter, Store
from tests.support import ECHODASH, Server, github_headers

BINARY = bytes(range(256)) * 3 + b"\x00\xff\xfe"


def echodash(
    data_dir: Path, *args: str, database: str | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
    env["ECHODASH_DATA_DIR"] = str(data_dir)
    if database:
        env["ECHODASH_DATABASE"] = database
    return subprocess.run(
        [ECHODASH, *args], env=env, input=stdin, capture_output=True, timeout=120, check=False
    )


def ok(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def refused(result: subprocess.CompletedProcess[bytes]) -> str:
    """A clear refusal: exit status 1 and a message, never a traceback."""
    message = result.stderr.decode()
    assert result.returncode == 1, (result.returncode, message)
    assert "Traceback" not in message and message.startswith("Error: "), message
    return message


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'echodash.db'}"


async def _opened(url: str) -> Store:
    store = open_store(url)
    await store.open()
    return store


def seed(data_dir: Path) -> dict[str, str]:
    """A workspace worth moving: rotated secrets, binary bodies, duplicates, processed and
    pending deliveries, events with every field, and a deleted endpoint's leftovers.

    Returns the secrets in plain text by name.
    """

    async def main() -> dict[str, str]:
        store = await _opened(sqlite_url(data_dir))
        box = SecretBox.from_setting_or_file("", data_dir)
        try:
            ws = await store.ensure_default_workspace()
            await store.set_retention(ws, 45)
            web, _ = await endpoint_admin.create_endpoint(
                store, box, ws, "github", "acme/web", "first-secret-of-acme-web"
            )
            web, _, _ = await endpoint_admin.add_secret(
                store, box, web, "second-secret-of-acme-web", 3600
            )
            uptime, uptime_secret = await endpoint_admin.create_endpoint(
                store, box, ws, "generic", "uptime", options={"auth": "token"}
            )
            await endpoint_admin.create_endpoint(
                store, box, ws, "stripe", "billing", "whsec_billing-test-secret-0123"
            )
            gone, _ = await endpoint_admin.create_endpoint(store, box, ws, "github", "old/repo")

            def delivery(endpoint: Any, key: str, body: bytes, minutes: int) -> Delivery:
                return Delivery(
                    endpoint_id=endpoint.id,
                    workspace_id=ws,
                    source=endpoint.kind,
                    key=key,
                    headers={"x-github-event": "push", "content-type": "application/json"},
                    body=body,
                    # Recent: the workspace keeps 45 days, and the server prunes older ones.
                    received_at=utcnow().replace(microsecond=123456)
                    - timedelta(hours=1, minutes=minutes),
                    secret_id=endpoint.secrets[-1].id,
                )

            for i in range(6):
                body = b'{"n": %d, "text": "caf\xc3\xa9"}' % i
                await store.append_delivery(delivery(web, f"web-{i}", body, i))
            await store.append_delivery(delivery(web, "web-0", b"{}", 9))  # a duplicate
            await store.append_delivery(delivery(uptime, "bin", BINARY, 7))
            await store.append_delivery(delivery(gone, "gone-1", b'{"old": true}', 8))
            pending = await store.pending_deliveries(100)
            drafts = {
                "web-0": [
                    EventDraft(
                        type="push",
                        title="alice pushed 3 commits to kumquat",
                        summary="fix: résumé parsing",
                        actor="alice",
                        subject="acme/web",
                        url="https://github.com/acme/web/compare/a...b",
                        occurred_at=datetime(2025, 2, 28, 23, 59, 59, 999999, UTC),
                        severity=Severity.SUCCESS,
                        tags=("main", "deploy"),
                        fields={"commits": 3, "ratio": 0.5, "forced": False, "ref": None},
                        category=Category.DEPLOYMENT,
                        service="github:acme/web",
                        environment="production",
                        outcome=Outcome.SUCCESS,
                        commits=("a1b2c3d4", "e5f6a7b8"),
                    ),
                    EventDraft(type="push.tag", title="tag v1.2.3", severity=Severity.WARNING),
                ],
                "web-1": [EventDraft(type="issues.opened", title="Bug in the résumé page")],
                "web-2": [],  # processed, no event (an ignored type)
                "bin": [EventDraft(type="unknown", title="uptime check (unparsed body)")],
                "gone-1": [EventDraft(type="push", title="pushed to an old repo")],
            }
            # web-3, web-4 and web-5 stay pending: the server parses them after the move.
            await store.save_events([(d, drafts[d.key]) for d in pending if d.key in drafts])
            assert await store.delete_endpoint(ws, gone.id)
            return {"uptime": uptime_secret}
        finally:
            await store.close()

    return asyncio.run(main())


def _secrets(box: SecretBox, endpoint: Any) -> tuple[Any, ...]:
    return tuple((box.open(s.sealed), s.created_at, s.expires_at) for s in endpoint.secrets)


def snapshot(url: str, data_dir: Path) -> dict[str, Any]:
    """Everything a user sees of the first workspace, without store-specific ids."""

    async def main() -> dict[str, Any]:
        store = await _opened(url)
        box = SecretBox.from_setting_or_file("", data_dir)
        try:
            ws = (await store.list_workspaces())[0]
            endpoints = await store.list_endpoints(ws.id)
            slugs = {e.id: e.slug for e in endpoints}
            deliveries: list[Any] = []
            keys: dict[int, tuple[str, str]] = {}
            after = 0
            while page := await store.export_deliveries(ws.id, after, 3):
                after = page[-1][0].id
                for d, processed in page:
                    if d.endpoint_id not in slugs:
                        continue  # a deleted endpoint's delivery does not move
                    keys[d.id] = (slugs[d.endpoint_id], d.key)
                    seen = (d.source, d.headers, d.body, d.received_at, d.duplicates, processed)
                    deliveries.append((keys[d.id], *seen))
            events: list[Any] = []
            after = 0
            while batch := await store.events_after(ws.id, EventFilter(), after, 4):
                after = batch[-1].id
                for e in batch:
                    link = (slugs.get(e.endpoint_id or 0), keys.get(e.delivery_id or 0))
                    events.append(
                        (link, replace(e, id=0, workspace_id=0, endpoint_id=None, delivery_id=None))
                    )
            return {
                "workspace": (ws.name, ws.retention_days),
                "endpoints": [
                    (e.kind, e.name, e.slug, e.options, e.created_at, _secrets(box, e))
                    for e in endpoints
                ],
                "deliveries": deliveries,
                "events": events,
            }
        finally:
            await store.close()

    return asyncio.run(main())


def test_round_trip_through_the_cli_keeps_everything(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    plain = seed(source)
    exported = tmp_path / "acme.jsonl"
    exported.write_text("old content")
    exported.chmod(0o644)

    said = ok(echodash(source, "export", str(exported)))
    assert said.strip() == (
        f"Exported workspace 'Default': 3 endpoints, 8 deliveries, 5 events to {exported}"
    )
    assert exported.stat().st_mode & 0o777 == 0o600  # it holds secrets in plain text
    assert not list(tmp_path.glob(".acme.jsonl.*"))  # no partial file left behind
    lines = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    assert lines[0]["format"] == "echodash-export" and lines[0]["version"] == 1
    assert lines[-1] == {"type": "end", "counts": {"endpoints": 3, "deliveries": 8, "events": 5}}

    said = ok(echodash(target, "import", str(exported)))
    assert said.strip() == (
        "Imported workspace 'Default' (id 1): 3 endpoints, 7 deliveries, 5 events; "
        f"skipped 1 delivery of deleted endpoints from {exported}"
    )
    before, after = snapshot(sqlite_url(source), source), snapshot(sqlite_url(target), target)
    assert after == before
    # The secrets were sealed again with the target's own key, not copied.
    assert (source / "secret.key").read_bytes() != (target / "secret.key").read_bytes()
    web = after["endpoints"][0]
    assert [s[0] for s in web[5]] == ["first-secret-of-acme-web", "second-secret-of-acme-web"]
    assert web[5][0][2] is not None and web[5][1][2] is None  # the rotated one still expires
    assert any(d[3] == BINARY for d in after["deliveries"])
    assert [d[6] for d in after["deliveries"]].count(False) == 3

    found = ok(echodash(target, "events", "list", "--q", "kumqu", "--json"))
    assert [orjson.loads(line)["title"] for line in found.splitlines()] == [
        "alice pushed 3 commits to kumquat"
    ]

    # The senders' URLs and secrets keep working on the new installation.
    # On the SQLite database the import wrote (whatever store the suite runs servers on).
    server = Server(
        target, env={"ECHODASH_DATABASE": f"sqlite:///{target / 'echodash.db'}"}
    ).start()
    try:
        slug = web[2]
        body = b'{"zen": "Keep it logically awesome."}'
        for secret, status in (
            ("second-secret-of-acme-web", 202),
            ("first-secret-of-acme-web", 202),
            ("nope", 401),
        ):
            r = httpx.post(
                f"{server.url}/in/{slug}",
                content=body,
                headers=github_headers(secret, body, "ping"),
            )
            assert r.status_code == status, (secret, r.text)
        r = httpx.post(
            f"{server.url}/in/{after['endpoints'][1][2]}",
            content=b"up",
            headers={"authorization": f"Bearer {plain['uptime']}"},
        )
        assert r.status_code == 202, r.text
        # 5 imported events, the 3 pending deliveries parsed, and the 3 new deliveries: the
        # server's bootstrap token belongs to the first workspace, which is the imported one.
        titles = [e["title"] for e in server.wait_for_events(11)]
        assert "alice pushed 3 commits to kumquat" in titles
        assert len(server.all_events()) == 11
    finally:
        server.stop()


@pytest.fixture(scope="module")
def exported_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The lines of one export, shared by the tests that damage a copy of it."""
    where = tmp_path_factory.mktemp("export")
    seed(where / "source")
    ok(echodash(where / "source", "export", str(where / "all.jsonl")))
    return (where / "all.jsonl").read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ls: ls[:-1], "ends without its `end` line: it is incomplete"),
        (lambda ls: ls[:-3], "ends without its `end` line"),
        (lambda ls: [*ls[:2], b'{"type": "endpoint", "id": \n', *ls[3:]], "line 3: not valid JSON"),
        (lambda ls: [*ls[:7], *ls[8:]], "the `end` line counts"),
        (lambda ls: [b"\n", *ls], "line 1: not a header"),
        (lambda ls: ls[1:], "line 1: not a header"),
        (
            lambda ls: [ls[0].replace(b'"version":1', b'"version":7'), *ls[1:]],
            "version 7 is not supported",
        ),
        (
            lambda ls: [ls[0].replace(b"echodash-export", b"custom-events"), *ls[1:]],
            "unknown format 'custom-events'",
        ),
        (lambda ls: [*ls[:-1], ls[1], ls[-1]], "line 18: endpoint after event lines"),
    ],
    ids=[
        "truncated",
        "cut-mid-way",
        "not-json",
        "counts-disagree",
        "blank-first-line",
        "no-header",
        "future-version",
        "unknown-format",
        "out-of-order",
    ],
)
def test_a_damaged_file_is_refused_before_anything_is_written(
    tmp_path: Path, exported_lines: list[bytes], change: Any, message: str
) -> None:
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"".join(change(exported_lines)))
    target = tmp_path / "target"
    said = refused(echodash(target, "import", str(damaged)))
    assert message in said and "nothing was imported" in said, said
    assert not (target / "echodash.db").exists()


def test_importing_twice_is_refused_because_receive_urls_must_stay_unique(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    seed(source)
    ok(echodash(source, "export", str(tmp_path / "x.jsonl")))
    ok(echodash(target, "import", str(tmp_path / "x.jsonl"), "--workspace-name", "Moved"))
    said = refused(echodash(target, "import", str(tmp_path / "x.jsonl")))
    assert "already exists here" in said and "/in/" in said and "nothing was imported" in said

    async def names() -> list[str]:
        store = await _opened(sqlite_url(target))
        try:
            return [w.name for w in await store.list_workspaces()]
        finally:
            await store.close()

    assert asyncio.run(names()) == ["Moved"]


VOCABULARY = ("category", "service", "environment", "outcome", "commits", "origin")


def test_an_export_made_before_the_vocabulary_imports_with_its_defaults(
    tmp_path: Path, exported_lines: list[bytes]
) -> None:
    lines = [orjson.loads(line) for line in exported_lines]
    deployed = next(d for d in lines if d.get("title") == "alice pushed 3 commits to kumquat")
    assert [deployed[k] for k in VOCABULARY] == [
        "deployment",
        "github:acme/web",
        "production",
        "success",
        ["a1b2c3d4", "e5f6a7b8"],
        "webhook",
    ]
    older = tmp_path / "older.jsonl"
    older.write_bytes(
        b"".join(
            orjson.dumps({k: v for k, v in d.items() if k not in VOCABULARY}) + b"\n" for d in lines
        )
    )
    target = tmp_path / "target"
    ok(echodash(target, "import", str(older)))
    found = ok(echodash(target, "events", "list", "--q", "kumquat", "--json"))
    (event,) = [orjson.loads(line) for line in found.splitlines()]
    assert [event[k] for k in VOCABULARY] == ["other", None, None, None, [], "webhook"]


def test_an_unknown_category_in_an_export_is_refused(
    tmp_path: Path, exported_lines: list[bytes]
) -> None:
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(
        b"".join(
            line.replace(b'"category":"deployment"', b'"category":"deploy"')
            for line in exported_lines
        )
    )
    said = refused(echodash(tmp_path / "target", "import", str(damaged)))
    assert "`category` must be one of deployment, change" in said, said
    assert "nothing was imported" in said


def test_export_of_an_unknown_workspace_is_refused(tmp_path: Path) -> None:
    seed(tmp_path / "source")
    said = refused(echodash(tmp_path / "source", "export", "--workspace", "9", "-"))
    assert "no workspace with id 9; there are: 1 (Default)" in said


@pytest.mark.own_stores
def test_sqlite_to_postgresql_and_back(tmp_path: Path, pg_url: str) -> None:
    source, middle, final = tmp_path / "source", tmp_path / "pg", tmp_path / "final"
    seed(source)
    # Through pipes this time: `export -` writes to standard output, `import -` reads stdin.
    exported = echodash(source, "export", "-")
    assert exported.returncode == 0, exported.stderr.decode()
    assert b"Exported workspace 'Default'" in exported.stderr
    ok(echodash(middle, "import", "-", database=pg_url, stdin=exported.stdout))
    again = echodash(middle, "export", "-", database=pg_url)
    assert again.returncode == 0, again.stderr.decode()
    ok(echodash(final, "import", "-", stdin=again.stdout))

    original = snapshot(sqlite_url(source), source)
    assert snapshot(pg_url, middle) == original
    assert snapshot(sqlite_url(final), final) == original
    found = ok(echodash(middle, "events", "list", "--q", "résumé", "--json", database=pg_url))
    assert {orjson.loads(line)["title"] for line in found.splitlines()} == {
        "alice pushed 3 commits to kumquat",
        "Bug in the résumé page",
    }
