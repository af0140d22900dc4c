"""`echodash import` of a crafted export: every field is checked before anything is written.

A real export is edited (numbers past what a store holds, wrong types, options an endpoint's
source refuses…) and imported, as the `echodash` command, into a store on the suite's backend
that already holds a workspace: the import must refuse it at once, naming the line and the
field, and leave that store as it was.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from echodash.store.base import EventFilter
from tests.cli.test_portable import _opened, echodash, ok, seed, sqlite_url
from tests.support import (
    ECHODASH,
    TEST_BACKEND,
    Server,
    create_pg_database,
    drop_pg_database,
)

Lines = list[dict[str, Any]]
# Long enough for a slow machine, far shorter than the hang this guards against.
IMPORT_SECONDS = 20


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Lines:
    """The lines of one real export, which each test edits a copy of."""
    where = tmp_path_factory.mktemp("export")
    seed(where / "source")
    ok(echodash(where / "source", "export", str(where / "all.jsonl")))
    return [orjson.loads(line) for line in (where / "all.jsonl").read_bytes().splitlines()]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(data directory, database URL) of a store that holds a workspace with an endpoint."""
    data_dir = tmp_path_factory.mktemp("target")
    url = create_pg_database() if TEST_BACKEND == "postgres" else sqlite_url(data_dir)
    ok(echodash(data_dir, "endpoints", "create", "--kind", "github", database=url))
    yield data_dir, url
    if TEST_BACKEND == "postgres":
        drop_pg_database(url)


def contents(url: str) -> list[Any]:
    """Every workspace with its endpoints, deliveries and events."""

    async def main() -> list[Any]:
        store = await _opened(url)
        try:
            return [
                (
                    workspace,
                    await store.list_endpoints(workspace.id),
                    await store.export_deliveries(workspace.id, 0, 1000),
                    await store.events_after(workspace.id, EventFilter(), 0, 1000),
                )
                for workspace in await store.list_workspaces()
            ]
        finally:
            await store.close()

    return asyncio.run(main())


def raw(json_text: str) -> str:
    """A value written into the file as this JSON text (such as 1e400, which no Python value
    serializes to)."""
    return "\x00raw:" + json_text


def write(path: Path, lines: Lines) -> Path:
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    path.write_bytes(re.sub(rb'"\\u0000raw:([^"]*)"', rb"\1", data))
    return path


def first(lines: Lines, line_type: str, **matching: Any) -> dict[str, Any]:
    return next(
        line
        for line in lines
        if line["type"] == line_type and all(line.get(k) == v for k, v in matching.items())
    )


def number_of(lines: Lines, line: dict[str, Any]) -> int:
    return next(n for n, candidate in enumerate(lines, 1) if candidate is line)


def run_import(
    data_dir: Path, url: str, file: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
    env |= {"ECHODASH_DATA_DIR": str(data_dir), "ECHODASH_DATABASE": url}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [ECHODASH, "import", str(file), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=IMPORT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the import still ran after {IMPORT_SECONDS} s: it hangs")
    assert time.monotonic() - started < IMPORT_SECONDS
    return done


def delivery_line(lines: Lines) -> dict[str, Any]:
    return first(lines, "delivery", processed=True)


def edit_delivery(key: str, value: Any) -> Callable[[Lines], dict[str, Any]]:
    def edit(lines: Lines) -> dict[str, Any]:
        line = delivery_line(lines)
        line[key] = value
        return line

    return edit


def edit_endpoint(of_kind: str, **changes: Any) -> Callable[[Lines], dict[str, Any]]:
    def edit(lines: Lines) -> dict[str, Any]:
        line = first(lines, "endpoint", kind=of_kind)
        line.update(changes)
        return line

    return edit


def edit_event(**changes: Any) -> Callable[[Lines], dict[str, Any]]:
    def edit(lines: Lines) -> dict[str, Any]:
        line = first(lines, "event")
        line.update(changes)
        return line

    return edit


def edit_workspace(**changes: Any) -> Callable[[Lines], dict[str, Any]]:
    def edit(lines: Lines) -> dict[str, Any]:
        lines[0]["workspace"].update(changes)
        return lines[0]

    return edit


def edit_secret(secret: Any) -> Callable[[Lines], dict[str, Any]]:
    def edit(lines: Lines) -> dict[str, Any]:
        line = first(lines, "endpoint", kind="github")
        line["secrets"][0]["secret"] = secret
        return line

    return edit


DUPLICATES = "the delivery's `duplicates` must be a whole number from 0 to 2147483647"
TIME = "must be an ISO-8601 UTC time from 0001-01-02 to 9999-12-30"
ID = "must be a whole number from 1 to 9223372036854775807"

CASES: dict[str, tuple[Callable[[Lines], dict[str, Any]], str]] = {
    # Numbers a store cannot hold, or that are not numbers at all.
    "duplicates-2^63": (edit_delivery("duplicates", 2**63), DUPLICATES),
    "duplicates-2^31": (edit_delivery("duplicates", 2**31), DUPLICATES),  # PostgreSQL INTEGER
    "duplicates-negative": (edit_delivery("duplicates", -1), DUPLICATES),
    "duplicates-text": (edit_delivery("duplicates", "12"), DUPLICATES),
    "duplicates-true": (edit_delivery("duplicates", True), DUPLICATES),
    "duplicates-1e400": (edit_delivery("duplicates", raw("1e400")), "not valid JSON"),
    "duplicates-2^64": (edit_delivery("duplicates", raw(str(2**64))), DUPLICATES),
    "retention-2^63": (
        edit_workspace(retention_days=2**63),
        "the header's workspace's `retention_days` must be between 7 and 36500",
    ),
    "retention-text": (
        edit_workspace(retention_days="30"),
        "the header's workspace's `retention_days` must be a whole number of days",
    ),
    "endpoint-id-2^63": (edit_endpoint("github", id=2**63), f"the endpoint's `id` {ID}"),
    "delivery-id-0": (edit_delivery("id", 0), f"the delivery's `id` {ID}"),
    "event-delivery-id-negative": (
        edit_event(delivery_id=-1),
        f"the event's `delivery_id` {ID} (or null)",
    ),
    "field-2^63": (
        edit_event(fields={"n": 2**63}),
        "the event's `fields` must map names to plain values",
    ),
    # Times outside what datetime (and the stores) can convert.
    "time-year-1-east": (
        edit_delivery("received_at", "0001-01-01T00:00:00+01:00"),
        f"the delivery's `received_at` {TIME}",
    ),
    "time-year-9999": (
        edit_event(occurred_at="9999-12-31T23:59:59.999999Z"),
        f"the event's `occurred_at` {TIME}",
    ),
    "time-number": (edit_event(received_at=2**63), f"the event's `received_at` {TIME}"),
    # Endpoints exactly as POST /api/v1/endpoints would take them.
    "generic-options": (
        edit_endpoint("generic", options={"auth": "hmac", "algorithm": 5, "id_path": ["a"]}),
        "the endpoint's `options` do not suit a generic endpoint: option 'algorithm' must be "
        "text, not int",
    ),
    "generic-option-type": (
        edit_endpoint("generic", options={"auth": "token", "token_header": {"a": 1}}),
        "the endpoint's `options` do not suit a generic endpoint: option 'token_header' must "
        "be text, not dict",
    ),
    "github-options": (
        edit_endpoint("github", options={"secret": 1}),
        "the endpoint's `options` do not suit a github endpoint: the github source takes no "
        "options",
    ),
    "unknown-kind": (edit_endpoint("stripe", kind="fax"), "endpoint kind 'fax' is not installed"),
    "empty-name": (
        edit_endpoint("stripe", name=" "),
        "the endpoint's `name` must be text of 1 to 200 characters",
    ),
    "slug-path": (
        edit_endpoint("stripe", slug="../admin"),
        "the endpoint's `slug` must be 1 to 100 letters, digits, `-` or `_`",
    ),
    "empty-secret": (
        edit_secret(""),
        "the endpoint's secret's `secret` must be text of 1 to 1000 characters",
    ),
    # Texts, sources and fields.
    "source-not-the-endpoints": (
        edit_delivery("source", "stripe"),
        "the delivery's `source` 'stripe' is not the kind of its endpoint ('github')",
    ),
    "huge-title": (
        edit_event(title="x" * 100_001),
        "the event's `title` must be at most 100,000 characters long",
    ),
    "header-not-text": (
        edit_delivery("headers", {"x-count": 3}),
        "the delivery's `headers` must map names to text",
    ),
    "unknown-field": (
        edit_delivery("secret_id", 1),
        "the delivery has an unknown field `secret_id`",
    ),
}


@pytest.mark.parametrize(("edit", "message"), CASES.values(), ids=CASES.keys())
def test_a_crafted_export_is_refused_at_once_and_nothing_is_written(
    tmp_path: Path,
    exported: Lines,
    target: tuple[Path, str],
    edit: Callable[[Lines], dict[str, Any]],
    message: str,
) -> None:
    data_dir, url = target
    lines = copy.deepcopy(exported)
    edited = edit(lines)
    file = write(tmp_path / "crafted.jsonl", lines)
    before = contents(url)

    done = run_import(data_dir, url, file)

    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    line = f"line {number_of(lines, edited)}: "
    assert done.stderr.startswith(f"Error: {file}: {line}"), done.stderr
    assert message in done.stderr and done.stderr.endswith("; nothing was imported\n"), done.stderr
    assert contents(url) == before


def test_a_new_workspace_name_follows_the_web_uis_rule(
    tmp_path: Path, exported: Lines, target: tuple[Path, str]
) -> None:
    data_dir, url = target
    file = write(tmp_path / "good.jsonl", exported)
    before = contents(url)
    for name in (" ", "n" * 81):
        done = run_import(data_dir, url, file, "--workspace-name", name)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "--workspace-name: must be text of 1 to 80 characters" in done.stderr
    assert contents(url) == before


def _signed(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha512).digest()
    return "sha512=" + base64.b64encode(digest).decode()


def test_imported_endpoint_options_keep_working(tmp_path: Path) -> None:
    """A generic endpoint with every kind of option survives the import's checks unchanged,
    and the new server verifies, dedups and titles its deliveries with them."""
    source = tmp_path / "source"
    options = {
        "auth": "hmac",
        "signature_header": "x-hook-signature",
        "algorithm": "sha512",
        "encoding": "base64",
        "prefix": "sha512=",
        "id_path": "meta.id",
        "type_path": "meta.kind",
        "title_path": "meta.title",
    }
    pairs = [arg for key, value in options.items() for arg in ("--option", f"{key}={value}")]
    created = ok(
        echodash(
            source,
            "endpoints",
            "create",
            "--kind",
            "generic",
            "--secret",
            "generic-hmac-secret-s3",
            *pairs,
        )
    )
    slug = re.search(r"/in/(\S+)", created)
    assert slug is not None, created
    ok(echodash(source, "export", str(tmp_path / "hooks.jsonl")))

    target = tmp_path / "target"
    url = create_pg_database() if TEST_BACKEND == "postgres" else sqlite_url(target)
    try:
        said = ok(echodash(target, "import", str(tmp_path / "hooks.jsonl"), database=url))
        assert "1 endpoint, 0 deliveries, 0 events" in said
        server = Server(target, env={"ECHODASH_DATABASE": url}).start()
        try:
            with server.client() as c:
                [endpoint] = c.get("/api/v1/endpoints").json()["endpoints"]
            assert endpoint["options"] == options
            body = b'{"meta": {"id": "job-1", "kind": "job.done", "title": "Nightly job done"}}'
            answers = [
                httpx.post(
                    f"{server.url}/in/{slug.group(1)}",
                    content=body,
                    headers={"content-type": "application/json", "x-hook-signature": sig},
                )
                for sig in (
                    _signed("generic-hmac-secret-s3", body),
                    _signed("generic-hmac-secret-s3", body),
                    _signed("other", body),
                )
            ]
            assert [a.status_code for a in answers] == [202, 202, 401], [a.text for a in answers]
            assert [a.json().get("duplicate") for a in answers[:2]] == [False, True]
            [event] = server.wait_for_events(1)
            assert (event["type"], event["title"]) == ("job.done", "Nightly job done")
        finally:
            server.stop()
    finally:
        if TEST_BACKEND == "postgres":
            drop_pg_database(url)
