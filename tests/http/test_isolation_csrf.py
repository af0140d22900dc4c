"""Every route, checked two ways against a real server:

- CSRF: a signed-in browser's state-changing request without its CSRF token (or from another
  site) is refused and changes nothing;
- isolation: a person of one workspace never reads or changes another workspace's endpoints,
  events, members, tokens, templates, rules or alerts, whatever ids they put in the URL.

Routes are read from the app's route list, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from echodash.events import utcnow
from echodash.store.base.alerts import EvaluationBatch, EvaluationWork, OpenAlert
from echodash.web.routes import routes
from tests.http.alerting import with_server_store
from tests.support import GITHUB_FIXTURES, Server, github_headers

PASSWORD = "correct horse battery staple"
UNSAFE = ("POST", "PATCH", "DELETE", "PUT")
# Reached without a session or token by design: senders, health checks, and the pages that
# sign people in.
PUBLIC = {
    "/in/{slug}",
    "/healthz",
    "/setup",
    "/login",
    "/assets/sources.svg",
    "/assets/sources.css",
}
PUBLIC_PREFIXES = ("/invite/",)
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass
class Person:
    client: httpx.Client
    csrf: str = ""
    user_id: int = 0
    endpoint: dict[str, object] = field(default_factory=dict)
    event_id: int = 0
    token_id: int = 0
    api_token: str = ""
    rule_id: int = 0
    alert_id: int = 0
    backfill_id: int = 0


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert found, html[:500]
    return found.group(1)


def _setup_link(server: Server) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = re.search(r"create the first admin at (\S+)", server.log())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError("no setup link in the log")


def _browser(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10, headers={"accept": "text/html"})


def _refresh_csrf(person: Person) -> None:
    person.csrf = _csrf(person.client.get("/settings").text)


def _endpoint_and_event(server: Server, person: Person, name: str) -> None:
    created = person.client.post(
        "/api/v1/endpoints",
        json={"kind": "github", "name": name},
        headers={"X-CSRF-Token": person.csrf, "accept": "application/json"},
    )
    assert created.status_code == 201, created.text
    person.endpoint = created.json()
    body = (GITHUB_FIXTURES / "pull_request" / "opened.payload.json").read_bytes()
    secret = str(person.endpoint["secret"])
    sent = httpx.post(
        str(person.endpoint["url"]),
        content=body,
        headers=github_headers(secret, body, "pull_request"),
    )
    assert sent.status_code == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = person.client.get("/api/v1/events", headers={"accept": "application/json"}).json()[
            "events"
        ]
        if events:
            person.event_id = events[0]["id"]
            return
        time.sleep(0.05)
    raise AssertionError("the event did not arrive")


def _rule_and_alert(server: Server, person: Person, name: str) -> None:
    """An alert rule named `name`, and an alert of it (opened through the store, as the
    evaluation service does)."""
    api = {"X-CSRF-Token": person.csrf, "accept": "application/json"}
    created = person.client.post(
        "/api/v1/rules",
        json={"name": name, "match": {"source": "github"}, "condition": {"kind": "every"}},
        headers=api,
    )
    assert created.status_code == 201, created.text
    person.rule_id = created.json()["id"]
    workspace_id = person.client.get("/api/v1/workspace", headers=api).json()["id"]
    opened = OpenAlert(workspace_id, person.rule_id, "", utcnow(), name, (person.event_id,), [])

    async def decide(batch: EvaluationBatch) -> EvaluationWork:
        return EvaluationWork(opened=[opened])

    with_server_store(server, lambda store: store.evaluate(0, decide, now=utcnow()))
    alerts = person.client.get("/api/v1/alerts", headers=api).json()["alerts"]
    person.alert_id = alerts[0]["id"]


def _backfill(server: Server, person: Person, marker: str) -> None:
    """A history import of the person's endpoint (made through the store: its API would
    read a real GitHub; this one's API root answers nothing and the run fails)."""
    workspace_id = person.client.get("/api/v1/workspace", headers={"accept": "application/json"})
    params = {"repo": f"acme/{marker}", "since": "90d", "api_url": "http://127.0.0.1:9"}
    run = with_server_store(
        server,
        lambda store: store.create_backfill(
            workspace_id.json()["id"],
            int(str(person.endpoint["id"])),
            "github",
            params,
            None,
            False,
        ),
    )
    person.backfill_id = run.id


def _personal_token(person: Person, name: str) -> None:
    # The form leads to the tokens page, which shows the new token once.
    page = person.client.post(
        "/settings/tokens", data={"csrf": person.csrf, "name": name}, follow_redirects=True
    )
    assert page.status_code == 200, page.text
    found = re.search(r"(edk_[A-Za-z0-9_-]{20,})", page.text)
    assert found, page.text
    person.api_token = found.group(1)
    ids = re.findall(r'action="/settings/tokens/(\d+)/revoke"', page.text)
    person.token_id = int(ids[-1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Person, Person]]:
    """Ada alone in workspace "Default"; Bob alone in workspace "Bob's team"."""
    # Bob, a member of Ada's workspace, makes his own: allowed by this setting.
    server = Server(
        tmp_path_factory.mktemp("iso") / "data", env={"ECHODASH_WORKSPACE_CREATORS": "everyone"}
    ).start()
    ada = Person(_browser(server))
    bob = Person(_browser(server))
    try:
        link = _setup_link(server).removeprefix(server.url)
        form = ada.client.get(link)
        ada.client.post(
            link,
            data={"csrf": _csrf(form.text), "name": "Ada", "email": "ada@example.com",
                  "password": PASSWORD},
        )  # fmt: skip
        _refresh_csrf(ada)
        invited = ada.client.post(
            "/settings/invitations",
            data={"csrf": ada.csrf, "role": "member"},
            follow_redirects=True,
        )
        invite = re.search(r"/invite/([A-Za-z0-9_-]+)", invited.text)
        assert invite, invited.text
        form = bob.client.get(f"/invite/{invite.group(1)}")
        joined = bob.client.post(
            f"/invite/{invite.group(1)}",
            data={"csrf": _csrf(form.text), "name": "Bob", "email": "bob@example.com",
                  "password": PASSWORD},
        )  # fmt: skip
        assert joined.status_code == 303, joined.text
        _refresh_csrf(bob)
        bob.client.post("/workspaces", data={"csrf": bob.csrf, "name": "Bob's team"})
        members = ada.client.get("/settings/members").text
        bob.user_id = int(re.findall(r"/settings/members/(\d+)/remove", members)[-1])
        removed = ada.client.post(
            f"/settings/members/{bob.user_id}/remove", data={"csrf": ada.csrf}
        )
        assert removed.status_code in (200, 303), removed.text
        ada.user_id = 1
        _refresh_csrf(bob)
        _endpoint_and_event(server, ada, "ada-repo-marker")
        _endpoint_and_event(server, bob, "bob-repo-marker")
        _rule_and_alert(server, ada, "ada-rule")
        _rule_and_alert(server, bob, "bob-rule-marker")
        _backfill(server, ada, "ada-backfill")
        _backfill(server, bob, "bob-backfill-marker")
        _personal_token(ada, "ada-laptop")
        _personal_token(bob, "bob-laptop-marker")
        saved = bob.client.post(
            "/templates/github:pull_request",
            data={"csrf": bob.csrf, "title": "BOBTEMPLATEMARKER {{ event.title }}"},
        )
        assert saved.status_code in (200, 303), saved.text
        yield server, ada, bob
    finally:
        ada.client.close()
        bob.client.close()
        server.stop()


def _route_methods() -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, route.path))
    return found


def _fill(path: str, owner: Person) -> str:
    values = {
        "endpoint_id": str(owner.endpoint.get("id", 1)),
        "event_id": str(owner.event_id),
        "user_id": str(owner.user_id),
        "token_id": str(owner.token_id),
        "fingerprint": "github:pull_request",
        "token": "not-a-real-invitation",
        "slug": str(owner.endpoint.get("slug", "x")),
        "rule_id": str(owner.rule_id),
        "alert_id": str(owner.alert_id),
        "backfill_id": str(owner.backfill_id),
        "index": "0",  # a rule's first action
    }
    return _PARAM.sub(lambda m: values[m.group(1)], path)


def _bob_markers(bob: Person) -> list[str]:
    return ["bob-repo-marker", "bob@example.com", "bob-laptop-marker", "BOBTEMPLATEMARKER",
            str(bob.endpoint["secret"]), str(bob.endpoint["slug"]), "Bob&#39;s team",
            "Bob's team", "bob-rule-marker"]  # fmt: skip


def _snapshot(server: Server, person: Person) -> dict[str, object]:
    """What a person's workspace holds, as its pages and API show it."""
    api = {"accept": "application/json"}
    strip = re.compile(r'(name="csrf" value="|content=")[^"]+"')
    return {
        "endpoints": person.client.get("/api/v1/endpoints", headers=api).json(),
        "events": [e["id"] for e in person.client.get("/api/v1/events", headers=api).json()[
            "events"]],
        "members": strip.sub("", person.client.get("/settings/members").text),
        "tokens": strip.sub("", person.client.get("/settings/tokens").text),
        "workspace": person.client.get("/api/v1/workspace", headers=api).json(),
        "views": strip.sub("", person.client.get("/").text).count('class="chip view'),
        "template": strip.sub("", person.client.get("/templates/github:pull_request").text),
        "rules": person.client.get("/api/v1/rules", headers=api).json(),
        "alerts": person.client.get("/api/v1/alerts", headers=api).json(),
        "services": person.client.get("/api/v1/services", headers=api).json(),
    }  # fmt: skip


def test_routes_need_a_session_or_token(world: tuple[Server, Person, Person]) -> None:
    server, _, _ = world
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        for method, path in _route_methods():
            if path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
                continue
            url = _PARAM.sub("1", path)
            answer = anonymous.request(method, url)
            assert answer.status_code in (401, 303), f"{method} {path}: {answer.status_code}"
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/login"), (method, path)


def test_state_changes_without_the_csrf_token_are_refused(
    world: tuple[Server, Person, Person],
) -> None:
    server, ada, _ = world
    before = _snapshot(server, ada)
    tried = 0
    for method, path in _route_methods():
        if method not in UNSAFE or path == "/in/{slug}":
            continue
        url = _fill(path, ada)
        # No token at all, a wrong token, and the right token sent from another site.
        attempts: list[dict[str, object]] = [
            {"data": {"name": "x", "title": "x", "role": "admin", "days": "7"}},
            {"data": {"csrf": "forged", "name": "x"}, "headers": {"X-CSRF-Token": "forged"}},
            {
                "data": {"csrf": ada.csrf, "name": "x"},
                "headers": {"X-CSRF-Token": ada.csrf, "Origin": "https://evil.example"},
            },
        ]
        for attempt in attempts:
            answer = ada.client.request(method, url, **attempt)  # type: ignore[arg-type]
            assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"
            tried += 1
    assert tried >= 3 * 20
    assert _snapshot(server, ada) == before


def test_no_route_shows_another_workspaces_data(world: tuple[Server, Person, Person]) -> None:
    server, ada, bob = world
    markers = _bob_markers(bob)
    with httpx.Client(
        base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {ada.api_token}"}
    ) as ada_api:
        for method, path in _route_methods():
            if method != "GET" or path in ("/feed/stream", "/api/v1/stream"):
                continue
            url = _fill(path, bob)
            for client in (ada.client, ada_api):
                answer = client.get(url)
                assert answer.status_code in (200, 303, 400, 401, 403, 404, 410), (path, answer)
                leaked = [m for m in markers if m in answer.text]
                assert not leaked, f"GET {path} shows {leaked} from another workspace"


def test_no_route_changes_another_workspaces_data(world: tuple[Server, Person, Person]) -> None:
    server, ada, bob = world
    before = _snapshot(server, bob)
    for method, path in _route_methods():
        if method not in UNSAFE or path == "/in/{slug}" or path in PUBLIC:
            continue
        if path in ("/logout", "/workspaces", "/views", "/views/change", "/settings/tokens",
                    "/settings/invitations", "/settings/retention", "/workspaces/switch",
                    "/settings/notifications/browser", "/settings/notifications/digest",
                    "/sources/new", "/api/v1/endpoints", "/api/v1/workspace",
                    "/settings/services", "/demo/load", "/demo/remove"):  # fmt: skip
            continue  # act on the caller's own workspace only: nothing of Bob's to aim at
        url = _fill(path, bob)
        answer = ada.client.request(
            method,
            url,
            data={"csrf": ada.csrf, "role": "member", "title": "hijack", "keep_old": "0"},
            headers={"X-CSRF-Token": ada.csrf},
        )
        # A template is named by event type, not by id: Ada's request changes Ada's own
        # template (checked below to leave Bob's alone); anything else must be refused.
        allowed = (200, 303, 400) if "{fingerprint" in path else (400, 403, 404, 410)
        assert answer.status_code in allowed, f"{method} {path}: {answer.status_code}"
    # Switching into a workspace one is not in is refused too.
    bobs_workspace = before["workspace"]["id"]  # type: ignore[index]
    answer = ada.client.post(
        "/workspaces/switch", data={"csrf": ada.csrf, "workspace": str(bobs_workspace)}
    )
    assert answer.status_code == 404
    assert _snapshot(server, bob) == before
    # Bob's token still works, so nothing of his was revoked.
    with httpx.Client(base_url=server.url, timeout=10) as c:
        r = c.get("/api/v1/events", headers={"Authorization": f"Bearer {bob.api_token}"})
        assert r.status_code == 200 and r.json()["events"][0]["id"] == bob.event_id


def test_the_world_is_what_the_tests_assume(world: tuple[Server, Person, Person]) -> None:
    """Guards the checks above against passing vacuously."""
    server, ada, bob = world
    assert ada.event_id and bob.event_id and ada.event_id != bob.event_id
    assert "bob-repo-marker" in bob.client.get("/sources").text
    assert "ada-repo-marker" in ada.client.get("/sources").text
    assert "BOBTEMPLATEMARKER" in bob.client.get("/templates/github:pull_request").text
    assert bob.client.get(f"/events/{ada.event_id}").status_code == 404
    # Each sees only the imports of their own workspace.
    api = {"accept": "application/json"}
    assert ada.backfill_id and bob.backfill_id and ada.backfill_id != bob.backfill_id
    assert bob.client.get(f"/api/v1/backfills/{bob.backfill_id}", headers=api).status_code == 200
    assert ada.client.get(f"/api/v1/backfills/{bob.backfill_id}", headers=api).status_code == 404
    assert isinstance(Path(server.data_dir), Path)
