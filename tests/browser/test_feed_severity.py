"""What the feed says about severity, in a real browser: "error or worse" in the filter, a
critical row that is the loudest thing on the page (and never looks selected), bursts that
keep failures and successes apart, and replays marked as such. Screenshots at 1440 px, 375 px
and in dark mode."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import Server

# Oldest first. Same event about the same user: a burst, except where the outcome differs.
BURST = ["error", "error", "success", "error", "error"]


def _send(server: Server, name: str, severity: str, key: str, **extra: Any) -> None:
    event = {"event": name, "distinct_id": "u_7", "values": {"severity": severity}, "id": key}
    with server.client() as c:
        answer = c.post("/api/v1/events", json={**event, **extra})
        assert answer.status_code == 202, answer.text


@pytest.fixture(scope="module")
def feed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("feed-severity") / "data").start()
    for i, severity in enumerate(BURST):
        _send(server, "Deploy finished", severity, f"burst-{i}")
    _send(server, "Checkout page slow", "warning", "warn-1")
    _send(server, "Nightly backup", "info", "info-1")
    _send(server, "Database unreachable", "critical", "crit-1")
    _send(server, "Payment declined", "error", "err-1")
    server.wait_for_events(len(BURST) + 4)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin(browser: Browser, feed_server: Server) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    create_first_admin(page, feed_server)
    page.close()
    yield context
    context.close()


def _open_feed(context: BrowserContext, server: Server, path: str = "/") -> Page:
    page = context.new_page()
    page.goto(server.url + path)
    expect(page.locator(".live")).to_have_attribute("data-state", "live", timeout=5000)
    return page


def _style(page: Page, selector: str, prop: str) -> str:
    value: str = page.locator(selector).first.evaluate(f"(el) => getComputedStyle(el).{prop}")
    return value


def _colors(css: str) -> list[str]:
    return re.findall(r"rgba?\([^)]*\)", css)


def test_the_filter_offers_error_or_worse(admin: BrowserContext, feed_server: Server) -> None:
    page = _open_feed(admin, feed_server)
    page.get_by_label("Severity").select_option(label="error or worse")
    page.wait_for_url(re.compile(r"severity=error%2B"))
    titles = page.locator("li.row .title").all_inner_texts()
    assert "Database unreachable" in " ".join(titles)
    assert "Payment declined" in " ".join(titles)
    assert not any("Checkout page slow" in t or "Nightly backup" in t for t in titles)
    expect(page.get_by_label("Severity")).to_have_value("error+")
    page.get_by_label("Severity").select_option(label="warning or worse")
    page.wait_for_url(re.compile(r"severity=warning%2B"))
    expect(page.locator("li.row", has_text="Checkout page slow")).to_have_count(1)
    expect(page.locator("li.row", has_text="Nightly backup")).to_have_count(0)
    page.close()


def _critical_looks(page: Page) -> dict[str, Any]:
    critical = "li.row.sev-critical > .row-link"
    return {
        "badge": page.locator("li.row.sev-critical .sev-badge").inner_text(),
        "badge_bg": _style(page, "li.row.sev-critical .sev-badge", "backgroundColor"),
        "weight": int(_style(page, f"{critical} > .title", "fontWeight")),
        "bar": _colors(_style(page, critical, "boxShadow")),
        "tint": _style(page, critical, "backgroundColor"),
        "error_tint": _style(
            page, "li.row.sev-error:not(.is-replay) > .row-link", "backgroundColor"
        ),
        "accent": _style(page, ".btn-primary, .badge, .nav-item.is-active", "color"),
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_critical_row_is_loud_and_never_looks_selected(
    browser: Browser, admin: BrowserContext, feed_server: Server, scheme: str
) -> None:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        storage_state=admin.storage_state(),
    )
    page = _open_feed(context, feed_server)
    looks = _critical_looks(page)
    assert looks["badge"].strip().lower() == "critical"
    assert looks["badge_bg"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert looks["weight"] >= 600
    assert looks["tint"] != looks["error_tint"]
    # Select another row (j moves the selection): its highlight is not what critical wears.
    page.keyboard.press("j")
    selected = page.locator("li.is-selected > .row-link, li.is-selected > .group-toggle").first
    expect(selected).to_be_visible()
    selected_bar = _colors(selected.evaluate("(el) => getComputedStyle(el).boxShadow"))
    assert looks["bar"], "a critical row has its own bar"
    assert looks["bar"][0] != selected_bar[0], (looks, selected_bar)
    shot(page, f"feed-severity-{scheme}")
    context.close()


def test_bursts_keep_failures_and_successes_apart(
    admin: BrowserContext, feed_server: Server
) -> None:
    page = _open_feed(admin, feed_server, "/?q=Deploy")
    groups = page.locator("li.group")
    expect(groups).to_have_count(2)
    for g in groups.all():
        expect(g.locator(".count")).to_have_text("\u00d72")
        g.locator(".group-toggle").click()
        expect(g.locator(".group-rows li.row.sev-error")).to_have_count(2)
        expect(g.locator(".group-rows li.row.sev-success")).to_have_count(0)
    success = page.locator("#rows > li.row.sev-success")
    expect(success).to_have_count(1)
    # The success keeps its own green mark.
    green = _style(page, "#rows > li.row.sev-success .sev", "backgroundColor")
    red = _style(page, "li.group .group-rows li.row.sev-error .sev", "backgroundColor")
    assert green != red
    page.close()


def test_a_replay_is_marked_on_its_row(admin: BrowserContext, feed_server: Server) -> None:
    page = _open_feed(admin, feed_server, "/?q=Payment")
    original = page.locator("li.row", has_text="Payment declined").first
    event_id = original.get_attribute("data-id")
    page.goto(f"{feed_server.url}/events/{event_id}")
    page.locator("#replay").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    assert not page.url.endswith(f"/events/{event_id}")
    page.goto(feed_server.url + "/?q=Payment")
    rows = page.locator("li.row", has_text="Payment declined")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".origin-mark")).to_have_text(re.compile("replay"))
    expect(rows.nth(1).locator(".origin-mark")).to_have_count(0)
    # The replay does not look like a new failure: no error tint on it.
    replay_tint = (
        rows.nth(0).locator(".row-link").evaluate("(el) => getComputedStyle(el).backgroundColor")
    )
    original_tint = (
        rows.nth(1).locator(".row-link").evaluate("(el) => getComputedStyle(el).backgroundColor")
    )
    assert replay_tint != original_tint
    page.close()


def test_feed_screenshots_wide_phone_and_dark(
    browser: Browser, admin: BrowserContext, feed_server: Server
) -> None:
    state = admin.storage_state()
    for name, options in [
        ("feed-1440", {"viewport": {"width": 1440, "height": 900}}),
        ("feed-375", {"viewport": {"width": 375, "height": 800}, "is_mobile": True}),
        ("feed-1440-dark", {"viewport": {"width": 1440, "height": 900}, "color_scheme": "dark"}),
    ]:
        context = browser.new_context(storage_state=state, **options)  # type: ignore[arg-type]
        page = _open_feed(context, feed_server)
        expect(page.locator("li.row.sev-critical .sev-badge")).to_be_visible()
        # The counts strip arrives after the rows and says how many events there are.
        expect(page.locator("#feed-count")).to_contain_text(re.compile(r"\d+ events"))
        expect(page.locator(".glance .needs-attention")).to_contain_text("need attention")
        time.sleep(0.3)  # the new-row highlight fades before the picture
        shot(page, name)
        context.close()


def test_at_375_px_every_page_filter_and_title_word_is_on_screen(
    browser: Browser, admin: BrowserContext, feed_server: Server
) -> None:
    """On a phone: no page hidden behind a scroll nobody sees, no filter off screen, and titles
    wrap to two lines instead of losing their last words ("…unreachable")."""
    context = browser.new_context(
        storage_state=admin.storage_state(), viewport={"width": 375, "height": 800}, is_mobile=True
    )
    page = _open_feed(context, feed_server)
    expect(page.locator("li.row.sev-critical .sev-badge")).to_be_visible()
    for label in ("Feed", "Sources", "Templates", "Settings"):
        box = page.locator(".nav-item", has_text=label).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, label
    logout = page.locator("#logout").bounding_box()
    assert logout is not None and logout["x"] + logout["width"] <= 375
    for select in page.locator(".filters select").all():
        box = select.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    expect(page.locator("#feed-count")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The critical title is long: it takes two lines and shows its last word whole.
    title = page.locator("li.row.sev-critical .title")
    lines = title.evaluate(
        "(el) => Math.round(el.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert lines == 2
    assert title.evaluate("(el) => el.scrollHeight <= el.clientHeight + 1")  # nothing clipped
    # The sidebar is only as tall as its two rows.
    sidebar = page.locator(".sidebar").bounding_box()
    assert sidebar is not None and sidebar["height"] < 110
    context.close()
