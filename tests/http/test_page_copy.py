"""Copy that is right for the page it is on: no promise of a secret where none is shown, no
secrets on a source that has none, no welcome once a tool is connected, no literal backticks,
and set-up steps that fold away once deliveries arrive."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support import Server, first_admin_client, github_headers

STRIPE_SECRET = "whsec_" + "a1" * 16


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[httpx.Client]:
    with first_admin_client(server) as client:
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_stripe_pages_never_claim_to_show_a_secret_or_ask_to_paste_stripes_own(
    server: Server, ada: httpx.Client
) -> None:
    form = ada.get("/sources/new?kind=stripe")
    answer = ada.post(
        "/sources/new",
        data={"csrf": csrf_of(form.text), "kind": "stripe", "name": "acme billing",
              "secret": STRIPE_SECRET},
        follow_redirects=True,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text[:300]
    created = text_of(answer.text)
    assert "Endpoint created." in created
    assert "shown only now" not in created and STRIPE_SECRET not in answer.text

    path = str(answer.url.path)
    rotated = ada.post(
        f"{path}/rotate",
        data={"csrf": csrf_of(answer.text), "secret": "whsec_" + "b2" * 16, "keep_old": "3600"},
        follow_redirects=True,
    )
    seen = text_of(rotated.text)
    assert "New secret saved: deliveries Stripe signs with it are accepted now" in seen
    assert "older secrets stay accepted until they expire" in seen
    assert "Paste it into Stripe" not in seen and "shown only now" not in seen


def test_custom_events_offer_no_secrets_to_rotate(server: Server, ada: httpx.Client) -> None:
    created = server.create_endpoint("custom", name="our product")
    page = ada.get(f"/sources/{created['id']}")
    assert page.status_code == 200
    seen = text_of(page.text)
    assert "POST /api/v1/events" in seen  # its set-up steps: the API, with a token
    assert "Secrets" not in seen and "Rotate secret" not in seen
    assert f'action="/sources/{created["id"]}/rotate"' not in page.text


def test_the_welcome_is_for_a_workspace_with_nothing_connected(
    server: Server, ada: httpx.Client
) -> None:
    server.create_endpoint("github", name="acme/connected")
    page = ada.get("/sources?welcome=1")
    assert page.status_code == 200
    assert "Connect your first tool" not in text_of(page.text)
    assert "acme/connected" in text_of(page.text)


def test_sign_in_pages_show_commands_without_markdown_backticks(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers={"accept": "text/html"}) as anonymous:
        for path in ("/login", "/setup", "/setup?token=wrong", "/forgot"):
            page = anonymous.get(path)
            if page.status_code == 404:
                continue
            assert "`" not in text_of(page.text), path


def test_setup_steps_fold_away_once_deliveries_arrive(server: Server, ada: httpx.Client) -> None:
    created = server.create_endpoint("github", name="acme/folds")
    path = f"/sources/{created['id']}"
    before = ada.get(path).text
    assert re.search(r'<details class="collapsible setup" open>', before)

    body = b'{"zen": "Design for failure.", "hook_id": 7}'
    sent = httpx.post(
        f"{server.url}/in/{created['slug']}",
        content=body,
        headers=github_headers(created["secret"], body, event="ping"),
    )
    assert sent.status_code == 202, sent.text
    after = ada.get(path).text
    assert '<details class="collapsible setup">' in after  # folded, one click away
    assert "done: 1 accepted so far" in text_of(after)
    assert "Set up GitHub" in text_of(after)
