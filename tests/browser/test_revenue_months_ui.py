"""Revenue's waterfall month by month in a real browser: a scripted subscription timeline
(signed Stripe deliveries) over January to April 2026 shows one group of movement bars per
month with each month's end MRR, and the table of months beside it gives each month's start,
movements and end to the cent; a range cut inside months marks them as parts."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import create_first_admin, shot
from tests.http.metric_events import monthly_timeline, send_stripe
from tests.support import Server


def test_the_waterfall_and_table_go_month_by_month(browser: Browser, ui_server: Server) -> None:
    endpoint = ui_server.create_endpoint("stripe", name="billing")
    events = monthly_timeline()
    send_stripe(ui_server, endpoint, events)
    ui_server.wait_for_events(len(events), endpoint=endpoint["id"])
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    create_first_admin(page, ui_server)

    page.goto(f"{ui_server.url}/dashboards/revenue?since=2026-01-01&until=2026-04-30")
    expect(page.locator('[data-metric="revenue.mrr"] .metric-value')).to_have_text("$94.00")
    table = page.locator("#revenue-months")
    expect(table.locator("thead th")).to_have_text(
        ["Month", "Start", "New", "Expansion", "Reactivation", "Contraction", "Churn", "End"]
    )
    rows = [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]
    m = "\u2212"  # the minus sign money is written with
    assert rows == [
        ["January 2026", "$10.00", "$30.00", "$0.00", "$0.00", "$0.00", "$0.00", "$40.00"],
        ["February 2026", "$40.00", "$49.00", "$15.00", "$0.00", "$0.00", "$0.00", "$104.00"],
        ["March 2026", "$104.00", "$0.00", "$0.00", "$0.00", f"{m}$5.00", f"{m}$35.00", "$64.00"],
        ["April 2026", "$64.00", "$0.00", "$0.00", "$30.00", "$0.00", "$0.00", "$94.00"],
    ]
    chart = page.locator(".chart-waterfall svg")
    expect(chart).to_be_visible()
    # A start bar, then per month five movement bars and its end: 1 + 4 * 6 columns, the
    # axis naming the month ends.
    expect(chart.locator(".axis.x .guides text, .axis.x text")).to_contain_text(
        ["Start", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    )
    tips = chart.locator("g.bar title").evaluate_all("els => els.map(e => e.textContent)")
    assert "February 2026 · Expansion: $15.00" in tips
    assert "March 2026 · Churn: \u2212$35.00" in tips
    assert "MRR at the end of April 2026: $94.00 (from $64.00)" in tips
    shot(page, "dashboards-revenue-months-1440")
    page.emulate_media(color_scheme="dark")
    shot(page, "dashboards-revenue-months-1440-dark")
    page.emulate_media(color_scheme="light")

    # A range from February 15 to March 9: two parts of months.
    page.goto(f"{ui_server.url}/dashboards/revenue?since=2026-02-15&until=2026-03-09")
    expect(table.locator("tbody th")).to_have_text(["February 2026 (part)", "March 2026 (part)"])
    expect(table.locator("tbody tr").last).to_contain_text("$79.00")
    assert errors == []
    context.close()
