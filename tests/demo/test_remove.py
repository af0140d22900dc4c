"""`echodash demo` beside a running server, then `echodash demo --remove`: the demo's
events, endpoints, rules, alerts and metric facts go; everything the user added stays,
to the event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.http.metric_events import custom, deployment, metric, push, send_github
from tests.support import Server

# A full fill beside a running server, then its removal (~15-35 s).
pytestmark = pytest.mark.slow

RULE = {"name": "My deploys", "match": {"category": "deployment"}, "condition": {"kind": "every"}}


def _snapshot(server: Server) -> dict[str, Any]:
    with server.client() as c:
        return {
            "events": sorted((e["id"], e["title"]) for e in server.all_events()),
            "endpoints": sorted(e["name"] for e in c.get("/api/v1/endpoints").json()["endpoints"]),
            "rules": sorted(r["name"] for r in c.get("/api/v1/rules").json()["rules"]),
            "deployments": metric(server, "dora")["deployment_frequency"]["count"],
            "dau": [p["value"] for p in metric(server, "product")["dau"] if p["value"]],
            "workspace": c.get("/api/v1/workspace").json()["name"],
        }


def test_removing_the_demo_keeps_what_the_user_added(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        mine = server.create_endpoint("github", name="Our GitHub")
        sha = "a" * 40
        send_github(
            server,
            mine,
            [
                (
                    "push",
                    push("us/app", sha, now - timedelta(days=2), [(sha, now - timedelta(days=3))]),
                ),
                ("deployment_status", deployment("us/app", 7, sha, now - timedelta(days=2))),
            ],
        )
        with server.client() as c:
            batch = [
                custom("signup", "our-user", now - timedelta(days=1)),
                custom("opened app", "our-user", now - timedelta(hours=1)),
            ]
            assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
            assert c.post("/api/v1/rules", json=RULE).status_code == 201
        server.wait_for_events(4)
        before = _snapshot(server)
        assert len(before["events"]) == 4 and before["deployments"] == 1

        filled = server.cli("demo", timeout=180)
        assert filled.returncode == 0, filled.stderr
        assert "loaded the demo company into workspace 1" in filled.stdout
        during = _snapshot(server)
        assert len(during["events"]) > 12_000
        assert during["deployments"] > 150
        assert len(during["rules"]) == 6
        assert set(before["events"]) <= set(during["events"])
        # `echodash demo` (unlike `serve --demo`) keeps the workspace's name.
        assert during["workspace"] == before["workspace"]
        again = server.cli("demo")
        assert again.returncode == 1 and "has the demo data already" in again.stderr

        removed = server.cli("demo", "--remove")
        assert removed.returncode == 0, removed.stderr
        assert "5 rules" in removed.stdout and "7 endpoints" in removed.stdout
        after = _snapshot(server)
        assert after["events"] == before["events"]
        assert after["rules"] == before["rules"] == ["My deploys"]
        assert after["deployments"] == 1
        assert after["dau"] == before["dau"]
        # The demo's endpoints are gone; the custom endpoint the user's events came through
        # stays, and so does the alerts' one EchoDash made when the demo's first alert fired
        # (as it makes it for any first alert), with nothing left in it.
        assert before["endpoints"] == ["Custom events", "Our GitHub"]
        assert after["endpoints"] == ["Custom events", "EchoDash alerts", "Our GitHub"]
        with server.client() as c:
            assert c.get("/api/v1/alerts").json()["alerts"] == []
        assert server.cli("demo", "--remove").returncode == 1
    finally:
        server.stop()
