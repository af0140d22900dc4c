"""Odd ids in every route: "²" (which `str.isdigit()` takes), 25-digit numbers, numbers past
64 bits, negatives. Each is refused with 400 or 404 (or a page saying so), never a 500, and
never reaches a store that cannot hold it. Routes come from the app's list, so a new route
is tried the day it is added."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from starlette.routing import Route

from echodash.web.routes import routes
from tests.people import Person, first_admin
from tests.support import Server

BAD_IDS = ["²", "٣", "9" * 25, str(2**63), str(2**64 + 1), "-1", "0", "1e3", " 7", "0x1f"]
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Query and form parameters that carry ids.
QUERIES = [
    ("GET", "/", "before"),
    ("GET", "/", "endpoint"),
    ("GET", "/feed/rows", "before"),
    ("GET", "/api/v1/events", "cursor"),
    ("GET", "/api/v1/events", "endpoint"),
    ("GET", "/api/v1/stream", "last_event_id"),
    ("GET", "/feed/stream", "last_event_id"),
]
FORMS = [("/workspaces/switch", "workspace"), ("/settings/retention", "days")]


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[Person]:
    person = first_admin(server)
    yield person
    person.close()


def _routes_with_ids() -> list[tuple[str, str]]:
    found = []
    for route in routes:
        if isinstance(route, Route) and _PARAM.search(route.path):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, route.path))
    return found


def _send(ada: Person, method: str, url: str, **kwargs: object) -> httpx.Response:
    headers = {"X-CSRF-Token": ada.csrf}
    data = {"csrf": ada.csrf} if method == "POST" else None
    return ada.client.request(method, url, headers=headers, data=data, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_every_route_refuses_odd_ids_without_failing(ada: Person, bad: str) -> None:
    failures = []
    for method, path in _routes_with_ids():
        url = _PARAM.sub(lambda _: quote(bad, safe=""), path)
        answer = _send(ada, method, url)
        if answer.status_code >= 500:
            failures.append(f"{method} {path}: {answer.status_code}")
    for method, path, name in QUERIES:
        with ada.client.stream(
            method, path, params={name: bad}, headers={"accept": "application/json"}
        ) as answer:
            if answer.status_code >= 500:
                failures.append(f"{method} {path}?{name}=: {answer.status_code}")
    for path, name in FORMS:
        answer = ada.post(path, **{name: bad})
        if answer.status_code >= 500:
            failures.append(f"POST {path} {name}=: {answer.status_code}")
    assert not failures, failures
    assert httpx.get(ada.server.url + "/healthz").status_code == 200
