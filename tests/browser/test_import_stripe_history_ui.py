"""Import history from a Stripe source's page in a real browser: the form (a restricted key,
no repository), the progress, then the revenue dashboard filled from the rebuilt history
(screenshots kept)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from echodash.metrics.revenue import revenue
from tests.backfill.stripe_scenario import DAY, KEY, now, snapshots, stripe_history
from tests.backfill.stripe_server import FakeStripe, StripeApiServer
from tests.browser.conftest import create_first_admin, shot
from tests.support import Server


@pytest.fixture
def allowed_server(tmp_path: Path) -> Iterator[Server]:
    """A server that may reach the local Stripe API (ECHODASH_OUTBOUND_ALLOW)."""
    srv = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}).start()
    yield srv
    srv.stop()


def test_import_stripe_history_then_the_revenue_dashboard_is_filled(
    browser: Browser, allowed_server: Server
) -> None:
    server = allowed_server
    endpoint = server.create_endpoint("stripe", name="billing")
    end = now()
    account = stripe_history(end)
    fake = FakeStripe(account, now=int(end.timestamp()), max_limit=1)  # many pages
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    create_first_admin(page, server)
    with StripeApiServer(fake, KEY) as api:
        page.goto(f"{server.url}/sources/{endpoint['id']}")
        card = page.locator("#import-history")
        expect(card.get_by_role("heading", name="History")).to_be_visible()
        expect(card.get_by_label("Repository")).to_have_count(0)
        expect(card.get_by_label("Since")).to_have_value("365d")
        card.get_by_label("API key").fill(KEY)
        card.get_by_label("API root").fill(api.url)
        shot(page, "import-stripe-history-form")
        card.get_by_role("button", name="Import history").click()
        page.wait_for_url(re.compile(r"\?backfill=\d+$"))
        shot(page, "import-stripe-history-progress")
        expect(page.locator(".backfill-progress")).to_have_attribute(
            "data-status", "done", timeout=90_000
        )
        expect(page.locator(".backfill-items")).to_have_text("41")
        assert KEY not in page.content()
        shot(page, "import-stripe-history-done")

    # Today's MRR on the revenue dashboard is the one Stripe's webhooks would have given.
    mrr = revenue(snapshots(account.events), end - 30 * DAY, end + DAY, "usd", series=False)
    expected = sum(mrr.end.values())
    page.goto(f"{server.url}/dashboards/revenue")
    expect(page.locator('[data-metric="revenue.mrr"] .metric-value')).to_have_text(
        f"${expected / 100:,.2f}"
    )
    shot(page, "import-stripe-history-revenue")
    page.close()
    assert errors == []
