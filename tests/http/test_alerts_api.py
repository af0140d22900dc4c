"""`/api/v1/alerts` and `/api/v1/services` against a real server. Alerts are opened through
the store's own `evaluate()` on the server's database (as the evaluation service does), so
these tests need no evaluator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from echodash.store.base import Store
from echodash.store.base.alerts import EvaluationBatch, EvaluationWork, OpenAlert
from tests.http.alerting import client, member_token, other_workspace, rule, with_server_store
from tests.support import Server

ALERT_KEYS = {"id", "rule_id", "status", "opened_at", "resolved_at", "event_count", "events",
              "suspects"}  # fmt: skip


def _open_alerts(server: Server, opened: list[OpenAlert]) -> None:
    async def work(store: Store) -> None:
        async def decide(batch: EvaluationBatch) -> EvaluationWork:
            return EvaluationWork(opened=opened)

        await store.evaluate(0, decide, now=datetime.now(UTC))

    with_server_store(server, work)


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, Any]:
    """A rule, a deploy and an error event, and two alerts: the older one names the deploy as
    its suspect."""
    with server.client() as c:
        saved = c.post("/api/v1/rules", json=rule("checkout errors")).json()
        deploy = {"event": "Deployed", "category": "deployment", "service": "github:acme/web",
                  "environment": "production", "timestamp": "2026-12-01T09:46:00Z"}  # fmt: skip
        error = {"event": "Checkout error", "service": "github:acme/web",
                 "timestamp": "2026-12-01T10:00:00Z"}  # fmt: skip
        assert c.post("/api/v1/events", json={"batch": [deploy, error]}).status_code == 202
    events = {e["type"]: e for e in server.wait_for_events(2)}
    opened_at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    reason = "deployed to production in acme/web 14 min before"
    _open_alerts(
        server,
        [
            OpenAlert(
                workspace_id=1,
                rule_id=saved["id"],
                group="",
                opened_at=opened_at,
                reason="a matching event",
                event_ids=(events["Checkout error"]["id"],),
                suspects=[{"event_id": events["Deployed"]["id"], "reason": reason, "score": 0.9}],
            ),
            OpenAlert(
                workspace_id=1,
                rule_id=saved["id"],
                group="github:acme/web",
                opened_at=opened_at + timedelta(hours=1),
                reason="a matching event",
                event_ids=(),
                suspects=[],
            ),
        ],
    )
    alerts = _alerts(server)
    return {"rule": saved, "events": events, "alerts": alerts, "reason": reason}


def _alerts(server: Server, **params: Any) -> list[dict[str, Any]]:
    with server.client() as c:
        answer = c.get("/api/v1/alerts", params=params)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["alerts"]
        return found


def test_alerts_are_listed_newest_first_with_their_events_and_suspects(
    world: dict[str, Any],
) -> None:
    newer, older = world["alerts"][:2]
    assert newer["id"] > older["id"]
    for alert in (newer, older):
        assert set(alert) >= ALERT_KEYS
        assert alert["status"] == "firing" and alert["resolved_at"] is None
        assert alert["rule_id"] == world["rule"]["id"]
        assert alert["rule_name"] == "checkout errors"
    assert older["opened_at"] == "2026-12-01T10:00:00.000Z"
    assert older["events"] == [world["events"]["Checkout error"]["id"]]
    assert older["event_count"] == 1
    (suspect,) = older["suspects"]
    deploy = world["events"]["Deployed"]
    assert suspect == {**deploy, "reason": world["reason"], "score": 0.9}
    assert newer["group"] == "github:acme/web" and newer["suspects"] == []


def test_alerts_page_with_a_cursor_and_filter_by_status(
    server: Server, world: dict[str, Any]
) -> None:
    with server.client() as c:
        first = c.get("/api/v1/alerts", params={"limit": 1}).json()
        assert [a["id"] for a in first["alerts"]] == [world["alerts"][0]["id"]]
        assert first["next_cursor"]
        second = c.get("/api/v1/alerts", params={"limit": 1, "cursor": first["next_cursor"]})
        assert [a["id"] for a in second.json()["alerts"]] == [world["alerts"][1]["id"]]
        for params in ({"status": "open"}, {"cursor": "nonsense"}, {"limit": "0"},
                       {"sort": "oldest"}):  # fmt: skip
            answer = c.get("/api/v1/alerts", params=params)
            assert answer.status_code == 400, params
            assert answer.json()["error"] == "bad_parameter"
    assert all(a["status"] == "firing" for a in _alerts(server, status="firing"))


def test_a_member_acknowledges_and_resolves_an_alert(server: Server, world: dict[str, Any]) -> None:
    """On call, whoever is paged acknowledges: members may, as admins may."""
    alert_id = world["alerts"][1]["id"]
    with client(server, member_token(server)) as m:
        acked = m.post(f"/api/v1/alerts/{alert_id}/ack")
        assert acked.status_code == 200, acked.text
        assert acked.json()["status"] == "acknowledged"
        assert acked.json()["acknowledged_at"] is not None
        assert alert_id in [a["id"] for a in _alerts(server, status="acknowledged")]
        resolved = m.post(f"/api/v1/alerts/{alert_id}/resolve").json()
        assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
        # Resolved stays resolved.
        assert m.post(f"/api/v1/alerts/{alert_id}/ack").json()["status"] == "resolved"
        detail = m.get(f"/api/v1/alerts/{alert_id}").json()
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds[0] == "opened" and "acknowledged" in kinds and kinds[-1] == "resolved"
    assert all({"at", "kind", "detail"} <= set(entry) for entry in detail["timeline"])
    assert alert_id in [a["id"] for a in _alerts(server, status="resolved")]
    assert alert_id not in [a["id"] for a in _alerts(server, status="firing")]


def test_another_workspaces_alerts_are_not_found(server: Server, world: dict[str, Any]) -> None:
    alert_id = world["alerts"][0]["id"]
    _, token = other_workspace(server, "Alert snoops")
    with client(server, token) as other:
        assert other.get("/api/v1/alerts").json() == {"alerts": [], "next_cursor": None}
        for method, path in (("GET", ""), ("POST", "/ack"), ("POST", "/resolve")):
            answer = other.request(method, f"/api/v1/alerts/{alert_id}{path}")
            assert answer.status_code == 404, (method, path)
        assert other.get("/api/v1/alerts/abc").status_code == 404
    with server.client() as c:
        assert c.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "firing"


def test_linked_services_are_saved_checked_and_kept_per_workspace(server: Server) -> None:
    services = [
        {"name": "web", "members": ["github:acme/web", "cloudflare:example.com", "vercel:web"]},
        {"name": "api", "members": ["github:acme/api"]},
    ]
    with server.client() as c:
        assert c.get("/api/v1/services").json() == {"services": []}
        saved = c.put("/api/v1/services", json={"services": services})
        assert saved.status_code == 200, saved.text
        assert saved.json() == {"services": services}
        assert c.get("/api/v1/services").json() == {"services": services}
    _, token = other_workspace(server, "Services elsewhere")
    with client(server, token) as other:
        assert other.get("/api/v1/services").json() == {"services": []}
    with client(server, member_token(server)) as m:
        assert m.get("/api/v1/services").json() == {"services": services}
        refused = m.put("/api/v1/services", json={"services": []})
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    with server.client() as c:
        assert c.get("/api/v1/services").json() == {"services": services}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "services"),
        ({"services": {"web": []}}, "services"),
        ({"services": [{"name": "", "members": ["github:a/b"]}]}, "services.0.name"),
        ({"services": [{"name": "web", "members": []}]}, "services.0.members"),
        ({"services": [{"name": "web", "members": ["acme/web"]}]}, "services.0.members.0"),
        ({"services": [{"name": "web", "members": [":web"]}]}, "services.0.members.0"),
        ({"services": [{"name": "web", "members": ["github:"]}]}, "services.0.members.0"),
        ({"services": [{"name": "web", "members": ["github:a/b"], "owner": "x"}]},
         "services.0.owner"),
        ({"services": [{"name": "web", "members": ["a:b"]}, {"name": "web", "members": ["c:d"]}]},
         "services.1.name"),
        ({"services": [{"name": "w", "members": ["a:b"] * 101}]}, "services.0.members"),
        ({"services": [{"name": "x" * 101, "members": ["a:b"]}]}, "services.0.name"),
        ({"services": [{"name": "web", "members": ["github:a\nb"]}]}, "services.0.members.0"),
    ],
)  # fmt: skip
def test_wrong_services_are_refused_naming_the_field(
    server: Server, body: dict[str, Any], field: str
) -> None:
    with server.client() as c:
        answer = c.put("/api/v1/services", json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_services"
        assert answer.json()["detail"].startswith(f"{field}: ")
