"""The path a new team walks, in a real browser: setup → login → connect GitHub → a signed
delivery appears live → filter, search → event page → replay → logout."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, create_first_admin, shot
from tests.support import GITHUB_FIXTURES, Server, github_headers

PR_OPENED = GITHUB_FIXTURES / "pull_request" / "opened.payload.json"


def _connect_github(page: Page) -> tuple[str, str]:
    page.get_by_role("link", name="Connect a tool").click()
    page.locator("a.kind", has_text="GitHub").click()
    page.get_by_label("Name", exact=True).fill("acme/web")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_role("heading", name="Set up GitHub")).to_be_visible()
    url = page.locator("#receive-url").inner_text()
    secret = page.locator("#shown-secret").inner_text()
    assert url.startswith("http://127.0.0.1:") and "/in/" in url
    assert len(secret) >= 32
    return url, secret


def test_a_new_team_sees_its_first_github_event_live(
    browser: Browser, ui_server: Server, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    create_first_admin(page, ui_server)
    url, secret = _connect_github(page)
    shot(page, "source-created")

    # The feed is open and connected before the delivery is sent.
    page.goto(ui_server.url + "/")
    expect(page.locator(".live")).to_have_attribute("data-state", "live", timeout=5000)
    shot(page, "feed-empty")
    body = PR_OPENED.read_bytes()
    sent = time.monotonic()
    answer = httpx.post(
        url, content=body, headers=github_headers(secret, body, "pull_request"), timeout=10
    )
    assert answer.status_code == 202, answer.text
    row = page.locator("li.row[data-source=github]").first
    row.wait_for(timeout=1000)  # the promise: without reload, within 1 second
    seen_after = time.monotonic() - sent
    title = row.locator(".title").inner_text()
    assert "opened" in title and "#" in title, title
    print(f"delivery to live feed row: {seen_after * 1000:.0f} ms")

    # Filters live in the URL; search finds the event by a word of its title.
    page.select_option("#f-source", "github")
    page.wait_for_url(re.compile(r"source=github"))
    expect(page.locator("li.row[data-source=github]")).to_have_count(1)
    page.locator("#search").fill("opened")
    page.locator("#search").press("Enter")
    page.wait_for_url(re.compile(r"q=opened"))
    expect(page.locator("li.row")).to_have_count(1)
    page.locator("#search").fill("nothing-like-this-word")
    page.locator("#search").press("Enter")
    expect(page.locator("li.row")).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("Nothing matches")

    # The event page shows the raw payload and how the delivery was verified.
    event_id = ui_server.all_events()[0]["id"]
    page.goto(f"{ui_server.url}/events/{event_id}")
    expect(page.locator(".event-title")).to_contain_text("opened")
    expect(page.locator(".raw")).to_contain_text("Codertocat")
    expect(page.locator(".facts").nth(1)).to_contain_text("secret 1 of 1")
    shot(page, "event")

    # "Copy as curl" holds a command that sends the same bytes again: a recognised duplicate.
    curl = page.get_by_role("button", name="Copy as curl").get_attribute("data-copy")
    assert curl and curl.startswith("curl -X POST") and url in curl
    resent = subprocess.run(["bash", "-c", curl + " -s"], capture_output=True, timeout=30)
    assert b'"duplicate":true' in resent.stdout, resent.stdout

    # Replay parses the stored delivery again into a new event.
    page.get_by_role("button", name="Replay").click()
    page.wait_for_url(re.compile(r"/events/(\d+)$"))
    replayed = int(page.url.rsplit("/", 1)[1])
    assert replayed > event_id
    expect(page.locator(".facts").first).to_contain_text("replay")
    assert [e["id"] for e in ui_server.all_events()] == [replayed, event_id]
    # The original is related: same pull request.
    expect(page.locator("ol.related li.row")).to_have_attribute("data-id", str(event_id))

    # A forged delivery is refused and shows on the endpoint with its reason; rotating the
    # secret keeps the old one working for a day.
    forged = httpx.post(url, content=body, headers=github_headers("wrong", body, "pull_request"))
    assert forged.status_code == 401
    page.goto(ui_server.url + "/sources")
    page.locator(".source-card", has_text="acme/web").click()
    detail_url = page.url
    deadline = time.monotonic() + 5  # refusals are counted in the store once a second
    while page.locator("table", has_text="Reason").count() == 0:
        assert time.monotonic() < deadline, "the refusal never showed on the endpoint"
        page.wait_for_timeout(200)
        page.goto(detail_url)
    expect(page.locator("table", has_text="Count").first).to_contain_text("bad_signature")
    expect(page.locator("#refusals")).to_contain_text("bad_signature")
    page.get_by_role("button", name="Rotate secret").click()
    new_secret = page.locator("#shown-secret").inner_text()
    assert new_secret != secret
    expect(page.locator("table", has_text="State")).to_contain_text("accepted until")
    for key in (secret, new_secret):
        fresh = httpx.post(url, content=body, headers=github_headers(key, body, "pull_request"))
        assert fresh.status_code == 202, fresh.text
    shot(page, "source-detail")

    # The template page offers the type's fields and previews a new title on this event.
    page.goto(ui_server.url + "/templates/github:pull_request.opened")
    expect(page.locator("textarea[name=title]")).to_be_visible()
    # A new template starts empty, with the built-in title shown beside the box (not in it).
    expect(page.locator("textarea[name=title]")).to_have_value("")
    expect(page.locator("textarea[name=title]")).to_have_attribute(
        "placeholder", re.compile(r"^Built-in: .*Codertocat")
    )
    shot(page, "template-new")
    page.locator("textarea[name=title]").fill("{{ payload.sender.login }} opened a PR")
    expect(page.locator("#template-preview")).to_contain_text("Codertocat opened a PR")
    shot(page, "template")

    page.goto(ui_server.url + "/sources")
    expect(page.locator(".source-card")).to_contain_text("acme/web")
    shot(page, "sources")

    page.goto(ui_server.url + "/")
    expect(page.locator("li.row, li.group")).not_to_have_count(0)
    shot(page, "feed")

    # Logging out ends the session: the feed asks for a login again.
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(ui_server.url + "/")
    page.wait_for_url(re.compile(r"/login\?next=%2F"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "login")

    # And signing in again works with the same password.
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(ui_server.url + "/")
    expect(page.locator("li.row, li.group")).not_to_have_count(0)
    assert errors == [], errors
    context.close()
