"""The vocabulary over HTTP: signed GitHub deliveries to a real server come back from the
events API (and the live stream) with their category, service, environment, outcome and
commits, and `category=`, `service=`, `environment=`, `outcome=` and `origin=` select exactly
the right ones (on whichever backend the suite runs servers on)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest

from tests.support import (
    GITHUB_FIXTURES,
    Server,
    StreamListener,
    first_admin_client,
    github_headers,
)

SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"


def _payload(event: str, repository: str) -> bytes:
    """A real GitHub payload of `event`, about `repository` instead of the fixture's."""
    name = "opened.payload.json" if event == "issues" else "payload.json"
    doc = orjson.loads((GITHUB_FIXTURES / event / name).read_bytes())
    owner, name = repository.split("/")
    doc["repository"]["full_name"] = repository
    doc["repository"]["name"] = name
    doc["repository"]["owner"]["login"] = owner
    doc["repository"]["html_url"] = f"https://github.com/{repository}"
    return orjson.dumps(doc)


def _send(endpoint: dict[str, Any], event: str, repository: str) -> None:
    body = _payload(event, repository)
    r = httpx.post(
        endpoint["url"],
        content=body,
        headers=github_headers(endpoint["secret"], body, event, str(uuid.uuid4())),
        timeout=10,
    )
    assert r.status_code == 202, r.text


@pytest.fixture(scope="module")
def sent(server: Server) -> dict[str, Any]:
    """Deployments, a push and an issue of two repositories (unique names per module)."""
    tag = uuid.uuid4().hex[:8]
    web, api = f"acme-{tag}/web", f"acme-{tag}/api"
    endpoint = server.create_endpoint("github", name=f"acme-{tag}")
    for event, repository in (
        ("deployment", web),
        ("deployment_status", web),
        ("deployment_status", api),
        ("push", web),
        ("issues", web),
    ):
        _send(endpoint, event, repository)
    server.wait_for_events(5, endpoint=endpoint["id"])
    return {"web": web, "api": api, "endpoint": endpoint}


def test_category_and_service_select_exactly_the_deployments_of_one_repository(
    server: Server, sent: dict[str, Any]
) -> None:
    found = server.all_events(category="deployment", service=f"github:{sent['web']}")
    assert [
        (e["type"], e["category"], e["service"], e["environment"], e["outcome"], e["commits"])
        for e in found
    ] == [
        (
            "deployment_status.created",
            "deployment",
            f"github:{sent['web']}",
            "production",
            "success",
            [SHA],
        ),
        (
            "deployment.created",
            "deployment",
            f"github:{sent['web']}",
            "production",
            "started",
            [SHA],
        ),
    ]
    assert all(e["origin"] == "webhook" for e in found)
    # The other repository's deployment, and the web repository's other events, stay out.
    api = server.all_events(category="deployment", service=f"github:{sent['api']}")
    assert [e["type"] for e in api] == ["deployment_status.created"]
    everything = server.all_events(service=f"github:{sent['web']}")
    assert sorted(e["category"] for e in everything) == [
        "deployment",
        "deployment",
        "issue",
        "release",  # the fixture's push deletes a tag
    ]


def test_environment_outcome_and_origin_filters(server: Server, sent: dict[str, Any]) -> None:
    endpoint = sent["endpoint"]["id"]
    succeeded = server.all_events(endpoint=endpoint, outcome="success")
    assert sorted(e["service"] for e in succeeded) == sorted(
        [f"github:{sent['api']}", f"github:{sent['web']}"]
    )
    assert len(server.all_events(endpoint=endpoint, environment="production")) == 3
    assert len(server.all_events(endpoint=endpoint, origin="webhook")) == 5
    assert server.all_events(endpoint=endpoint, origin="api") == []


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        ({"category": "deploy"}, "`category` must be one of: deployment, change, review"),
        ({"outcome": "ok"}, "`outcome` must be one of: started, success, failure"),
        ({"origin": "email"}, "`origin` must be one of: webhook, api, replay, import"),
    ],
)
def test_an_unknown_word_is_refused_with_the_words_allowed(
    server: Server, query: dict[str, str], allowed: str
) -> None:
    with server.client() as c:
        for path in ("/api/v1/events", "/api/v1/stream"):
            r = c.get(path, params=query)
            assert r.status_code == 400, (path, r.text)
            assert r.json()["error"] == "bad_parameter"
            assert allowed in r.json()["detail"]


def test_the_live_stream_takes_the_same_filters(server: Server, sent: dict[str, Any]) -> None:
    with StreamListener(server, category="deployment", service=f"github:{sent['api']}") as live:
        _send(sent["endpoint"], "push", sent["api"])  # same service, another category
        _send(sent["endpoint"], "deployment_status", sent["web"])  # another service
        _send(sent["endpoint"], "deployment", sent["api"])  # the one that matches
        _, event, _ = live.next(timeout=10)
    assert (event["type"], event["service"], event["outcome"]) == (
        "deployment.created",
        f"github:{sent['api']}",
        "started",
    )


def test_the_cli_lists_by_the_same_filters(server: Server, sent: dict[str, Any]) -> None:
    listed = server.cli(
        "events",
        "list",
        "--category",
        "deployment",
        "--service",
        f"github:{sent['web']}",
        "--outcome",
        "success",
        "--json",
    )
    assert listed.returncode == 0, listed.stderr
    found = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert {(e["type"], e["service"], e["environment"], e["origin"]) for e in found} == {
        ("deployment_status.created", f"github:{sent['web']}", "production", "webhook")
    }
    # Exactly what the API finds with the same filters (the terminal shows newest last).
    api = server.all_events(category="deployment", service=f"github:{sent['web']}")
    assert [e["id"] for e in found] == [e["id"] for e in api if e["outcome"] == "success"][::-1]
    refused = server.cli("events", "list", "--category", "deploy")
    assert refused.returncode == 2
    assert "'deploy' is not one of 'deployment', 'change'" in refused.stderr


def test_the_feed_filters_by_category_and_service(server: Server, sent: dict[str, Any]) -> None:
    with first_admin_client(server) as browser:
        page = browser.get(
            "/", params={"category": "deployment", "service": f"github:{sent['api']}"}
        )
        assert page.status_code == 200
        text = page.text
    assert f'<option value="github:{sent["api"]}" selected>' in text
    assert '<option value="deployment" selected>deployment</option>' in text
    assert "Deployment of master to production succeeded" in text
    assert "deleted tag" not in text  # the push of the same repository is another category
