"""A large or deeply nested delivery in a real browser: the event page and the side panel show
a part of it, say what they left out, and download the rest byte for byte."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import create_first_admin, shot
from tests.large_bodies import big_body, nested_body
from tests.support import Server, github_headers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("big-ui") / "data").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    create_first_admin(page, server)
    page.close()
    yield context
    context.close()


def _deliver(server: Server, body: bytes, event: str) -> int:
    endpoint = server.create_endpoint("github", name=f"acme/{event}")
    headers = github_headers(str(endpoint["secret"]), body, event, str(uuid.uuid4()))
    answer = httpx.post(str(endpoint["url"]), content=body, headers=headers, timeout=60)
    assert answer.status_code == 202, answer.text
    return int(server.wait_for_events(1, timeout=60, type=event)[0]["id"])


def test_a_big_delivery_shows_its_first_items_and_downloads_whole(
    admin: BrowserContext, server: Server
) -> None:
    body = big_body()
    event_id = _deliver(server, body, "batch_sync")
    page = admin.new_page()
    page.goto(f"{server.url}/events/{event_id}")
    notice = page.locator(".payload-cut")
    expect(notice).to_contain_text("Showing the first 200 of 100,000 items in users")
    link = notice.get_by_role("link", name=f"download the raw delivery ({len(body) / 1e6:.1f} MB)")
    expect(link).to_be_visible()
    users = page.locator(".json-tree > details > ul > li").filter(has_text="users")
    users.locator("summary").first.click()
    more = users.locator("li.json-more")
    expect(more).to_have_text("… 99,800 more items")
    # The tree scrolls inside its box: show its end, with the page itself at the top.
    page.locator(".json-tree").evaluate("tree => { tree.scrollTop = tree.scrollHeight; }")
    shot(page, "event-big-payload")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"delivery-{event_id}.json"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == body
    page.close()


def test_a_deeply_nested_delivery_in_the_side_panel(admin: BrowserContext, server: Server) -> None:
    event_id = _deliver(server, nested_body(1000), "nested")
    page = admin.new_page()
    page.goto(f"{server.url}/?event={event_id}")
    panel = page.locator("#panel")
    expect(panel.locator(".payload-cut")).to_contain_text("the first 20 levels of nesting")
    # Open every level shown, down to the one left folded.
    for _ in range(20):
        closed = panel.locator(".json-tree details.json-node:not([open]) > summary")
        if closed.count() == 0:
            break
        closed.first.click()
    folded = panel.locator(".json-tree .json-folded")
    expect(folded).to_have_count(1)
    expect(folded).to_have_text(re.compile(r"^\{1 key\}$"))
    folded.scroll_into_view_if_needed()  # scrolls the panel and the tree, not the page
    shot(page, "feed-panel-nested-payload")
    page.close()
