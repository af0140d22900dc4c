"""Alerts in a real browser against a real server: a rule made in the editor (tested first),
a production deploy and then a burst of failed workflow runs sent as signed GitHub deliveries;
the alert opens by itself (the server's evaluation) and appears without a reload, with the
deploy as its suspect and the sidebar's count, and the same person's browser in the background
shows a system notification (the rule has the browser action); acknowledging it changes its
status. Screenshots at 1440 px (light and dark) and 375 px."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import GITHUB_FIXTURES, Server, github_headers

DEPLOY = json.loads((GITHUB_FIXTURES / "deployment_status" / "payload.json").read_text())
RUN = json.loads(
    (GITHUB_FIXTURES / "workflow_run" / "completed.with-pull-requests.payload.json").read_text()
)
REPO = DEPLOY["repository"]["full_name"]
# A tab in the background whose person allowed notifications: what it shows is recorded.
BACKGROUND_TAB = """
Object.defineProperty(Document.prototype, "hidden", { get() { return true; } });
Object.defineProperty(Document.prototype, "visibilityState", { get() { return "hidden"; } });
window.__shown = [];
class RecordedNotification {
  constructor(title, options) { window.__shown.push({ title, body: options && options.body }); }
  close() {}
  static requestPermission() { return Promise.resolve("granted"); }
}
RecordedNotification.permission = "granted";
window.Notification = RecordedNotification;
"""


def _now_everywhere(document: Any, moment: datetime) -> Any:
    """The fixture's timestamps moved to `moment` (suspects are looked for shortly before)."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(document, dict):
        return {
            k: stamp if k.endswith("_at") and isinstance(v, str) else _now_everywhere(v, moment)
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [_now_everywhere(v, moment) for v in document]
    return document


def _deliver(endpoint: dict[str, Any], event: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    sent = httpx.post(
        str(endpoint["url"]),
        content=body,
        headers=github_headers(str(endpoint["secret"]), body, event),
        timeout=10,
    )
    assert sent.status_code == 202, sent.text


def _failed_run(number: int) -> dict[str, Any]:
    """A failed run of the deployed repository's workflow (the same service)."""
    run = copy.deepcopy(RUN)
    run["repository"] = DEPLOY["repository"]
    run["workflow_run"]["id"] += number
    run["workflow_run"]["run_number"] = 100 + number
    run["workflow_run"]["conclusion"] = "failure"
    return dict(_now_everywhere(run, datetime.now(UTC)))


@pytest.fixture
def admin(browser: Browser, ui_server: Server) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    create_first_admin(page, ui_server)
    page.close()
    yield context
    context.close()


def _make_rule(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Create your first rule")).click()
    page.wait_for_url(re.compile(r"/alerts/rules/new$"))
    page.get_by_label("Name", exact=True).fill("Workflow failures")
    page.get_by_label("Source", exact=True).select_option("github")
    page.get_by_label("Type", exact=True).fill("workflow_run.completed")
    page.get_by_label("Condition 1: field").fill("workflow_run.conclusion")
    page.get_by_label("Condition 1: comparison").select_option("eq")
    page.get_by_label("Condition 1: value").fill("failure")
    page.locator('input[name="cond_kind"][value="count"]').check()
    page.get_by_label("Window, in minutes").fill("10")
    # A mistake is named next to its field, and what was typed stays.
    page.get_by_label("How many events").fill("0")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator("#err-count_threshold")).to_contain_text("condition.threshold")
    expect(page.get_by_label("How many events")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Type", exact=True)).to_have_value("workflow_run.completed")
    shot(page, "alerts-rule-editor-error-1440")
    page.get_by_label("How many events").fill("3")
    expect(page.get_by_label("Browser notifications")).to_be_checked()
    page.get_by_role("button", name="Test this rule").click()
    expect(page.locator("#test-result")).to_contain_text("Would have fired 0 times")
    # The form keeps what was typed.
    expect(page.get_by_label("Condition 1: value")).to_have_value("failure")
    shot(page, "alerts-rule-editor-1440")
    page.get_by_role("button", name="Create rule").click()
    page.wait_for_url(re.compile(r"/alerts/rules/\d+\?done=saved$"))
    expect(page.locator(".notice")).to_contain_text("Rule saved")


def test_an_alert_opens_live_with_its_suspect_and_is_acknowledged(
    browser: Browser, admin: BrowserContext, ui_server: Server
) -> None:
    endpoint = ui_server.create_endpoint("github", name=REPO)
    deployed_at = datetime.now(UTC) - timedelta(minutes=3)
    _deliver(endpoint, "deployment_status", _now_everywhere(DEPLOY, deployed_at))
    ui_server.wait_for_events(1)

    page = admin.new_page()
    page.goto(ui_server.url + "/alerts")
    expect(page.get_by_text("No alerts yet.")).to_be_visible()
    expect(page.locator("#nav-alerts .badge-firing")).to_be_hidden()
    _make_rule(page)

    page.goto(ui_server.url + "/alerts")
    expect(page.get_by_text("Nothing is firing")).to_be_visible()
    # The page will not be reloaded: a marker on the window stays while it is the same page.
    page.evaluate("window.__samePage = true")
    background = _background_tab(browser, admin, ui_server)
    for number in range(3):
        _deliver(endpoint, "workflow_run", _failed_run(number))

    card = page.locator(".alert-card.is-firing")
    expect(card).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__samePage === true"), "the page reloaded"
    expect(card.locator(".alert-name")).to_have_text("Workflow failures")
    expect(card).to_contain_text("3 or more within 10 min")
    expect(card).to_contain_text("3 events")
    expect(card.locator(".suspects")).to_contain_text("deployed to production")
    expect(page.locator("#nav-alerts .badge-firing")).to_be_visible()
    expect(page.locator("#nav-alerts .badge-count")).to_have_text("1")
    # The rule asks for browser notifications; this tab is visible: said on the page.
    expect(page.locator(".toast")).to_contain_text("Alert: Workflow failures")
    # The card slides in: the screenshot waits until it is in place.
    card.evaluate("(el) => Promise.all(el.getAnimations().map((a) => a.finished))")
    shot(page, "alerts-list-firing-1440")
    page.emulate_media(color_scheme="dark")
    shot(page, "alerts-list-firing-1440-dark")
    page.emulate_media(color_scheme="light")
    _phone_check(admin, ui_server)
    # The same person's other browser, in the background: a system notification.
    _until(background, "() => window.__shown.length > 0", 25.0)
    shown = background.evaluate("window.__shown")
    assert shown == [{"title": "Alert: Workflow failures", "body": "3 or more within 10 min"}]
    background.context.close()

    card.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r"/alerts\?done=acknowledged$"))
    acknowledged = page.locator(".alert-card.is-acknowledged")
    expect(acknowledged.locator(".alert-status")).to_have_text("acknowledged")
    expect(page.locator("#nav-alerts .badge-firing")).to_be_hidden()

    acknowledged.locator(".alert-name").click()
    page.wait_for_url(re.compile(r"/alerts/\d+$"))
    expect(page.locator(".timeline")).to_contain_text("Acknowledged by Ada Lovelace")
    expect(page.locator(".timeline")).to_contain_text("Opened: 3 or more within 10 min")
    expect(page.locator("ol.rows li.row")).to_have_count(3)
    expect(page.locator(".suspect-score")).to_have_count(1)
    shot(page, "alerts-alert-page-1440")
    # Someone else resolves it (here through the API): the open page follows by itself.
    page.evaluate("window.__samePage = true")
    alert_id = page.url.rsplit("/", 1)[1]
    with ui_server.client() as api:
        assert api.post(f"/api/v1/alerts/{alert_id}/resolve").status_code == 200
    expect(page.locator(".alert-page-head .alert-status")).to_have_text("resolved", timeout=15_000)
    expect(page.locator(".timeline")).to_contain_text("Resolved")
    assert page.evaluate("window.__samePage === true"), "the page reloaded"

    page.goto(ui_server.url + "/alerts/rules")
    expect(page.locator(".rules-table")).to_contain_text("3 or more within 10 min")
    shot(page, "alerts-rules-1440")


def _phone_check(context: BrowserContext, server: Server) -> None:
    """At 375 px: the six tabs (Feed, Alerts, Dashboards, Sources, Templates, Settings) side
    by side, each whole on screen, the firing count inside the
    Alerts tab; nothing scrolls sideways."""
    phone = context.new_page()
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.goto(server.url + "/alerts")
    tabs = phone.locator(".nav .nav-item")
    expect(tabs).to_have_count(6)
    for i in range(6):
        box = tabs.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    tab = phone.locator("#nav-alerts").bounding_box()
    badge = phone.locator("#nav-alerts .badge-firing").bounding_box()
    assert tab is not None and badge is not None
    assert tab["x"] <= badge["x"] and badge["x"] + badge["width"] <= tab["x"] + tab["width"]
    assert tab["y"] <= badge["y"] and badge["y"] + badge["height"] <= tab["y"] + tab["height"]
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"
    shot(phone, "alerts-list-firing-375")
    phone.goto(server.url + "/alerts/rules/new")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the rule editor scrolls sideways ({width}px)"
    shot(phone, "alerts-rule-editor-375")
    # The settings tabs gained Services: still on screen.
    phone.goto(server.url + "/settings/services")
    expect(phone.get_by_role("heading", name="Linked services")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the services page scrolls sideways ({width}px)"
    tab = phone.get_by_role("link", name="Services", exact=True).bounding_box()
    assert tab is not None and tab["x"] + tab["width"] <= 375, tab
    shot(phone, "settings-services-375")
    phone.close()


def _background_tab(browser: Browser, signed_in: BrowserContext, server: Server) -> Page:
    """Another browser of the same person (its own storage), on another page, hidden."""
    context = browser.new_context(storage_state=signed_in.storage_state())
    context.add_init_script(BACKGROUND_TAB)
    tab = context.new_page()
    tab.goto(server.url + "/sources")
    # Its first look at the alerts has been taken: what opens next is new to it.
    _until(tab, "() => Object.keys(localStorage).some((k) => k.startsWith('echodash-alert'))")
    return tab


def _until(page: Page, check: str, seconds: float = 10.0) -> None:
    """Wait until `check` holds in the page (the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(check):
        assert time.monotonic() < deadline, f"never true: {check}"
        time.sleep(0.1)
