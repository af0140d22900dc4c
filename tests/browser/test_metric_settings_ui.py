"""Settings → Metrics in a real browser: an admin finds the tab, a mistake is named beside the
form, and a saved change shows (screenshots kept)."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import Server


def test_an_admin_changes_the_metric_settings(browser: Browser, ui_server: Server) -> None:
    page = browser.new_page()
    create_first_admin(page, ui_server)
    page.goto(f"{ui_server.url}/settings")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Metrics").click()
    expect(page.get_by_role("heading", name="Metrics")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("UTC")

    page.get_by_label("Time zone").fill("Moon/Base")
    page.get_by_role("button", name="Save metric settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Time zone: 'Moon/Base' is not a time zone")
    shot(page, "settings-metrics-mistake")

    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Currency").fill("eur")
    page.get_by_label("Incident label").fill("(?i)^(incident|outage)$")
    page.get_by_role("button", name="Save metric settings").click()
    expect(page.get_by_role("status").first).to_contain_text("Metric settings saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    shot(page, "settings-metrics-saved")
    page.close()

    with ui_server.client() as c:
        assert c.get("/api/v1/metrics/settings").json() == {
            "production_environment": "(?i)prod",
            "incident_label": "(?i)^(incident|outage)$",
            "timezone": "Europe/Berlin",
            "currency": "eur",
        }
    assert httpx.get(f"{ui_server.url}/api/v1/metrics/settings").status_code == 401
