"""A token never does more than its owner may do now: demotion, removal and revocation hold
at once, for API calls and for open live streams, on every node."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from echodash.web.api.stream import MAX_STREAMS_PER_CALLER
from tests.people import Person, first_admin, member
from tests.support import Server


class Tail:
    """`/api/v1/stream` read with a given token in a thread; `ended` is set when the server
    ends the stream."""

    def __init__(self, server: Server, token: str) -> None:
        self.server, self.token = server, token
        self.connected, self.ended = threading.Event(), threading.Event()
        self.status = 0
        self._conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        threading.Thread(target=self._run, daemon=True).start()
        assert self.connected.wait(10), "the stream did not open"

    def _run(self) -> None:
        try:
            self._conn.request(
                "GET", "/api/v1/stream", headers={"Authorization": f"Bearer {self.token}"}
            )
            response = self._conn.getresponse()
            self.status = response.status
            self.connected.set()
            while response.readline():
                pass
        except OSError:
            pass
        finally:
            self.connected.set()
            self.ended.set()

    def close(self) -> None:
        # Hang up from this side; the reading thread then ends on its own.
        if self._conn.sock is not None:
            try:
                self._conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.ended.wait(5)


def _api(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[Person]:
    person = first_admin(server)
    yield person
    person.close()


def test_a_demoted_admins_token_acts_as_a_member_at_once(server: Server, ada: Person) -> None:
    carol = member(ada, "carol@example.com", role="admin")
    token = carol.personal_token("made while admin")
    with _api(server, token) as api:
        made = api.post("/api/v1/endpoints", json={"kind": "github", "name": "before-demotion"})
        assert made.status_code == 201, made.text
        endpoint_id = made.json()["id"]
        demoted = ada.post(f"/settings/members/{carol.user_id(ada)}/role", role="member")
        assert demoted.status_code == 303
        # No grace period: the very next request is a member's.
        attempts = {
            "create": api.post("/api/v1/endpoints", json={"kind": "github", "name": "after"}),
            "rotate": api.post(f"/api/v1/endpoints/{endpoint_id}/secrets", json={}),
            "rename": api.patch(f"/api/v1/endpoints/{endpoint_id}", json={"name": "x"}),
            "retention": api.patch("/api/v1/workspace", json={"retention_days": 30}),
            "delete": api.delete(f"/api/v1/endpoints/{endpoint_id}"),
        }
        assert {k: a.status_code for k, a in attempts.items()} == dict.fromkeys(attempts, 403)
        assert api.get(f"/api/v1/endpoints/{endpoint_id}").status_code == 200  # still reads
        assert api.get("/api/v1/workspace").json()["retention_days"] is None
    carol.close()


def test_a_removed_members_token_and_stream_stop_at_once(server: Server, ada: Person) -> None:
    dave = member(ada, "dave@example.com")
    token = dave.personal_token("tail")
    with _api(server, token) as api:
        assert api.get("/api/v1/events").status_code == 200
        tail = Tail(server, token)
        assert tail.status == 200
        removed = ada.post(f"/settings/members/{dave.user_id(ada)}/remove")
        assert removed.status_code == 303
        assert api.get("/api/v1/events").status_code == 401
        # The open stream ends too, well before its next 15-second keep-alive.
        assert tail.ended.wait(3), "the removed member's stream stayed open"
        tail.close()
    dave.close()


def test_a_revoked_tokens_stream_ends(server: Server, ada: Person) -> None:
    erin = member(ada, "erin@example.com")
    token = erin.personal_token("to revoke")
    tail = Tail(server, token)
    page = erin.client.get("/settings/tokens").text
    token_id = page.split('action="/settings/tokens/')[-1].split("/")[0]
    assert erin.post(f"/settings/tokens/{token_id}/revoke").status_code == 303
    assert tail.ended.wait(3)
    with _api(server, token) as api:
        assert api.get("/api/v1/events").status_code == 401
    erin.close()


def test_one_account_cannot_hold_open_unlimited_streams(server: Server) -> None:
    tails = [Tail(server, server.token) for _ in range(MAX_STREAMS_PER_CALLER)]
    try:
        assert all(t.status == 200 for t in tails)
        with _api(server, server.token) as api:
            refused = api.get("/api/v1/stream")
            assert refused.status_code == 429
            assert refused.json()["error"] == "too_many_streams"
        tails.pop().close()
        time.sleep(0.3)
        again = Tail(server, server.token)
        assert again.status == 200
        tails.append(again)
    finally:
        for tail in tails:
            tail.close()


@pytest.mark.own_stores
def test_removal_holds_on_every_node(pg_url: str, tmp_path: Path) -> None:
    """Two nodes on one database: a removal made on node A stops the member's token and
    stream on node B at once (nothing is remembered per node)."""
    env = {"ECHODASH_DATABASE": pg_url, "ECHODASH_SECRET_KEY": "two-nodes-key-0123456789abcdef"}
    a = Server(tmp_path / "a", env=env).start()
    b = Server(tmp_path / "b", env=env).start()
    try:
        admin = first_admin(a)
        frank = member(admin, "frank@example.com")
        token = frank.personal_token("on b")
        with _api(b, token) as on_b:
            assert on_b.get("/api/v1/events").status_code == 200
            tail = Tail(b, token)
            assert admin.post(f"/settings/members/{frank.user_id(admin)}/remove").status_code == 303
            assert on_b.get("/api/v1/events").status_code == 401
            assert tail.ended.wait(3), "node B kept the removed member's stream open"
            tail.close()
        admin.close()
        frank.close()
    finally:
        a.stop()
        b.stop()
