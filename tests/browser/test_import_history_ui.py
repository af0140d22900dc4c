"""Import history from a GitHub source's page in a real browser: the form, the progress, then
the delivery dashboard filled from the backfilled history (screenshots kept)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import SINCE, github_history
from tests.browser.conftest import create_first_admin, shot
from tests.http.metric_events import iso
from tests.support import Server


@pytest.fixture
def allowed_server(tmp_path: Path) -> Iterator[Server]:
    """A server that may reach the local GitHub API (ECHODASH_OUTBOUND_ALLOW)."""
    srv = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}).start()
    yield srv
    srv.stop()


def test_import_history_then_the_dashboard_is_filled(
    browser: Browser, allowed_server: Server
) -> None:
    server = allowed_server
    endpoint = server.create_endpoint("github", name=REPO)
    history = github_history()
    history.max_per_page = 1  # many pages: the progress shows while it reads
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    create_first_admin(page, server)
    with GitHubApiServer(history) as api:
        page.goto(f"{server.url}/sources/{endpoint['id']}")
        card = page.locator("#import-history")
        expect(card.get_by_role("heading", name="History")).to_be_visible()
        expect(card.get_by_label("Repository")).to_have_value(REPO)
        card.get_by_label("Since").fill(iso(SINCE))
        card.get_by_label("Token").fill("ghp_browser-test-token")
        card.get_by_label("API root").fill(api.url)
        shot(page, "import-history-form")
        card.get_by_role("button", name="Import history").click()
        page.wait_for_url(re.compile(r"\?backfill=\d+$"))
        shot(page, "import-history-progress")
        # The page follows the import until it is done.
        expect(page.locator(".backfill-progress")).to_have_attribute(
            "data-status", "done", timeout=60_000
        )
        expect(page.locator(".backfill-progress")).to_contain_text("History imported.")
        expect(page.locator(".backfill-items")).to_have_text("13")
        expect(page.locator(".backfill-added")).to_have_text("13")
        assert "ghp_browser-test-token" not in page.content()
        shot(page, "import-history-done")

    # The latest events carry the quiet mark; the dashboard counts the two deployments.
    expect(page.locator(".rows .origin-mark").first).to_have_text("backfill")
    page.goto(f"{server.url}/dashboards/delivery")
    expect(page.locator('[data-metric="dora.deployment_frequency"] .metric-value')).to_have_text(
        "2"
    )
    expect(page.locator('[data-metric="dora.change_failure_rate"] .metric-value')).to_contain_text(
        "50"
    )
    shot(page, "import-history-dashboard")
    page.close()
    assert errors == []
