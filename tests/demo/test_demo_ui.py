"""The demo company in a real browser: "Load demo data" on an empty workspace fills the feed
(with its banner), the alert with its suspect and the dashboards; "Remove demo data" empties
it again; and after `serve --demo` the first admin lands on the demo's feed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    SCREENSHOTS,
    browser,
    create_first_admin,
    setup_link,
    shot,
    ui_server,
)
from tests.demo.conftest import wait_for_demo
from tests.support import Server

# Each test fills a workspace through a real server and drives Chromium (~20-40 s each).
pytestmark = pytest.mark.slow

BANNER = "This is demo data from Acme, a made-up company."


def readme_shot(page: Page, name: str) -> None:
    """A picture for the README (`make screenshots` copies `readme-*.png` to docs/images/):
    what the window shows, not the whole page, so it reads at thumbnail size."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"readme-{name}.png"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def test_load_demo_data_then_remove_it(page: Page, ui_server: Server) -> None:  # noqa: F811
    create_first_admin(page, ui_server)
    page.goto(ui_server.url + "/")
    load = page.get_by_role("button", name="Load demo data")
    expect(load).to_be_visible()
    started = time.monotonic()
    with page.expect_navigation(timeout=120_000):
        load.click(no_wait_after=True)
    print(f"the demo loaded in {time.monotonic() - started:.1f} s")
    banner = page.locator(".demo-banner")
    expect(banner).to_contain_text(BANNER)
    expect(
        banner.get_by_role("link", name="Connect your own tools on the Sources page")
    ).to_have_attribute("href", "/sources")
    expect(page.locator("li.row").first).to_be_visible()
    # The newest: the alert the errors fired, the errors (a burst, folded) and the deploy.
    expect(page.locator("li.row[data-source=alerts]").first).to_be_visible()
    expect(page.locator("li.row[data-source=sentry]").first).to_be_attached()
    expect(page.locator("li.row[data-source=github]").first).to_be_attached()
    shot(page, "demo-feed")

    page.goto(ui_server.url + "/alerts")
    expect(page.get_by_text("Errors in production (demo)").first).to_be_visible()
    expect(page.get_by_text(re.compile("deployed to production in acme/api")).first).to_be_visible()
    shot(page, "demo-alert")
    page.goto(ui_server.url + "/dashboards/delivery")
    expect(page.get_by_text("elite").first).to_be_visible()
    shot(page, "demo-dashboard-delivery")
    page.goto(ui_server.url + "/dashboards/revenue")
    shot(page, "demo-dashboard-revenue")

    page.goto(ui_server.url + "/")
    page.locator(".demo-banner").get_by_role("button", name="Remove demo data").click()
    page.wait_for_url(ui_server.url + "/")
    expect(page.locator(".demo-banner")).to_have_count(0)
    expect(page.locator("li.row")).to_have_count(0)
    expect(page.get_by_role("button", name="Load demo data")).to_be_visible()


def test_after_serve_demo_the_first_admin_lands_on_the_demo_feed(
    page: Page, tmp_path: Path
) -> None:
    server = Server(tmp_path / "data", env={"ECHODASH_DEMO": "1"}).start()
    try:
        wait_for_demo(server)
        page.goto(setup_link(server))
        page.get_by_label("Your name").fill("Ada Lovelace")
        page.get_by_label("E-mail").fill("ada@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(server.url + "/")
        expect(page.locator(".demo-banner")).to_contain_text(BANNER)
        expect(page).to_have_title(re.compile(r"Acme \(demo\)$"))
        expect(page.locator("summary").get_by_text("Acme (demo)")).to_be_visible()
        expect(page.locator("li.row").first).to_be_visible()
        shot(page, "demo-first-admin-feed")
        readme_shot(page, "feed")

        # The README's other two pictures: the alert with its suspects, the delivery numbers.
        page.goto(server.url + "/alerts")
        expect(page.get_by_text("Errors in production (demo)").first).to_be_visible()
        expect(
            page.get_by_text(re.compile("deployed to production in acme/api")).first
        ).to_be_visible()
        readme_shot(page, "alert")
        page.goto(server.url + "/dashboards/delivery")
        expect(page.get_by_text("elite").first).to_be_visible()
        readme_shot(page, "dashboard")
    finally:
        server.stop()
