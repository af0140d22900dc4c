"""Malformed input of every kind gets a clear 4xx, never a 5xx, on every route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import Server, github_headers

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=80,
).map(lambda value: value.strip(" \t"))  # HTTP forbids surrounding blanks in header values
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def endpoints(server: Server) -> dict[str, dict[str, Any]]:
    return {
        kind: server.create_endpoint(kind, name=f"fuzz {kind}")
        for kind in ("github", "stripe", "standard", "generic")
    }


@FUZZ
@given(
    kind=st.sampled_from(["github", "stripe", "standard", "generic"]),
    body=st.binary(max_size=2000),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "x-hub-signature-256",
                "x-github-event",
                "x-github-delivery",
                "stripe-signature",
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "authorization",
                "content-type",
                "x-signature",
            ]
        ),
        header_text,
        max_size=6,
    ),
)
def test_receive_route_never_answers_5xx(
    server: Server,
    endpoints: dict[str, dict[str, Any]],
    kind: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    encoded = {k: v.encode("latin-1") for k, v in headers.items()}
    r = httpx.post(endpoints[kind]["url"], content=body, headers=encoded, timeout=10)
    assert r.status_code < 500, r.text
    assert r.status_code in (202, 400, 401, 413), r.text
    assert set(r.json()) >= ({"status"} if r.status_code == 202 else {"error", "detail"})


@FUZZ
@given(body=json_like, event=header_text)
def test_signed_odd_json_is_accepted_and_shown(
    server: Server, endpoints: dict[str, dict[str, Any]], body: Any, event: str
) -> None:
    import json

    raw = json.dumps(body).encode()
    endpoint = endpoints["github"]
    headers = {
        k: v.encode("latin-1") for k, v in github_headers(endpoint["secret"], raw, event).items()
    }
    r = httpx.post(endpoint["url"], content=raw, headers=headers, timeout=10)
    assert r.status_code == 202, r.text


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["source", "type", "endpoint", "severity", "q", "since", "until", "limit", "cursor"]
        ),
        st.text(max_size=30),
        max_size=5,
    )
)
def test_events_api_never_answers_5xx(server: Server, params: dict[str, str]) -> None:
    with server.client() as c:
        r = c.get("/api/v1/events", params=params)
    assert r.status_code in (200, 400), r.text


@FUZZ
@given(body=json_like)
def test_endpoint_api_never_answers_5xx(server: Server, body: Any) -> None:
    import json

    raw = json.dumps(body).encode()  # NaN, Infinity and huge integers included, on purpose
    with server.client(headers={"Content-Type": "application/json"}) as c:
        r = c.post("/api/v1/endpoints", content=raw)
        assert r.status_code in (201, 400), r.text
        if r.status_code == 201:
            assert c.delete(f"/api/v1/endpoints/{r.json()['id']}").status_code == 204
        patched = c.patch("/api/v1/endpoints/1", content=raw)
        assert patched.status_code in (200, 400, 404), patched.text
        rotated = c.post("/api/v1/endpoints/1/secrets", content=raw)
        assert rotated.status_code in (201, 400, 404), rotated.text
