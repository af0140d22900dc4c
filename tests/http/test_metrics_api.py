"""`/api/v1/metrics/...` over real HTTP: signed GitHub and Stripe deliveries built from the
shared fixtures, and custom events, give the worked examples of specs/metrics.md exactly —
whatever the duplicates, replays and delivery order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support import GITHUB_FIXTURES, Server, github_headers

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday
SINCE = "2026-10-01T00:00:00Z"
UNTIL = "2026-11-01T00:00:00Z"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GITHUB_FIXTURES / name).read_text())
    return document


def with_repo(document: dict[str, Any], repo: str) -> dict[str, Any]:
    document["repository"]["full_name"] = repo
    document["repository"]["name"] = repo.split("/")[1]
    return document


def push(repo: str, head: str, at: datetime, commits: list[tuple[str, datetime]]) -> bytes:
    document = with_repo(fixture("push/payload.json"), repo)
    template = {"message": "change", "distinct": True, "added": [], "removed": [], "modified": []}
    document.update(
        ref="refs/heads/main",
        before="0" * 39 + "1",
        after=head,
        created=False,
        deleted=False,
        base_ref=None,
        commits=[{**template, "id": sha, "timestamp": iso(when)} for sha, when in commits],
        head_commit={**template, "id": head, "timestamp": iso(commits[-1][1])},
    )
    document["repository"]["pushed_at"] = int(at.timestamp())
    return json.dumps(document).encode()


def deployment(repo: str, number: int, sha: str, at: datetime, env: str = "production") -> bytes:
    document = with_repo(fixture("deployment_status/payload.json"), repo)
    document["deployment"].update(id=number, sha=sha, ref="main", environment=env)
    document["deployment_status"].update(
        id=number * 10, state="success", environment=env, created_at=iso(at)
    )
    return json.dumps(document).encode()


def incident(repo: str, action: str, opened: datetime, closed: datetime | None) -> bytes:
    document = with_repo(fixture("issues/opened.payload.json"), repo)
    document["action"] = action
    document["issue"].update(
        number=77,
        labels=[{"id": 1, "name": "incident", "color": "f00", "default": False}],
        created_at=iso(opened),
        closed_at=None if closed is None else iso(closed),
        state="closed" if closed else "open",
    )
    return json.dumps(document).encode()


def send_github(
    server: Server, endpoint: dict[str, Any], deliveries: list[tuple[str, bytes]]
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for event, body in deliveries:
            answer = c.post(
                f"/in/{endpoint['slug']}",
                content=body,
                headers=github_headers(endpoint["secret"], body, event),
            )
            assert answer.status_code == 202, answer.text


def metric(server: Server, name: str, **params: Any) -> dict[str, Any]:
    with server.client() as c:
        answer = c.get(f"/api/v1/metrics/{name}", params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_dora_from_signed_github_deliveries(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="dora")
    minute = timedelta(minutes=1)
    # acme/lead: one first-ever deployment bringing four commits 480, 240, 120 and 60 minutes
    # old: the worked example's lead times (median 180, p90 408).
    deploy_at = T0 + 480 * minute
    commits = [("a" * 40, T0), ("b" * 40, T0 + 240 * minute), ("c" * 40, T0 + 360 * minute),
               ("d" * 40, T0 + 420 * minute)]  # fmt: skip
    lead = [
        ("push", push("acme/lead", "d" * 40, T0 + 430 * minute, commits)),
        ("deployment_status", deployment("acme/lead", 101, "d" * 40, deploy_at)),
        # Staging is not production: it counts nowhere.
        ("deployment_status", deployment("acme/lead", 102, "d" * 40, deploy_at, "staging")),
        # Another production environment: its own first deployment.
        ("deployment_status", deployment("acme/lead", 103, "d" * 40, deploy_at, "production-eu")),
    ]
    # acme/ops: two deployments a day apart; an incident opened after the second one and
    # closed 30 minutes later: change failure rate 1/2, recovery 30 minutes, and a third
    # deployment made while it was open (rework).
    day, e, f = timedelta(days=1), "e" * 40, "f" * 40
    d1, d2 = T0 + day, T0 + 2 * day
    ops = [
        ("push", push("acme/ops", e, d1 - 60 * minute, [(e, d1 - 90 * minute)])),
        ("deployment_status", deployment("acme/ops", 201, e, d1)),
        ("push", push("acme/ops", f, d2 - 60 * minute, [(f, d2 - 120 * minute)])),
        ("deployment_status", deployment("acme/ops", 202, f, d2)),
        ("issues", incident("acme/ops", "closed", d2 + 60 * minute, d2 + 90 * minute)),
        ("issues", incident("acme/ops", "opened", d2 + 60 * minute, None)),
        ("deployment_status", deployment("acme/ops", 203, f, d2 + 70 * minute)),
    ]
    # Out of order (the incident's close arrives first), and every delivery twice: once as
    # GitHub's own redelivery (the same delivery id, a duplicate) ...
    send_github(server, endpoint, lead + ops)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for event, body in (lead + ops)[:2]:
            headers = github_headers(endpoint["secret"], body, event, delivery="same-delivery")
            for _ in range(2):
                assert (
                    c.post(f"/in/{endpoint['slug']}", content=body, headers=headers).status_code
                    == 202
                )
    # ... and as a new delivery of the same facts (a deployment reported twice).
    send_github(server, endpoint, [ops[1]])
    events = server.wait_for_events(len(lead + ops) + 2, source="github")
    # A replay of a stored deployment changes nothing either.
    deployed = next(e for e in events if e["type"].startswith("deployment_status"))
    with server.client() as c:
        assert c.post(f"/api/v1/events/{deployed['id']}/replay").status_code == 202
    server.wait_for_events(1, source="github", origin="replay")

    found = metric(
        server, "dora", since=SINCE, until=UNTIL, repository="acme/lead", environment="production"
    )
    assert found["deployment_frequency"]["count"] == 1
    assert found["lead_time_minutes"] == {"median": 180.0, "p90": 408.0, "band": "elite"}
    assert found["change_failure_rate"] == {"value": 0.0, "band": "elite"}
    assert found["recovery_time_minutes"] == {"median": None, "band": None}

    ops_found = metric(server, "dora", since=SINCE, until=UNTIL, repository="github:acme/ops")
    assert ops_found["deployment_frequency"]["count"] == 3
    assert ops_found["lead_time_minutes"]["median"] == 105.0  # 90 and 120 minutes
    assert ops_found["change_failure_rate"] == {"value": 0.3333, "band": "low"}
    assert ops_found["recovery_time_minutes"] == {"median": 30.0, "band": "elite"}
    assert ops_found["rework_rate"] == {"value": 0.3333}

    everything = metric(server, "dora", since=SINCE, until=UNTIL)
    assert everything["deployment_frequency"]["count"] == 5
    assert everything["deployment_frequency"]["per_week"] == round(5 / 31 * 7, 4)
    # The environment filter: deployments to production-eu only.
    eu = metric(server, "dora", since=SINCE, until=UNTIL, environment="production-eu")
    assert eu["deployment_frequency"]["count"] == 1
    empty = metric(server, "dora", since="2025-01-01T00:00:00Z", until="2025-02-01T00:00:00Z")
    assert empty["deployment_frequency"] == {"count": 0, "per_week": 0.0, "band": "low"}
    assert empty["change_failure_rate"] == {"value": None, "band": None}


def test_metric_parameters_are_checked(server: Server) -> None:
    with server.client() as c:
        for path, params in [
            ("dora", {"since": "yesterday"}),
            ("dora", {"since": UNTIL, "until": SINCE}),
            ("dora", {"repo": "x"}),
            ("revenue", {"currency": "dollars"}),
            ("retention", {"start_event": "a"}),
            ("retention", {"start_event": "a", "return_event": "b", "period": "year"}),
            ("funnel", {}),
            ("funnel", {"steps": "a,,b"}),
            ("funnel", {"steps": "a", "window_days": "0"}),
            ("time-to-value", {}),
        ]:
            answer = c.get(f"/api/v1/metrics/{path}", params=params)
            assert answer.status_code == 400, (path, params, answer.text)
            assert answer.json()["error"] == "bad_parameter"
        assert httpx.get(f"{server.url}/api/v1/metrics/dora").status_code == 401
