"""The endpoint page of a Notion endpoint: waiting for Notion, then the token to paste back."""

from __future__ import annotations

import httpx

from tests.support import Server, first_admin_client


def test_the_source_page_shows_the_token_notion_handed_over(server: Server) -> None:
    endpoint = server.create_endpoint("notion", name="Acme wiki")
    assert endpoint["secret"] == ""
    with first_admin_client(server) as browser:
        page = browser.get(f"/sources/{endpoint['id']}")
        assert "Waiting for Notion" in page.text
        token = "secret_tLm9a2VuLWZyb20tbm90aW9uLWhhbmRzaGFrZQ"
        answer = httpx.post(endpoint["url"], json={"verification_token": token})
        assert answer.status_code == 200
        server.wait_for_events(1, endpoint=endpoint["id"])
        page = browser.get(f"/sources/{endpoint['id']}")
        assert f'<code id="handed-token">{token}</code>' in page.text
        assert "Verify" in page.text and "Waiting for Notion" not in page.text
