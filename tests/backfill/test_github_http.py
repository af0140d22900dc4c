"""`echodash backfill github` against a local GitHub API, next to a real server: killed
half-way it resumes; its DORA numbers are those of the equivalent signed webhooks; live
webhooks before, during and after it for the same things leave one event per thing; a rule that
matches the backfilled deployments fires nothing; a second run adds nothing."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from typing import Any

from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import (
    DAY,
    HOUR,
    INCIDENT_CLOSED,
    INCIDENT_OPENED,
    ITEMS,
    MINUTE,
    SINCE,
    T0,
    UNTIL,
    equivalent_webhooks,
    github_history,
    live_push,
    live_status,
)
from tests.http.metric_events import incident, iso, metric, send_github
from tests.support import ECHODASH, Server


def _backfill_args(endpoint: dict[str, Any], api: GitHubApiServer) -> list[str]:
    return ["backfill", "github", "--endpoint", str(endpoint["id"]), "--repo", REPO,
            "--since", iso(SINCE), "--api-url", api.url]  # fmt: skip


def _kinds(server: Server, endpoint: dict[str, Any]) -> Counter[str]:
    events = server.all_events(endpoint=endpoint["id"])
    return Counter(e["type"].split(".")[0] for e in events)


def _alerts(server: Server) -> list[dict[str, Any]]:
    with server.client() as c:
        found: list[dict[str, Any]] = c.get("/api/v1/alerts").json()["alerts"]
    return found


def test_backfill_resumes_matches_webhooks_and_merges_with_them(server: Server) -> None:
    web = server.create_endpoint("github", name="acme/web")
    twin = server.create_endpoint("github", name="acme/twin")
    history = github_history()
    history.max_per_page = 2
    # Live webhooks that came before the backfill, for things it also reads: D4's success
    # and the push of c5 and c6.
    send_github(server, web, [
        ("deployment_status", live_status(history, 104)),
        ("push", live_push(history, 6, [5, 6], T0 + DAY + 2 * HOUR + 5 * MINUTE)),
    ])  # fmt: skip
    server.wait_for_events(2, endpoint=web["id"])
    # A rule that matches the history's staging deployment, active during the backfill.
    rule = {"name": "Staging deploys", "condition": {"kind": "every"},
            "match": {"service": "github:acme/web", "category": "deployment",
                      "environment": "staging"},
            "actions": [{"kind": "browser"}]}  # fmt: skip
    with server.client() as c:
        assert c.post("/api/v1/rules", json=rule).status_code == 201

    # The first run is killed half-way, while GitHub answers the pull requests' page.
    history.faults[f"/repos/{REPO}/pulls"] = ["hold"]
    history.faults[f"/repos/{REPO}/deployments/102"] = ["502"]
    with GitHubApiServer(history) as api:
        env = {**server.cli_env(), "GITHUB_TOKEN": "ghp_secret-token-value"}
        first = subprocess.Popen(
            [ECHODASH, *_backfill_args(web, api)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert history.held.wait(30), first.communicate(timeout=5)
        # A live webhook during the backfill, for a thing it reads later: the incident closed.
        closing = incident(REPO, "closed", INCIDENT_OPENED, INCIDENT_CLOSED)
        send_github(server, web, [("issues", closing)])
        server.wait_for_events(1, endpoint=web["id"], type="issues.closed")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        history.release.set()
        asked_before = len(history.requests)
        resumed = subprocess.run(
            [ECHODASH, *_backfill_args(web, api)], env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming backfill" in resumed.stderr
        # From the cursor: the deployments were not read again.
        assert not [p for p in history.requests[asked_before:] if "/deployments" in p]
        assert "ghp_secret-token-value" not in resumed.stderr + resumed.stdout
        assert set(api.authorizations) == {"Bearer ghp_secret-token-value"}

        # One event per real thing: D4's status and the push came live, the rest from the
        # backfill; nothing twice.
        kinds = _kinds(server, web)
        assert kinds == Counter(ITEMS)
        events = server.all_events(endpoint=web["id"])
        origins = Counter((e["type"].split(".")[0], e["origin"]) for e in events)
        assert origins[("deployment_status", "webhook")] == 1
        assert origins[("push", "webhook")] == 1
        assert origins[("deployment_status", "backfill")] == 4
        assert origins[("issues", "webhook")] == 1  # the closing sent during the backfill

        # The same DORA numbers as the equivalent webhooks (sent for acme/twin).
        send_github(server, twin, equivalent_webhooks("acme/twin"))
        server.wait_for_events(7, endpoint=twin["id"])
        window = {"since": iso(SINCE), "until": iso(UNTIL)}
        backfilled = metric(server, "dora", repository="acme/web", **window)
        webhooks = metric(server, "dora", repository="acme/twin", **window)
        assert backfilled == webhooks
        assert backfilled["deployment_frequency"]["count"] == 2
        assert backfilled["lead_time_minutes"]["median"] == 132.5  # 70, 130, 135, 255
        assert backfilled["change_failure_rate"]["value"] == 0.5
        assert backfilled["recovery_time_minutes"]["median"] == 45.0

        # Live webhooks after it: the incident's opening (a thing it brought) adds nothing;
        # a new staging deployment is news, and the rule fires for it alone.
        later = live_status(history, 103, status_id=1032)
        send_github(server, web, [
            ("issues", incident(REPO, "opened", T0 + DAY + 5 * HOUR, None)),
            ("deployment_status", later),
        ])  # fmt: skip
        deadline = time.monotonic() + 15
        while not _alerts(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        (alert,) = _alerts(server)
        control = max(e["id"] for e in server.all_events(endpoint=web["id"]))
        assert alert["events"] == [control]
        assert _kinds(server, web) == Counter(ITEMS) + Counter({"deployment_status": 1})

        # A second run reads it all again and adds nothing.
        again = subprocess.run(
            [ECHODASH, *_backfill_args(web, api)], env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert "0 events added" in again.stdout
        assert _kinds(server, web) == Counter(ITEMS) + Counter({"deployment_status": 1})
        assert len(_alerts(server)) == 1


def test_usage_errors_exit_2(server: Server) -> None:
    stripe = server.create_endpoint("stripe", name="billing")
    github = server.create_endpoint("github", name="acme/cli")
    bad_repo = server.cli("backfill", "github", "--endpoint", str(github["id"]), "--repo", "x")
    assert (bad_repo.returncode, "OWNER/NAME" in bad_repo.stderr) == (2, True)
    since = server.cli("backfill", "github", "--endpoint", str(github["id"]), "--repo", REPO,
                       "--since", "last tuesday")  # fmt: skip
    assert (since.returncode, "90d or an ISO-8601 date" in since.stderr) == (2, True)
    wrong_kind = server.cli("backfill", "github", "--endpoint", str(stripe["id"]), "--repo", REPO)
    assert (wrong_kind.returncode, "stripe endpoint" in wrong_kind.stderr) == (2, True)
