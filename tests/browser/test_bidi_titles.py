"""A sender's text cannot turn a feed line around: a U+202E (right-to-left override) in an
issue title would show "failed" as "deliaf" and reverse whatever follows it on the line."""

from __future__ import annotations

import json
import re
import uuid

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import GITHUB_FIXTURES, Server, github_headers

OVERRIDE, POP = "\u202e", "\u202c"


def test_bidi_controls_in_sender_text_do_not_reverse_feed_titles(
    browser: Browser, ui_server: Server
) -> None:
    payload = json.loads((GITHUB_FIXTURES / "issues" / "opened.payload.json").read_text())
    payload["issue"]["title"] = f"Deploy {OVERRIDE}deliaf{POP} on payments"
    payload["issue"]["user"]["login"] = f"mallory{OVERRIDE}gpj.exe"
    body = json.dumps(payload).encode()
    endpoint = ui_server.create_endpoint("github", name="acme/web")
    headers = github_headers(str(endpoint["secret"]), body, "issues", str(uuid.uuid4()))
    assert httpx.post(str(endpoint["url"]), content=body, headers=headers).status_code == 202
    [event] = ui_server.wait_for_events(1, type="issues.opened")
    assert OVERRIDE not in event["title"] and POP not in event["title"]
    assert event["fields"]["author"] == "mallorygpj.exe"  # not "malloryexe.jpg" when shown

    context = browser.new_context(viewport={"width": 1280, "height": 700})
    page = context.new_page()
    create_first_admin(page, ui_server)
    page.goto(ui_server.url + "/")
    title = page.locator(".row .title").first
    expect(title).to_contain_text("Deploy deliaf on payments")
    text = title.inner_text() + page.locator(".row .keys").first.inner_text()
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text), repr(text)
    # Whatever is left of another script stays isolated in its own piece of the line.
    assert title.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    # Drawn left to right in the order written: "Deploy" starts left of "payments".
    box = page.evaluate(
        """(el) => {
            const range = document.createRange();
            const text = el.textContent;
            const at = (word) => {
                const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                let node;
                while ((node = walker.nextNode())) {
                    const i = node.textContent.indexOf(word);
                    if (i >= 0) {
                        range.setStart(node, i);
                        range.setEnd(node, i + word.length);
                        return range.getBoundingClientRect().left;
                    }
                }
                return null;
            };
            return {deploy: at("Deploy"), payments: at("payments"), text};
        }""",
        title.element_handle(),
    )
    assert box["deploy"] is not None and box["payments"] is not None
    assert box["deploy"] < box["payments"], box
    shot(page, "feed-bidi-title")
    page.goto(f"{ui_server.url}/events/{event['id']}")
    expect(page.locator(".event-title")).to_contain_text("Deploy deliaf on payments")
    context.close()
