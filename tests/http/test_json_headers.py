"""Every JSON answer is marked `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`:
API answers, errors, and the receive path's own bare-ASGI answers."""

from __future__ import annotations

import httpx
import pytest

from tests.support import Server, github_headers


def _marked(r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("application/json"), r.headers
    assert r.headers.get("x-content-type-options") == "nosniff", (r.request.url, r.headers)
    assert r.headers.get("cache-control") == "no-store", (r.request.url, r.headers)


def test_api_answers_are_neither_sniffed_nor_cached(server: Server) -> None:
    with server.client() as c:
        created = c.post("/api/v1/endpoints", json={"kind": "github", "name": "marked"})
        assert created.status_code == 201  # it carries the endpoint's secret, once
        _marked(created)
        listed = c.get("/api/v1/endpoints")
        assert listed.status_code == 200
        _marked(listed)
    _marked(httpx.get(server.url + "/healthz"))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/events", 401),  # no token
        ("GET", "/api/v1/no-such-route", 404),
        ("DELETE", "/api/v1/events", 405),
        ("GET", "/api/v1/events?limit=many", 400),
    ],
)
def test_error_answers_are_neither_sniffed_nor_cached(
    server: Server, method: str, path: str, status: int
) -> None:
    headers = {} if status == 401 else {"Authorization": f"Bearer {server.token}"}
    r = httpx.request(method, server.url + path, headers=headers)
    assert r.status_code == status, r.text
    _marked(r)


def test_receive_path_answers_are_neither_sniffed_nor_cached(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="marked receive")
    body = b'{"zen": "Marked."}'
    accepted = httpx.post(
        endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
    )
    assert accepted.status_code == 202
    _marked(accepted)
    forged = httpx.post(
        endpoint["url"], content=body, headers=github_headers("not-the-secret", body, "ping")
    )
    assert forged.status_code == 401
    _marked(forged)
    unknown = httpx.post(server.url + "/in/no-such-endpoint", content=body)
    assert unknown.status_code == 404
    _marked(unknown)
