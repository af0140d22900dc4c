"""Copy that is right for the page it is on: no promise of a secret where none is shown, no
secrets on a source that has none, no welcome once a tool is connected, no literal backticks,
and set-up steps that fold away once deliveries arrive."""

from __future__ import annotations

import html
import re
import time
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


def test_the_endpoint_page_lists_refusals_and_charts_them_beside_accepted(
    server: Server, ada: httpx.Client
) -> None:
    started_hour = time.gmtime().tm_hour
    created = server.create_endpoint("github", name="acme/charted")
    url = f"{server.url}/in/{created['slug']}"
    body = b'{"zen": "Mind your words, they are important.", "hook_id": 11}'
    for _ in range(2):
        signed = github_headers(created["secret"], body, "ping")
        sent = httpx.post(url, content=body, headers=signed)
        assert sent.status_code == 202
    for _ in range(3):
        forged = httpx.post(url, content=body, headers=github_headers("wrong", body, "ping"))
        assert forged.status_code == 401
    path = f"/sources/{created['id']}"
    deadline = time.monotonic() + 20
    page = ada.get(path).text
    # Refusals are stored about once a second, so all three may take more than one flush.
    while "3 refused" not in text_of(page) and time.monotonic() < deadline:
        time.sleep(0.2)
        page = ada.get(path).text
    table = page[page.index('id="refusals"') :]
    table = table[: table.index("</table>")]
    rows = [text_of(r) for r in re.findall(r"<tr>.*?</tr>", table, re.S)[1:]]
    assert len(rows) >= 1 and all("bad_signature" in r for r in rows)
    assert sum(int(r.split()[-1]) for r in rows) == 3  # every refused delivery accounted for
    assert "just now" in rows[0] or "ago" in rows[0]
    # One chart: the hour's accepted and refused, stacked, with their totals in the legend.
    assert 'class="accepted"' in page and 'class="refused"' in page
    assert "2 accepted 3 refused" in text_of(page)
    assert "24 h ago" in text_of(page)
    if started_hour == time.gmtime().tm_hour:  # all five in one hour's bar
        assert "busiest hour 5" in text_of(page)
    sources = text_of(ada.get("/sources").text)
    assert "2 accepted 3 refused" in sources
