"""Only an admin loads or removes the demo: a member, and an admin demoted a moment ago, are
refused and change nothing (the demo's events stay, an empty workspace stays empty)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.people import first_admin, member
from tests.support import Server

pytestmark = pytest.mark.slow  # the module's server sends the demo's 90 days first (~10 s)


def _event_count(server: Server) -> int:
    return len(server.all_events())


def test_members_and_demoted_admins_cannot_remove_the_demo(demo_server: Server) -> None:
    before = _event_count(demo_server)
    ada = first_admin(demo_server)
    bob = member(ada, "bob@example.com")
    carol = member(ada, "carol@example.com", role="admin")
    demoted = ada.post(f"/settings/members/{carol.user_id(ada)}/role", role="member")
    assert demoted.status_code == 303
    try:
        for person in (bob, carol):
            refused = person.post("/demo/remove")
            assert refused.status_code == 403, refused.text
            # The banner tells them what the data is, without the admin's button.
            feed = person.client.get("/").text
            assert "This is demo data from Acme" in feed
            assert "Remove demo data" not in feed
        assert _event_count(demo_server) >= before
        assert "Remove demo data" in ada.client.get("/").text
    finally:
        for person in (ada, bob, carol):
            person.close()


def test_a_member_cannot_load_the_demo(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    try:
        ada = first_admin(server)
        bob = member(ada, "bob@example.com")
        refused = bob.post("/demo/load")
        assert refused.status_code == 403, refused.text
        assert "Load demo data" not in bob.client.get("/").text
        assert "Load demo data" in ada.client.get("/").text
        assert server.all_events() == []
        with server.client() as c:
            assert c.get("/api/v1/endpoints").json()["endpoints"] == []
        ada.close()
        bob.close()
    finally:
        server.stop()
