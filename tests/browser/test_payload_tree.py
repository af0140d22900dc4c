"""The event page's payload tree in a real browser: it opens on content, not on a bare `{}`,
and its counts read as English ("1 key", "2 items")."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import create_first_admin, shot
from tests.support import Server

# Stripe-shaped: the content sits two lone keys deep (data → object).
PAYLOAD = {
    "id": "evt_1Q2w3E",
    "type": "invoice.paid",
    "status": "paid",
    "data": {
        "object": {
            "id": "in_1Q2w3E",
            "amount_paid": 4200,
            "lines": [{"amount": 4000}, {"amount": 200}],
            "discounts": [{"coupon": "WELCOME"}],
            "metadata": {"plan": "team"},
        }
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("tree-ui") / "data").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    create_first_admin(page, server)
    page.close()
    yield context
    context.close()


def test_the_payload_tree_opens_on_content_with_readable_counts(
    admin: BrowserContext, server: Server
) -> None:
    endpoint = server.create_endpoint("generic", name="billing")
    answer = httpx.post(
        str(endpoint["url"]),
        json=PAYLOAD,
        headers={
            "authorization": f"Bearer {endpoint['secret']}",
            "x-request-id": str(uuid.uuid4()),
        },
    )
    assert answer.status_code == 202, answer.text
    event_id = server.wait_for_events(1, endpoint=endpoint["id"])[0]["id"]
    page = admin.new_page()
    page.goto(f"{server.url}/events/{event_id}")
    tree = page.locator(".json-tree")
    top = tree.locator(":scope > details.json-node")
    expect(top).to_have_attribute("open", "")
    # Open, the top level reads "{4 keys", its entries, then "}": never a bare "{}". (What
    # is read is what shows: inner text, without the hidden parts.)
    expect(top.locator(":scope > summary")).to_have_text("{4 keys", use_inner_text=True)
    expect(top.locator(":scope > .json-close")).to_be_visible()
    expect(top.locator(":scope > .json-close")).to_have_text("}")
    # The lone "data" key and its "object" are open too: the invoice shows at once.
    data = tree.locator("li:has(> .json-key:text-is('data')) > details > summary")
    expect(data).to_have_text("{1 key", use_inner_text=True)
    expect(tree.get_by_text("4200", exact=True)).to_be_visible()
    expect(tree.get_by_text('"in_1Q2w3E"', exact=True)).to_be_visible()
    # Nodes below that stay closed, counted in the singular and plural.
    lines = tree.locator("li:has(> .json-key:text-is('lines')) > details > summary")
    expect(lines).to_have_text("[2 items]", use_inner_text=True)
    metadata = tree.locator("li:has(> .json-key:text-is('metadata')) > details > summary")
    expect(metadata).to_have_text("{1 key}", use_inner_text=True)
    # A list wrapping one object opens onto it.
    discounts = tree.locator("li:has(> .json-key:text-is('discounts')) > details > summary")
    expect(discounts).to_have_text("[1 item", use_inner_text=True)
    expect(tree.get_by_text('"WELCOME"', exact=True)).to_be_visible()
    shot(page, "event-payload-tree")
    # Opening a node shows its entries and moves its closing bracket below them.
    lines.click()
    expect(lines).to_have_text("[2 items", use_inner_text=True)
    items = tree.locator("li:has(> .json-key:text-is('lines')) > details > ol > li")
    expect(items).to_have_count(2)
    expect(items.first).to_be_visible()
    expect(items.first).to_have_text("{1 key}", use_inner_text=True)
    page.close()
