"""`echodash backfill gitlab` against a local self-managed GitLab API, next to a real server:
killed half-way it resumes; its DORA numbers are those of the equivalent GitLab webhooks;
live webhooks before, during and after it for the same things leave one event per thing; a
rule that matches the backfilled deployments fires nothing; a second run adds nothing. And
the import API for a GitLab endpoint: the token is sent as PRIVATE-TOKEN, kept sealed and
forgotten."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backfill.gitlab_api import PROJECT_PATH, ROOT, GitLabApiServer
from tests.backfill.gitlab_history import (
    D3_DONE,
    D4_DONE,
    INCIDENT_CLOSED,
    ITEMS,
    SHA,
    SINCE,
    TOTAL,
    UNTIL,
    deployment_hook,
    equivalent_webhooks,
    gitlab_history,
    issue_hook,
    push_hook,
    send_gitlab,
)
from tests.http.metric_events import iso, metric
from tests.support import ECHODASH, TEST_BACKEND, Server, first_admin_client

TOKEN = "glpat-secret-token-value"
BASE = f"{ROOT}/projects/15"


def _args(endpoint: dict[str, Any], api: GitLabApiServer) -> list[str]:
    return ["backfill", "gitlab", "--endpoint", str(endpoint["id"]), "--project", PROJECT_PATH,
            "--since", iso(SINCE), "--api-url", api.url]  # fmt: skip


def _kinds(server: Server, endpoint: dict[str, Any]) -> Counter[str]:
    events = server.all_events(endpoint=endpoint["id"])
    return Counter(e["type"].split(".")[0] for e in events)


def _alerts(server: Server) -> list[dict[str, Any]]:
    with server.client() as c:
        found: list[dict[str, Any]] = c.get("/api/v1/alerts").json()["alerts"]
    return found


def test_backfill_resumes_matches_webhooks_and_merges_with_them(server: Server) -> None:
    web = server.create_endpoint("gitlab", name=PROJECT_PATH)
    twin = server.create_endpoint("gitlab", name="acme/twin")
    history = gitlab_history()
    history.max_per_page = 2
    # Live webhooks that came before the backfill, for things it also reads: D4's success
    # and the push of c5 and c6.
    send_gitlab(server, web, [
        deployment_hook(PROJECT_PATH, 15, 104, SHA[6], D4_DONE),
        push_hook(PROJECT_PATH, 15, SHA[4], 6, [5, 6]),
    ])  # fmt: skip
    server.wait_for_events(2, endpoint=web["id"])
    rule = {"name": "Staging deploys", "condition": {"kind": "every"},
            "match": {"service": "gitlab:acme/web", "category": "deployment",
                      "environment": "staging"},
            "actions": [{"kind": "browser"}]}  # fmt: skip
    with server.client() as c:
        assert c.post("/api/v1/rules", json=rule).status_code == 201

    # The first run is killed half-way, while GitLab answers the merge requests' page; a
    # 502 on the way is retried.
    history.faults[f"{BASE}/merge_requests"] = ["hold"]
    history.faults[f"{BASE}/repository/compare"] = ["502"]
    with GitLabApiServer(history) as api:
        env = {**server.cli_env(), "GITLAB_TOKEN": TOKEN}
        first = subprocess.Popen(
            [ECHODASH, *_args(web, api)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert history.held.wait(60), first.communicate(timeout=5)
        # A live webhook during the backfill, for a thing it reads later: the incident closed.
        send_gitlab(server, web, [issue_hook(PROJECT_PATH, 15, "close", INCIDENT_CLOSED)])
        server.wait_for_events(1, endpoint=web["id"], type="issue.close")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        history.release.set()
        asked_before = len(history.requests)
        resumed = subprocess.run(
            [ECHODASH, *_args(web, api)], env=env, capture_output=True, text=True, timeout=120
        )
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming backfill" in resumed.stderr
        # From the cursor: the deployments were not read again.
        assert not [p for p in history.requests[asked_before:] if "/deployments" in p]
        assert TOKEN not in resumed.stderr + resumed.stdout
        assert set(history.tokens) == {TOKEN}

        # One event per real thing.
        assert _kinds(server, web) == Counter(ITEMS)
        events = server.all_events(endpoint=web["id"])
        origins = Counter((e["type"].split(".")[0], e["origin"]) for e in events)
        assert origins[("deployment", "webhook")] == 1
        assert origins[("deployment", "backfill")] == 3
        assert origins[("push", "webhook")] == 1
        assert origins[("push", "backfill")] == 1
        assert origins[("issue", "webhook")] == 1  # the closing sent during the backfill
        assert origins[("issue", "backfill")] == 2

        # The same DORA numbers as the equivalent webhooks (sent for acme/twin).
        send_gitlab(server, twin, equivalent_webhooks("acme/twin", 16))
        server.wait_for_events(7, endpoint=twin["id"])
        window = {"since": iso(SINCE), "until": iso(UNTIL)}
        backfilled = metric(server, "dora", repository=PROJECT_PATH, **window)
        webhooks = metric(server, "dora", repository="acme/twin", **window)
        assert backfilled == webhooks
        assert backfilled["deployment_frequency"]["count"] == 2
        assert backfilled["lead_time_minutes"]["median"] == 132.5  # 70, 130, 135, 255
        assert backfilled["change_failure_rate"]["value"] == 0.5
        assert backfilled["recovery_time_minutes"]["median"] == 45.0

        # Live webhooks after it: the incident's opening (a thing it brought) adds nothing;
        # a new staging deployment is news, and the rule fires for it alone.
        send_gitlab(server, web, [
            issue_hook(PROJECT_PATH, 15, "open", None),
            deployment_hook(PROJECT_PATH, 15, 106, SHA[6], D3_DONE, "staging"),
        ])  # fmt: skip
        deadline = time.monotonic() + 15
        while not _alerts(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        (alert,) = _alerts(server)
        control = max(e["id"] for e in server.all_events(endpoint=web["id"]))
        assert alert["events"] == [control]
        assert _kinds(server, web) == Counter(ITEMS) + Counter({"deployment": 1})

        # A second run reads it all again and adds nothing.
        again = subprocess.run(
            [ECHODASH, *_args(web, api)], env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
        assert "0 events added" in again.stdout
        assert _kinds(server, web) == Counter(ITEMS) + Counter({"deployment": 1})
        assert len(_alerts(server)) == 1


def test_usage_errors_exit_2(server: Server) -> None:
    github = server.create_endpoint("github", name="acme/cli-github")
    gitlab = server.create_endpoint("gitlab", name="acme/cli")
    bad = server.cli("backfill", "gitlab", "--endpoint", str(gitlab["id"]), "--project", "x")
    assert (bad.returncode, "GROUP/NAME" in bad.stderr) == (2, True)
    since = server.cli("backfill", "gitlab", "--endpoint", str(gitlab["id"]), "--project",
                       PROJECT_PATH, "--since", "last tuesday")  # fmt: skip
    assert (since.returncode, "90d or an ISO-8601 date" in since.stderr) == (2, True)
    wrong = server.cli("backfill", "gitlab", "--endpoint", str(github["id"]), "--project",
                       PROJECT_PATH)  # fmt: skip
    assert (wrong.returncode, "github endpoint" in wrong.stderr) == (2, True)


@pytest.fixture
def allowed(tmp_path: Path) -> Iterator[Server]:
    """A server that may reach the local API (as ECHODASH_OUTBOUND_ALLOW says)."""
    server = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}).start()
    yield server
    server.stop()


def test_the_api_imports_a_gitlab_projects_history(allowed: Server) -> None:
    server = allowed
    endpoint = server.create_endpoint("gitlab", name="acme/renamed-later")
    history = gitlab_history()
    with GitLabApiServer(history) as api:
        body = {"repo": PROJECT_PATH, "since": iso(SINCE), "api_url": api.url, "token": TOKEN}
        with server.client() as c:
            odd = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json={"repo": "x"})
            assert odd.status_code == 400 and "GROUP/NAME" in odd.json()["detail"]
            started = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=body)
            assert started.status_code == 202, started.text
            backfill_id = started.json()["id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                done = c.get(f"/api/v1/backfills/{backfill_id}").json()
                if done["status"] != "running":
                    break
                time.sleep(0.1)
        assert done == {"id": backfill_id, "endpoint_id": endpoint["id"], "status": "done",
                        "items": TOTAL, "events_added": TOTAL, "duplicates": 0}  # fmt: skip
        assert set(history.tokens) == {TOKEN}
    assert _kinds(server, endpoint) == Counter(ITEMS)
    assert TOKEN not in server.log()
    if TEST_BACKEND != "postgres":
        db = sqlite3.connect(server.data_dir / "echodash.db")
        assert db.execute("SELECT token_sealed FROM backfills").fetchall() == [(None,)]
        db.close()
    # The source page offers the import, for a GitLab project and API root.
    with first_admin_client(server) as browser:
        page = browser.get(f"/sources/{endpoint['id']}?backfill={backfill_id}").text
    assert "History imported." in page
    assert f'<b class="backfill-items">{TOTAL}</b> items read' in page
    assert 'placeholder="https://gitlab.com/api/v4"' in page and "Project <input" in page
