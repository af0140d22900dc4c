"""Forms that create something answer with a redirect (reloading the page they land on creates
nothing), what is shown once is shown once, and endpoint names are unique in a workspace."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support import Server, first_admin_client, github_headers


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[httpx.Client]:
    with first_admin_client(server) as client:
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def endpoint_names(server: Server) -> list[str]:
    with server.client() as api:
        return [e["name"] for e in api.get("/api/v1/endpoints").json()["endpoints"]]


def test_creating_an_endpoint_redirects_and_a_reload_creates_nothing(
    server: Server, ada: httpx.Client
) -> None:
    form = ada.get("/sources/new?kind=github")
    answer = ada.post(
        "/sources/new",
        data={"csrf": csrf_of(form.text), "kind": "github", "name": "acme/web"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert re.fullmatch(r"/sources/\d+", target), target

    page = ada.get(target)
    assert page.status_code == 200
    assert "Endpoint created." in text_of(page.text)
    shown = re.search(r'<code id="shown-secret">([^<]+)</code>', page.text)
    assert shown, "the new secret is shown on the page the form leads to"
    secret = html.unescape(shown.group(1))

    # The secret is the endpoint's: a delivery signed with it is accepted.
    with server.client() as api:
        endpoint = next(
            e for e in api.get("/api/v1/endpoints").json()["endpoints"] if e["name"] == "acme/web"
        )
    body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    delivered = httpx.post(
        f"{server.url}/in/{endpoint['slug']}",
        content=body,
        headers=github_headers(secret, body, event="ping"),
    )
    assert delivered.status_code == 202, delivered.text

    # Reloading shows the page without the secret and the notice, and creates nothing.
    again = ada.get(target)
    assert again.status_code == 200
    assert secret not in again.text
    assert "Endpoint created." not in text_of(again.text)
    assert "the secret shown when the endpoint was created" in text_of(again.text)
    assert endpoint_names(server).count("acme/web") == 1


def test_rotating_a_secret_redirects_and_shows_the_new_secret_once(
    server: Server, ada: httpx.Client
) -> None:
    created = server.create_endpoint("github", name="acme/rotate")
    path = f"/sources/{created['id']}"
    answer = ada.post(
        f"{path}/rotate",
        data={"csrf": csrf_of(ada.get(path).text), "keep_old": "0"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == path
    page = ada.get(path)
    shown = re.search(r'<code id="shown-secret">([^<]+)</code>', page.text)
    assert shown and "New secret added." in text_of(page.text)
    again = ada.get(path)
    assert shown.group(1) not in again.text
    assert "New secret added." not in text_of(again.text)
    with server.client() as api:
        assert len(api.get(f"/api/v1/endpoints/{created['id']}").json()["secrets"]) == 2


def test_the_once_shown_secret_is_not_shown_to_another_session(
    server: Server, ada: httpx.Client
) -> None:
    form = ada.get("/sources/new?kind=github")
    answer = ada.post(
        "/sources/new",
        data={"csrf": csrf_of(form.text), "kind": "github", "name": "acme/once"},
        follow_redirects=False,
    )
    target = answer.headers["location"]
    cookie = ada.cookies.get("echodash_once")
    assert cookie
    # Someone else's browser carrying this cookie (but not Ada's session) sees no secret.
    with httpx.Client(base_url=server.url, headers={"accept": "text/html"}) as other:
        other.cookies.set("echodash_once", cookie)
        assert 'id="shown-secret"' not in other.get(target).text
    assert 'id="shown-secret"' in ada.get(target).text


def test_endpoint_names_are_unique_in_a_workspace(server: Server, ada: httpx.Client) -> None:
    server.create_endpoint("github", name="acme/api")
    form = ada.get("/sources/new?kind=stripe")
    answer = ada.post(
        "/sources/new",
        data={"csrf": csrf_of(form.text), "kind": "stripe", "name": "  ACME/api "},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    seen = text_of(answer.text)
    assert 'An endpoint named "acme/api" already exists in this workspace.' in seen
    # The form keeps what was typed, ready to change.
    assert 'value="ACME/api"' in answer.text
    assert endpoint_names(server).count("acme/api") == 1

    with server.client() as api:
        taken = api.post("/api/v1/endpoints", json={"kind": "github", "name": "acme/api"})
        assert taken.status_code == 409
        assert taken.json()["error"] == "name_taken"
        assert 'An endpoint named "acme/api" already exists' in taken.json()["detail"]
        other = api.post("/api/v1/endpoints", json={"kind": "github", "name": "acme/cli"})
        assert other.status_code == 201
        renamed = api.patch(f"/api/v1/endpoints/{other.json()['id']}", json={"name": "Acme/API"})
        assert renamed.status_code == 409 and renamed.json()["error"] == "name_taken"
        # Renaming an endpoint to its own name (another spelling) is no clash.
        same = api.patch(f"/api/v1/endpoints/{other.json()['id']}", json={"name": "ACME/cli"})
        assert same.status_code == 200 and same.json()["name"] == "ACME/cli"
    assert endpoint_names(server).count("acme/api") == 1


def test_endpoints_without_a_name_get_the_source_name_numbered(server: Server) -> None:
    names = [server.create_endpoint("linear")["name"] for _ in range(3)]
    assert names == ["Linear", "Linear 2", "Linear 3"]


def test_tokens_and_invitations_are_shown_once_after_a_redirect(ada: httpx.Client) -> None:
    form = ada.get("/settings/tokens")
    answer = ada.post(
        "/settings/tokens",
        data={"csrf": csrf_of(form.text), "name": "deploy bot"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/settings/tokens"
    page = ada.get("/settings/tokens")
    token = re.search(r'data-copy="(edk_[^"]+)"', page.text)
    assert token, "the new token is shown on the page the form leads to"
    again = ada.get("/settings/tokens")
    assert token.group(1) not in again.text
    assert text_of(again.text).count("deploy bot") == 1  # listed once: one token was made

    form = ada.get("/settings/members")
    answer = ada.post(
        "/settings/invitations",
        data={"csrf": csrf_of(form.text), "role": "member"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/settings/members"
    link = re.search(r"/invite/[A-Za-z0-9_-]{20,}", ada.get("/settings/members").text)
    assert link, "the invitation link is shown on the page the form leads to"
    assert link.group(0) not in ada.get("/settings/members").text
