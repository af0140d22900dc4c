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
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import create_first_admin, shot
from tests.dashboard_seed import REPO, now, send_delivery, send_product, send_revenue
from tests.http.metric_events import deployment, send_github, send_stripe, subscription_event
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


def drill(page: Page, metric: str) -> Locator:
    """Click a number on its dashboard; the rows of the events behind it."""
    page.locator(f'[data-metric="{metric}"] a.metric-value').click()
    page.wait_for_url(re.compile(r"/dashboards/events\?"))
    assert f"metric={metric}" in page.url
    return page.locator("#drill-rows .row")


def test_ltv_trial_conversion_stickiness_and_time_to_value_drill_down(
    signed_in: Seeded,
) -> None:
    page, server = signed_in.page, signed_in.server
    # A trial that became a paying subscription two days ago.
    at = now()
    stripe = server.create_endpoint("stripe", name="trials")
    created, updated = "customer.subscription.created", "customer.subscription.updated"
    trial = [
        subscription_event("evt_t1", created, at - timedelta(days=20), "cus_t", [(700, 1, "month")],
                           status="trialing"),
        subscription_event("evt_t2", updated, at - timedelta(days=2), "cus_t", [(700, 1, "month")]),
    ]  # fmt: skip
    send_stripe(server, stripe, trial)
    server.wait_for_events(2, endpoint=stripe["id"])
    base = server.url

    # Revenue over 30 days: cus_a left, cus_c is new, cus_t converted.
    page.goto(f"{base}/dashboards/revenue?range=30d")
    expect(page.locator('[data-metric="revenue.trial_conversion"] .metric-value')).to_have_text(
        "100.0 %"
    )
    rows = drill(page, "revenue.trial_conversion")
    expect(page.get_by_role("heading", name=re.compile("Trial conversion"))).to_be_visible()
    expect(rows).to_have_count(1)  # the one trial that ended: the event that ended it
    expect(rows.first).to_contain_text("cus_t")
    shot(page, "dashboards-drill-trial-conversion-1440")
    page.go_back()
    # LTV: ARPA's three paying subscriptions (cus_b, cus_c, cus_t) and, as someone churned,
    # the two customers at the start (cus_a, cus_b) and cus_a's cancellation: five events.
    rows = drill(page, "revenue.ltv")
    expect(rows).to_have_count(5)
    texts = " ".join(rows.all_inner_texts())
    for customer in ("cus_a", "cus_b", "cus_c", "cus_t"):
        assert customer in texts
    assert "cus_x" not in texts  # euros are counted apart
    shot(page, "dashboards-drill-ltv-1440")

    # Product over 7 days: stickiness reads MAU's 30 days on the last day, DAU the week.
    page.goto(f"{base}/dashboards/product?range=7d")
    rows = drill(page, "product.stickiness")
    expect(rows).to_have_count(28)  # every product event and survey answer of the 11 days
    shot(page, "dashboards-drill-stickiness-1440")
    page.go_back()
    # DAU: the activity of the days the week touches (its first from midnight): the two
    # signups, one activation and eleven survey answers of the last three days, and the
    # "opened app" events (one a day, an hour before this time) on those days.
    first_day = (at - timedelta(days=7)).date()
    opened = sum((at - timedelta(days=k, hours=1)).date() >= first_day for k in range(1, 12))
    rows = drill(page, "product.dau")
    expect(rows).to_have_count(14 + opened)
    page.go_back()
    rows = drill(page, "product.mau")
    expect(rows).to_have_count(28)

    # Time to value from signup to activated over 30 days: the four signups and the two
    # first activations (u1, u3).
    page.goto(f"{base}/dashboards/product?range=30d&activation_event=activated")
    expect(page.locator('[data-metric="product.time_to_value"] .metric-value')).to_have_text(
        "2.5 h"
    )
    rows = drill(page, "product.time_to_value")
    expect(rows).to_have_count(6)
    expect(page.locator("#drill-rows .row", has_text="activated")).to_contain_text(["u3", "u1"])
    expect(page.locator("#drill-rows .row", has_text="signup")).to_have_count(4)
    shot(page, "dashboards-drill-time-to-value-1440")
    # Back to the dashboard keeps the events chosen.
    page.get_by_role("link", name="Back to the dashboard").click()
    page.wait_for_url(re.compile(r"activation_event=activated"))
