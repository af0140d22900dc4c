"""The dashboards in a real browser against a real server fed with signed GitHub and Stripe
deliveries and custom events: each dashboard shows its numbers and charts, a shorter range
changes a number, a number's drill-down lists its events and opens one, a number says what
it means on hover, and a new deployment changes the number without a reload. Screenshots at
1440 px (light and dark) and 375 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import create_first_admin, shot
from tests.dashboard_seed import REPO, now, send_delivery, send_product, send_revenue
from tests.http.metric_events import deployment, send_github
from tests.support import Server


@dataclass
class Seeded:
    page: Page
    server: Server
    github: dict[str, Any]  # the endpoint the deployments came through


@pytest.fixture
def signed_in(browser: Browser, ui_server: Server) -> Iterator[Seeded]:
    at = now()
    github = send_delivery(ui_server, at)
    send_revenue(ui_server, at)
    send_product(ui_server, at)
    context: BrowserContext = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    create_first_admin(page, ui_server)
    yield Seeded(page, ui_server, github)
    # No script error and no blocked inline style (the charts carry none).
    assert errors == []
    context.close()


def value(page: Page, metric: str) -> str:
    return page.locator(f'[data-metric="{metric}"] .metric-value').inner_text().strip()


def test_dashboards_range_and_drill_down(signed_in: Seeded) -> None:
    page = signed_in.page
    page.get_by_role("link", name="Dashboards").first.click()
    page.wait_for_url(re.compile(r"/dashboards/delivery$"))
    expect(page.get_by_role("heading", name="Dashboards")).to_be_visible()
    # Last 30 days by default: three production deployments, one failed.
    expect(page.locator('[data-metric="dora.deployment_frequency"] .metric-value')).to_have_text(
        "3"
    )
    expect(page.locator('[data-metric="dora.change_failure_rate"] .band')).to_have_text("low")
    expect(page.locator(".chart svg").first).to_be_visible()
    hint = page.locator('[data-metric="dora.deployment_frequency"]').get_attribute("title")
    assert hint and "Computed from 3 production deployments." in hint
    shot(page, "dashboards-delivery-1440")
    page.emulate_media(color_scheme="dark")
    shot(page, "dashboards-delivery-1440-dark")
    page.emulate_media(color_scheme="light")

    # A week: two deployments.
    page.get_by_role("link", name="7d", exact=True).click()
    page.wait_for_url(re.compile(r"range=7d"))
    assert value(page, "dora.deployment_frequency") == "2"
    assert value(page, "dora.change_failure_rate") == "50.0 %"

    # Its drill-down: the two deployments, each opening its event.
    page.locator('[data-metric="dora.deployment_frequency"] a.metric-value').click()
    page.wait_for_url(re.compile(r"/dashboards/events\?"))
    expect(page.get_by_role("heading", name=re.compile("Deployment frequency"))).to_be_visible()
    rows = page.locator("#drill-rows .row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("production")
    shot(page, "dashboards-drill-down-1440")
    rows.first.locator("a.row-link").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    expect(page.get_by_text("acme/shop").first).to_be_visible()

    # Revenue: MRR and its movements over the last 30 days, in dollars first.
    page.goto(page.url.split("/events/")[0] + "/dashboards/revenue")
    expect(page.locator('[data-metric="revenue.mrr"] .metric-value')).to_have_text("$25.00")
    expect(page.locator('[data-metric="revenue.churn"] .metric-value')).to_have_text("$10.00")
    expect(page.locator(".chart-waterfall svg")).to_be_visible()
    shot(page, "dashboards-revenue-1440")
    page.emulate_media(color_scheme="dark")
    shot(page, "dashboards-revenue-1440-dark")
    page.emulate_media(color_scheme="light")
    page.get_by_role("link", name="EUR").click()
    expect(page.locator('[data-metric="revenue.mrr"] .metric-value')).to_have_text("€20.00")

    # Product: a funnel typed in, surveys, retention.
    page.get_by_role("link", name="Product", exact=True).first.click()
    page.wait_for_url(re.compile(r"/dashboards/product"))
    expect(page.locator('[data-metric="nps"] .metric-value')).to_have_text("14.29")
    page.get_by_label("Steps").fill("signup, activated")
    page.get_by_role("button", name="Build").click()
    page.wait_for_url(re.compile(r"steps=signup"))
    expect(page.locator(".funnel-count")).to_have_text(["4", "2"])
    expect(page.locator("table.heatmap")).to_be_visible()
    shot(page, "dashboards-product-1440")
    page.emulate_media(color_scheme="dark")
    shot(page, "dashboards-product-1440-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.url.split("/dashboards/")[0] + "/dashboards/delivery")
    shot(page, "dashboards-delivery-375")

    # Live: a new production deployment shows up without a reload (the feed's stream
    # signals it, the page reads its numbers again).
    expect(page.locator(".live")).to_have_attribute("data-state", "live")
    frequency = page.locator('[data-metric="dora.deployment_frequency"] .metric-value')
    expect(frequency).to_have_text("3")
    fresh = deployment(REPO, 305, "4" * 40, now() - timedelta(hours=1))
    send_github(signed_in.server, signed_in.github, [("deployment_status", fresh)])
    expect(frequency).to_have_text("4", timeout=15000)
