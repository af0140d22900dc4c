"""Notion's verification token lives only sealed, as the endpoint's secret (issue 10, finding
7): a member once read it off the handshake's event and signed a forged Notion delivery with
it. Not in the stored delivery, its event, any page, the API, an export or the database;
only an admin sees it, on the endpoint's page, to paste it into Notion."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import uuid
from typing import Any

import httpx

from echodash.sources.notion import REDACTED
from tests.people import first_admin, member
from tests.support import Server

TOKEN = "secret_Zt4mQ8pW2xKc7VbN1rLy6HsD3fGa9JeU5oTi0nRq"


def _signed_event() -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "timestamp": "2025-06-02T14:35:41.512Z",
            "type": "page.created",
            "authors": [{"id": "1a2b3c4d-0000-4a4a-8b8b-0123456789ab", "type": "person"}],
            "entity": {"id": "59833787-2cf9-4fdf-8782-e53db20768a5", "type": "page"},
        }
    ).encode()
    digest = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Notion-Signature": f"sha256={digest}"}


def _connected(server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Notion endpoint after Notion's handshake, and the handshake's event."""
    endpoint = server.create_endpoint("notion", name="acme wiki")
    answer = httpx.post(endpoint["url"], json={"verification_token": TOKEN})
    assert answer.status_code == 200, answer.text
    (event,) = server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["type"] == "verification"
    return endpoint, event


def test_members_pages_and_the_api_never_show_the_token_admins_see_it(
    fresh_server: Server,
) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    bob = member(ada, "bob@example.com")
    endpoint, event = _connected(server)
    event_path = f"/events/{event['id']}"
    with server.client() as api:
        seen = {
            "member's endpoint page": bob.client.get(f"/sources/{endpoint['id']}"),
            "member's event page": bob.client.get(event_path),
            "member's event panel": bob.client.get(f"{event_path}/panel"),
            "member's feed": bob.client.get("/"),
            "member's API, one event": bob.api("GET", f"/api/v1/events/{event['id']}"),
            "member's API, the feed": bob.api("GET", "/api/v1/events"),
            "admin's event page": ada.client.get(event_path),
            "admin token, one event": api.get(f"/api/v1/events/{event['id']}"),
            "admin token, the endpoint": api.get(f"/api/v1/endpoints/{endpoint['id']}"),
        }
    for name, answer in seen.items():
        assert answer.status_code == 200, (name, answer.text[:300])
        assert TOKEN not in answer.text, name
    # What is kept says where the token went; the member learns that it came.
    raw = seen["admin token, one event"].json()["raw"]["body"]
    assert json.loads(raw) == {"verification_token": REDACTED}
    assert "[redacted: kept sealed" in seen["member's event page"].text
    assert "only admins see it here" in seen["member's endpoint page"].text

    # The admin sets Notion up: the token is on the endpoint's page, opened from the seal.
    page = ada.client.get(f"/sources/{endpoint['id']}").text
    assert f'<code id="handed-token">{TOKEN}</code>' in page
    # Notion's deliveries signed with it are verified.
    body, headers = _signed_event()
    assert httpx.post(endpoint["url"], content=body, headers=headers).status_code == 202
    server.wait_for_events(1, endpoint=endpoint["id"], type="page.created")
    # Parsing the kept handshake again brings no token back.
    replayed = ada.post(f"{event_path}/replay")
    assert replayed.status_code == 303
    again = bob.client.get(replayed.headers["location"])
    assert again.status_code == 200 and TOKEN not in again.text


def test_exports_and_the_database_hold_the_token_only_sealed(fresh_server: Server) -> None:
    server = fresh_server.start()
    endpoint, _ = _connected(server)
    body, headers = _signed_event()
    assert httpx.post(endpoint["url"], content=body, headers=headers).status_code == 202
    server.wait_for_events(2, endpoint=endpoint["id"])

    exported = server.data_dir.with_name("workspace.jsonl")
    done = server.cli("export", str(exported))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds.count("delivery") == 2 and kinds.count("event") == 2
    for line in lines:
        if line["type"] == "endpoint":
            # An export moves a workspace, secrets included (in plain text, mode 0600): the
            # token is there once, as what it is, the endpoint's secret.
            assert [s["secret"] for s in line["secrets"]] == [TOKEN]
            continue
        assert TOKEN not in json.dumps(line), line["type"]
        if line["type"] == "delivery":
            assert TOKEN.encode() not in base64.b64decode(line["body_base64"])

    server.stop()
    if server.pg_url:
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-d", server.pg_url], capture_output=True, check=True
        ).stdout
        assert b"acme wiki" in dump  # the dump is real: the endpoint's name is in it
        assert re.search(rb"redacted: kept sealed", dump)
        assert TOKEN.encode() not in dump
    else:
        files = sorted(server.data_dir.glob("echodash.db*"))
        assert files
        for path in files:
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in server.log()
