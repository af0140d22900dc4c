"""The feed's at-a-glance strip: how many events match, the last day's events and how many
need attention, and each tool's last delivery and refusals, every figure linking to its feed."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support import Server, first_admin_client, github_headers


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[httpx.Client]:
    with first_admin_client(server) as client:
        yield client


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def links(fragment: str) -> dict[str, dict[str, list[str]]]:
    """Each link's text → its query."""
    found = {}
    for href, inner in re.findall(r'<a[^>]+href="([^"]+)"[^>]*>(.*?)</a>', fragment, re.S):
        found[text_of(inner)] = parse_qs(urlsplit(html.unescape(href)).query)
    return found


def test_the_strip_counts_what_matters_and_links_each_figure(
    server: Server, ada: httpx.Client
) -> None:
    app = server.create_endpoint("generic", name="app", options={"auth": "none"})
    for i in range(6):
        status = "failure" if i < 2 else "success"
        body = {"type": "deploy.finished", "title": f"deploy {i}", "status": status}
        assert httpx.post(f"{server.url}/in/{app['slug']}", json=body).status_code == 202
    server.wait_for_events(6)
    broken = server.create_endpoint("github", name="acme/broken")
    body = b'{"zen": "Practicality beats purity.", "hook_id": 3}'
    for _ in range(3):
        refused = httpx.post(
            f"{server.url}/in/{broken['slug']}",
            content=body,
            headers=github_headers("not-the-secret", body, event="ping"),
        )
        assert refused.status_code == 401

    # The feed page itself carries no counts: its script fetches them afterwards.
    feed = ada.get("/")
    assert 'id="glance" data-url="/feed/glance"' in feed.text

    # Refusals are counted in memory and stored about once a second.
    deadline = time.monotonic() + 20
    strip = ada.get("/feed/glance")
    # All three, which may take more than one flush of the counts.
    while "3 refused" not in strip.text and time.monotonic() < deadline:
        time.sleep(0.2)
        strip = ada.get("/feed/glance")
    assert strip.status_code == 200
    seen = text_of(strip.text)
    assert "6 events" in seen
    assert "6 in the last 24 h" in seen
    assert "2 need attention" in seen  # the two failed deploys, error or worse
    found = links(strip.text)
    assert found["6 in the last 24 h"] == {"range": ["24h"]}
    assert found["2 need attention"] == {"range": ["24h"], "severity": ["error+"]}
    assert 'class="glance-item needs-attention"' in strip.text

    # The broken tool stands out first, with its refusals; the working one shows its delivery.
    tools = re.findall(r'<a class="glance-tool is-(\w+)" href="/\?endpoint=(\d+)"', strip.text)
    assert tools[0] == ("refusing", str(broken["id"]))
    assert ("ok", str(app["id"])) in tools
    assert "acme/broken refusing deliveries 3 refused" in seen
    assert "its deliveries are being refused (bad signature)" in strip.text

    # With filters, the count is of what matches them.
    failed = text_of(ada.get("/feed/glance", params={"severity": "error+"}).text)
    assert "2 events match these filters" in failed
    one = text_of(ada.get("/feed/glance", params={"q": "deploy 4"}).text)
    assert "1 event matches these filters" in one

    # The Sources page says the same about the broken tool.
    sources = text_of(ada.get("/sources").text)
    assert "Its deliveries are being refused (bad signature): check the secret" in sources


def test_the_strip_needs_a_signed_in_person(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers={"accept": "text/html"}) as anonymous:
        answer = anonymous.get("/feed/glance", follow_redirects=False)
        assert answer.status_code == 401  # a fragment: the page's own script asked for it
        assert "need attention" not in answer.text
