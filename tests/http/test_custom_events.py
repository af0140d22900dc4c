"""`POST /api/v1/events`: a team's own events, one or a batch, over real HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.support import Server


def _wait(server: Server, count: int, **params: Any) -> list[dict[str, Any]]:
    return server.wait_for_events(count, source="custom", **params)


def test_one_event_in_the_native_format_becomes_a_feed_event(server: Server) -> None:
    with server.client() as c:
        answer = c.post(
            "/api/v1/events",
            json={
                "event": "Upgraded plan",
                "source": "web-app",
                "distinct_id": "u_1001",
                "timestamp": "2026-10-01T09:30:00Z",
                "values": {"plan": "team", "seats": 12, "billing": {"interval": "year"}},
                "id": "evt-upgrade-1001",
            },
        )
    assert answer.status_code == 202, answer.text
    assert answer.json() == {
        "status": "accepted",
        "accepted": 1,
        "duplicates": 0,
        "id": "evt-upgrade-1001",
        "duplicate": False,
    }
    [event] = _wait(server, 1, type="Upgraded plan")
    assert event["title"] == "u_1001 Upgraded plan"
    assert event["actor"] == "u_1001"
    assert event["subject"] == "web-app"
    assert event["occurred_at"] == "2026-10-01T09:30:00.000Z"  # backfilled: its own time
    assert event["fields"] == {
        "distinct_id": "u_1001",
        "plan": "team",
        "seats": 12,
        "billing.interval": "year",
    }
    assert "custom" in event["tags"]


def test_the_properties_form_and_idempotency_keys(server: Server) -> None:
    body = {"event": "Signed up", "distinct_id": "u_7", "properties": {"referrer": "ads"}}
    with server.client(headers={"Idempotency-Key": "signup-u_7"}) as c:
        first = c.post("/api/v1/events", json=body)
        again = c.post("/api/v1/events", json=body)
    assert first.json()["duplicate"] is False and first.json()["id"] == "signup-u_7"
    assert again.status_code == 202 and again.json()["duplicate"] is True
    with server.client() as c:
        same_id = c.post("/api/v1/events", json={**body, "id": "own-id-1"})
        same_id_again = c.post("/api/v1/events", json={**body, "id": "own-id-1"})
    assert same_id.json()["duplicate"] is False
    assert same_id_again.json()["duplicate"] is True
    events = _wait(server, 2, type="Signed up")
    time.sleep(0.3)
    assert len(server.all_events(source="custom", type="Signed up")) == 2
    assert {e["fields"]["referrer"] for e in events} == {"ads"}


def test_an_event_keeps_category_service_environment_outcome_and_commits(
    server: Server,
) -> None:
    vocabulary = {
        "category": "deployment",
        "service": "web-app",
        "environment": "production",
        "outcome": "success",
        "commits": ["9f2c1ab4e"],
    }
    with server.client() as c:
        answer = c.post("/api/v1/events", json={"event": "Deployed", **vocabulary})
        assert answer.status_code == 202, answer.text
        [event] = _wait(server, 1, type="Deployed")
        stored = c.get(f"/api/v1/events/{event['id']}").json()
    # Kept in the delivery, from which the event is made (and made again on a re-parse).
    assert {k: v for k, v in json.loads(stored["raw"]["body"]).items() if k in vocabulary} == (
        vocabulary
    )
    # And on the event itself, which says it came through the API.
    assert {k: stored[k] for k in vocabulary} == vocabulary
    assert stored["origin"] == "api"
    found = server.all_events(category="deployment", service="web-app", origin="api")
    assert [e["id"] for e in found] == [event["id"]]


def test_a_batch_is_stored_whole_and_a_retried_batch_once(server: Server) -> None:
    batch = [
        {"event": "Page viewed", "distinct_id": f"u_{n}", "values": {"n": n}} for n in range(25)
    ]
    with server.client(headers={"Idempotency-Key": "views-batch-1"}) as c:
        answer = c.post("/api/v1/events", json={"batch": batch})
        retried = c.post("/api/v1/events", json={"batch": batch})
    assert answer.status_code == 202
    assert answer.json() == {"status": "accepted", "accepted": 25, "duplicates": 0}
    assert retried.json() == {"status": "accepted", "accepted": 0, "duplicates": 25}
    events = _wait(server, 25, type="Page viewed")
    assert sorted(e["fields"]["n"] for e in events) == list(range(25))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"distinct_id": "u_1"}, "`event` is required"),
        ({"event": ""}, "`event` must be 1 to 200 characters"),
        ({"event": "x", "timestamp": "yesterday"}, "is not ISO-8601"),
        ({"event": "x", "timestamp": "2026-10-01T09:30:00"}, "needs a time zone"),
        ({"event": "x", "timestamp": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"event": "x", "timestamp": "0001-01-01T00:00:00+01:00"}, "from 0001-01-02 to an hour"),
        ({"event": "x", "values": [1, 2]}, "`values` must be a JSON object"),
        ({"event": "x", "values": {}, "properties": {}}, "not both"),
        ({"event": "x", "user": "u_1"}, "unknown field `user`"),
        ({"batch": []}, "non-empty list"),
        ({"batch": [{"event": "ok"}, {"nope": 1}]}, "batch[1]: unknown field `nope`"),
        ({"event": "x", "category": "deploys"}, "`category` must be one of deployment, change"),
        ({"event": "x", "outcome": "passed"}, "`outcome` must be one of started, success"),
        ({"event": "x", "commits": "abc"}, "`commits` must be a list"),
    ],
)
def test_invalid_events_are_refused_and_nothing_is_stored(
    server: Server, body: dict[str, Any], problem: str
) -> None:
    before = len(server.all_events(source="custom"))
    with server.client() as c:
        answer = c.post("/api/v1/events", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_event"
    assert problem in answer.json()["detail"]
    assert "Nothing was stored" in answer.json()["detail"] or "batch" in str(body)
    time.sleep(0.2)
    assert len(server.all_events(source="custom")) == before


def test_limits_and_auth(server: Server) -> None:
    too_many = {"batch": [{"event": "x"}] * 10_001}
    with server.client() as c:
        answer = c.post("/api/v1/events", json=too_many)
    assert answer.status_code == 400 and "at most 10,000" in answer.json()["detail"]
    assert httpx.post(server.url + "/api/v1/events", json={"event": "x"}).status_code == 401
    member = server.cli("tokens", "create", "--role", "member").stdout.strip()
    answer = httpx.post(
        server.url + "/api/v1/events",
        json={"event": "Member sent"},
        headers={"Authorization": f"Bearer {member}"},
    )
    assert answer.status_code == 202


def test_the_custom_endpoints_receive_url_takes_nothing(server: Server) -> None:
    with server.client() as c:
        c.post("/api/v1/events", json={"event": "Made the endpoint"})
        endpoints = c.get("/api/v1/endpoints").json()["endpoints"]
    [custom] = [e for e in endpoints if e["kind"] == "custom"]
    assert custom["name"] == "Custom events"
    answer = httpx.post(custom["url"], json={"event": "Sneaky"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "use_the_api"


def _nested(levels: int) -> str:
    """JSON text of an object `levels` deep: {"a":{"a":…{}}}."""
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def test_values_nested_too_deep_are_refused_naming_the_event(server: Server) -> None:
    # 300 levels is valid JSON the server reads, but deeper than it can write back.
    deep = '{"event": "Deep", "values": ' + _nested(300) + "}"
    bodies = {
        "one": deep,
        "batch": '{"batch": [{"event": "Shallow"}, ' + deep + "]}",
        "limit": '{"event": "Deep enough", "values": ' + _nested(64) + "}",
    }
    with server.client(headers={"content-type": "application/json"}) as c:
        answers = {name: c.post("/api/v1/events", content=body) for name, body in bodies.items()}
    problem = "`values` may nest objects and lists at most 64 levels deep"
    for name in ("one", "batch"):
        assert answers[name].status_code == 400, answers[name].text
        assert answers[name].json()["error"] == "invalid_event"
    assert answers["one"].json()["detail"] == f"Nothing was stored: {problem}."
    assert answers["batch"].json()["detail"] == f"Nothing was stored: batch[1]: {problem}."
    assert answers["limit"].status_code == 202, answers["limit"].text
    [event] = _wait(server, 1, type="Deep enough")
    assert event["fields"] == {}  # nothing but nested objects: no scalar to show
    assert not server.all_events(source="custom", type="Deep")
    assert not server.all_events(source="custom", type="Shallow")
