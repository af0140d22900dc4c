"""`POST /api/v1/endpoints/{id}/backfill`, `GET /api/v1/backfills/{id}` and the source page's
"Import history": a background job on the server reads the local GitHub API to the end, the
token is kept sealed and forgotten, and the page shows the progress."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import ITEMS, SINCE, github_history
from tests.http.metric_events import iso
from tests.support import TEST_BACKEND, Server, first_admin_client

TOKEN = "ghp_only-for-this-import-0123456789"


@pytest.fixture
def allowed(tmp_path: Path) -> Iterator[Server]:
    """A server that may reach the local API (as ECHODASH_OUTBOUND_ALLOW says)."""
    server = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}).start()
    yield server
    server.stop()


def _wait_done(server: Server, backfill_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    with server.client() as c:
        while time.monotonic() < deadline:
            found: dict[str, Any] = c.get(f"/api/v1/backfills/{backfill_id}").json()
            if found["status"] != "running":
                return found
            time.sleep(0.1)
    raise AssertionError(f"backfill {backfill_id} did not finish:\n{server.log()[-3000:]}")


def test_the_api_starts_a_background_backfill_and_shows_its_progress(allowed: Server) -> None:
    server = allowed
    endpoint = server.create_endpoint("github", name=REPO)
    stripe = server.create_endpoint("stripe", name="billing")
    with GitHubApiServer(github_history()) as api:
        body = {"since": iso(SINCE), "api_url": api.url, "token": TOKEN}
        with server.client() as c:
            started = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=body)
            assert started.status_code == 202, started.text
            assert started.json() == {"id": started.json()["id"], "status": "running"}
            backfill_id = started.json()["id"]
            # Unauthenticated, another kind, an unknown endpoint, a blocked address: refused.
            anonymous = httpx.get(f"{server.url}/api/v1/backfills/{backfill_id}")
            assert anonymous.status_code == 401
            wrong = c.post(f"/api/v1/endpoints/{stripe['id']}/backfill", json={})
            assert (wrong.status_code, wrong.json()["error"]) == (400, "cannot_start")
            assert c.post("/api/v1/endpoints/999999/backfill", json={}).status_code == 404
            private = {**body, "api_url": "http://10.1.2.3/api/v3"}
            blocked = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=private)
            assert blocked.status_code == 400 and "10.1.2.3" in blocked.json()["detail"]
            odd = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json={"repo": "x"})
            assert odd.status_code == 400 and "OWNER/NAME" in odd.json()["detail"]
        done = _wait_done(server, backfill_id)
        assert done == {
            "id": backfill_id,
            "endpoint_id": endpoint["id"],
            "status": "done",
            "items": 13,
            "events_added": 13,
            "duplicates": 0,
        }
        assert set(api.authorizations) == {f"Bearer {TOKEN}"}
    events = server.all_events(endpoint=endpoint["id"])
    assert sorted(e["type"].split(".")[0] for e in events) == sorted(
        kind for kind, n in ITEMS.items() for _ in range(n)
    )
    assert {e["origin"] for e in events} == {"backfill"}
    assert TOKEN not in server.log()
    if TEST_BACKEND != "postgres":
        # Sealed while it was needed, and forgotten once the import was done.
        db = sqlite3.connect(server.data_dir / "echodash.db")
        assert db.execute("SELECT token_sealed FROM backfills").fetchall() == [(None,)]
        db.close()


def test_import_history_from_the_source_page(allowed: Server) -> None:
    server = allowed
    endpoint = server.create_endpoint("github", name=REPO)
    with GitHubApiServer(github_history()) as api, first_admin_client(server) as browser:
        page = browser.get(f"/sources/{endpoint['id']}")
        assert "Import history" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "repo": REPO, "since": iso(SINCE), "api_url": api.url,
                "token": TOKEN}  # fmt: skip
        answer = browser.post(f"/sources/{endpoint['id']}/backfill", data=form)
        assert answer.status_code == 303
        followed = answer.headers["location"]
        backfill_id = int(followed.rsplit("=", 1)[1])
        assert followed == f"/sources/{endpoint['id']}?backfill={backfill_id}"
        _wait_done(server, backfill_id)
        shown = browser.get(followed).text
        assert "History imported." in shown
        assert '<b class="backfill-items">13</b> items read' in shown
        assert TOKEN not in shown
        # The feed marks them quietly.
        feed = browser.get(f"/?endpoint={endpoint['id']}").text
        assert feed.count('class="origin-mark"') >= 10
        assert ">backfill</span>" in feed
