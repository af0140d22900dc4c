"""The feed as people use it all day, in a real browser: infinite scroll, burst grouping,
the "new events" pill, keyboard navigation and the side panel, saved and pinned views,
browser notifications, dark theme and a phone-sized screen."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import GITHUB_FIXTURES, Server, github_headers

# Different kinds of event, so consecutive rows do not form a burst.
VARIED = [
    ("issues", "issues/opened.payload.json"),
    ("star", "star/created.payload.json"),
    ("fork", "fork/payload.json"),
    ("release", "release/created.payload.json"),
    ("pull_request", "pull_request/closed.payload.json"),
]
PUSH = ("push", "push/payload.json")
SPY = """
window.__notified = [];
class SpyNotification {
  constructor(title, options) { window.__notified.push({title, body: options && options.body}); }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
}
window.Notification = SpyNotification;
Object.defineProperty(document, "hidden", {get: () => window.__pretendHidden === true});
"""


class Sender:
    def __init__(self, endpoint: dict[str, object]) -> None:
        self.url = str(endpoint["url"])
        self.secret = str(endpoint["secret"])

    def send(self, event: str, fixture: str) -> None:
        body = (GITHUB_FIXTURES / fixture).read_bytes()
        headers = github_headers(self.secret, body, event, str(uuid.uuid4()))
        answer = httpx.post(self.url, content=body, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text


@pytest.fixture(scope="module")
def feed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("feed-ui") / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeded(feed_server: Server) -> Sender:
    """56 varied events, then a burst of 6 pushes to the same branch (62 in all)."""
    sender = Sender(feed_server.create_endpoint("github", name="acme/web"))
    for n in range(56):
        sender.send(*VARIED[n % len(VARIED)])
    for _ in range(6):
        sender.send(*PUSH)
    feed_server.wait_for_events(62)
    return sender


@pytest.fixture(scope="module")
def admin(browser: Browser, feed_server: Server, seeded: Sender) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    create_first_admin(page, feed_server)
    page.close()
    yield context
    context.close()


def _wait_until(page: Page, expression: str, timeout: float = 3.0) -> None:
    """Poll a JavaScript expression (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.02)


def _open_feed(context: BrowserContext, server: Server, path: str = "/") -> Page:
    page = context.new_page()
    page.goto(server.url + path)
    expect(page.locator(".live")).to_have_attribute("data-state", "live", timeout=5000)
    return page


def test_bursts_collapse_and_scrolling_loads_every_older_event(
    admin: BrowserContext, feed_server: Server
) -> None:
    page = _open_feed(admin, feed_server)
    burst = page.locator("li.group").first
    expect(burst.locator(".count")).to_have_text("\u00d76")
    expect(burst.locator(".group-rows")).to_be_hidden()
    burst.locator(".group-toggle").click()
    expect(burst.locator(".group-rows li.row")).to_have_count(6)
    # 50 rows came with the page; the others load when the bottom comes into view.
    total = len(feed_server.all_events())
    assert total >= 62
    page.locator(".more").scroll_into_view_if_needed()
    expect(page.locator("li.row")).to_have_count(total, timeout=5000)
    expect(page.locator(".more")).to_have_count(0)
    shot(page, "feed-grouped")
    page.close()


def test_the_end_of_the_feed_is_said_once_nothing_older_is_left(
    admin: BrowserContext, feed_server: Server
) -> None:
    page = _open_feed(admin, feed_server)
    end = page.locator(".feed-end")
    # More can load: no end marker yet.
    expect(page.locator(".more")).to_be_visible()
    expect(end).to_have_count(0)
    page.locator(".more").scroll_into_view_if_needed()
    expect(page.locator("li.row")).to_have_count(len(feed_server.all_events()), timeout=5000)
    expect(end).to_have_count(1)
    expect(end).to_be_visible()
    expect(end).to_have_text("That\u2019s everything: no older events.")
    # It comes after the last row.
    below = end.evaluate(
        "e => e.getBoundingClientRect().top >= "
        "[...document.querySelectorAll('li.row')].pop().getBoundingClientRect().bottom"
    )
    assert below
    shot(page, "feed-end")
    page.close()

    # A filtered feed that fits on one page says so at once.
    page = _open_feed(admin, feed_server, "/?type=push")
    expect(page.locator(".more")).to_have_count(0)
    expect(page.locator(".feed-end")).to_have_text(
        "That\u2019s everything matching these filters: no older events."
    )
    page.close()


def test_new_events_wait_in_a_pill_while_reading_further_down(
    admin: BrowserContext, feed_server: Server, seeded: Sender
) -> None:
    page = _open_feed(admin, feed_server)
    top_before = page.locator("#rows > li").first.get_attribute("data-group")
    page.mouse.wheel(0, 1500)
    _wait_until(page, "window.scrollY > 200")
    seeded.send("star", "star/deleted.payload.json")
    pill = page.locator(".new-pill")
    expect(pill).to_have_text("1 new event", timeout=2000)
    # The list did not move under the reader's eyes.
    assert page.locator("#rows > li").first.get_attribute("data-group") == top_before
    pill.click()
    expect(pill).to_be_hidden()
    expect(page.locator("#rows > li").first).to_have_attribute("data-type", "star.deleted")
    _wait_until(page, "window.scrollY < 50")
    page.close()


def test_keyboard_moves_opens_and_closes_the_side_panel(
    admin: BrowserContext, feed_server: Server
) -> None:
    page = _open_feed(admin, feed_server)
    items = page.locator("#rows > li")
    # The first plain row (not a burst), whatever the other tests sent before.
    index = next(i for i in range(5) if "group" not in str(items.nth(i).get_attribute("class")))
    for _ in range(index + 2):
        page.keyboard.press("j")
    expect(items.nth(index + 1)).to_have_class(re.compile(r"\bis-selected\b"))
    page.keyboard.press("k")
    expect(items.nth(index)).to_have_class(re.compile(r"\bis-selected\b"))
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".event-title")).not_to_be_empty()
    expect(panel.locator(".raw")).to_be_visible()
    assert re.search(r"[?&]event=\d+", page.url), page.url
    shot(page, "feed-panel")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    # `/` jumps to search.
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.close()


def test_a_saved_view_can_be_pinned_and_opened(admin: BrowserContext, feed_server: Server) -> None:
    page = _open_feed(admin, feed_server, "/?type=star.created")
    expect(page.locator("li.row")).to_have_count(11)
    page.get_by_placeholder("Save this view as…").fill("Stars")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_url(re.compile(r"type=star\.created"))
    page.goto(feed_server.url + "/")
    view = page.locator("a.chip.view", has_text="Stars")
    expect(view).to_be_visible()
    page.locator(".views-manage summary").click()
    page.locator("form.view-change", has_text="Stars").get_by_role("button", name="Pin").click()
    expect(page.locator("a.chip.view.is-pinned")).to_have_text("★ Stars")
    page.locator("a.chip.view.is-pinned").click()
    expect(page.locator("li.row")).to_have_count(11)
    expect(page.locator("#f-type")).to_have_value("star.created")
    page.close()


def test_browser_notifications_for_chosen_sources(
    browser: Browser, feed_server: Server, seeded: Sender, admin: BrowserContext
) -> None:
    page = admin.new_page()
    page.add_init_script(SPY)
    page.goto(feed_server.url + "/settings/notifications")
    page.locator("form[action='/settings/notifications/browser'] input[name=enabled]").check()
    page.locator("form[action='/settings/notifications/browser'] input[value=github]").check()
    browser_form = page.locator("form[action='/settings/notifications/browser']")
    browser_form.locator("button:not([type=button])").first.click()
    expect(
        page.locator("form[action='/settings/notifications/browser'] input[value=github]")
    ).to_be_checked()
    shot(page, "settings-notifications")
    page.goto(feed_server.url + "/settings/members")
    expect(page.locator("#pending-invitations")).to_be_visible()
    shot(page, "settings-members")
    page.goto(feed_server.url + "/settings")
    expect(page.locator("form[action='/settings/name']")).to_be_visible()
    shot(page, "settings-workspace")
    page.goto(feed_server.url + "/settings/notifications")
    page.goto(feed_server.url + "/")
    expect(page.locator(".live")).to_have_attribute("data-state", "live", timeout=5000)
    page.evaluate("window.__pretendHidden = true")
    seeded.send("release", "release/published.with-discussion-url.payload.json")
    _wait_until(page, "window.__notified.length > 0")
    notified = page.evaluate("window.__notified")
    assert notified[0]["body"] == "github"
    assert "release" in notified[0]["title"].lower() or "v" in notified[0]["title"]
    # While the person is looking at the feed, no notification pops up.
    page.evaluate("window.__pretendHidden = false")
    seeded.send("issues", "issues/edited.payload.json")
    expect(page.locator("#rows > li").first).to_have_attribute("data-type", "issues.edited")
    assert len(page.evaluate("window.__notified")) == 1
    page.close()


def test_dark_theme_and_phone_screenshots(
    browser: Browser, feed_server: Server, admin: BrowserContext, tmp_path: Path
) -> None:
    state = admin.storage_state()
    dark = browser.new_context(
        viewport={"width": 1280, "height": 800}, color_scheme="dark", storage_state=state
    )
    page = dark.new_page()
    page.goto(feed_server.url + "/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert sum(channels) / 3 < 80, f"the dark theme's background is {background}"
    shot(page, "feed-dark")
    dark.close()
    phone = browser.new_context(
        viewport={"width": 375, "height": 800}, storage_state=state, is_mobile=True
    )
    page = phone.new_page()
    page.goto(feed_server.url + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the feed is {width}px wide on a 375px screen"
    expect(page.locator("li.row, li.group").first).to_be_visible()
    shot(page, "feed-phone")
    phone.close()
