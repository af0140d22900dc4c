"""`POST /api/v1/events/{id}/replay`: an admin parses a stored delivery again into a new event
marked as a replay; members, other ids and pruned deliveries are refused with clear answers."""

from __future__ import annotations

import httpx

from tests.people import first_admin, member
from tests.support import GITHUB_FIXTURES, Server, github_headers


def test_an_admin_replays_a_delivery_into_a_new_event(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="replayed")
    body = (GITHUB_FIXTURES / "issues" / "opened.payload.json").read_bytes()
    with fresh_server.client() as c:
        sent = c.post(
            f"/in/{endpoint['slug']}",
            content=body,
            headers=github_headers(endpoint["secret"], body, "issues"),
        )
        assert sent.status_code == 202, sent.text
        [original] = fresh_server.wait_for_events(1)

        answer = c.post(f"/api/v1/events/{original['id']}/replay")
        assert answer.status_code == 202, answer.text
        replayed = answer.json()
        assert replayed["event_ids"] == [replayed["event_id"]]
        assert replayed["event_id"] > original["id"]

        events = {e["id"]: e for e in fresh_server.wait_for_events(2)}
        copy = events[replayed["event_id"]]
        assert copy["origin"] == "replay"
        assert events[original["id"]]["origin"] == "webhook"
        assert (copy["type"], copy["title"]) == (original["type"], original["title"])

        assert c.post("/api/v1/events/999999/replay").status_code == 404
        assert c.post("/api/v1/events/abc/replay").status_code in (400, 404)


def test_a_member_cannot_replay(fresh_server: Server) -> None:
    fresh_server.start()
    with fresh_server.client() as c:
        sent = c.post("/api/v1/events", json={"event": "Signed up", "distinct_id": "u_1"})
        assert sent.status_code == 202
    [event] = fresh_server.wait_for_events(1)
    ada = first_admin(fresh_server)
    bob = member(ada, "bob@example.com")
    # As a member's session and as a member's personal token.
    assert bob.api("POST", f"/api/v1/events/{event['id']}/replay").status_code == 403
    token = bob.personal_token()
    with httpx.Client(base_url=fresh_server.url) as c:
        answer = c.post(
            f"/api/v1/events/{event['id']}/replay", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 403, answer.text
    assert len(fresh_server.all_events()) == 1  # nothing was made
