"""Live fan-out at the HTTP boundary: many streams with different filters each get exactly
their events, once and in order; a stream whose client stops reading is cut off with an
`event: resync` while everyone else, and the receive path, carry on; resuming after it loses
nothing; quiet streams get heartbeats; another workspace's streams get nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.http.sse import RawStream
from tests.people import first_admin
from tests.support import GITHUB_FIXTURES, Server, StreamListener, github_headers

BACKLOG = 64 * 1024
# Batches of 1,000 small custom events (about 600 bytes a frame): 7 MB, more than the backlog,
# the server's socket buffer (it grows to 4 MiB on loopback), the transport's buffer and the
# client's receive buffer hold together.
BATCHES = 12
ROW_BATCHES = 6  # the feed's frames are rows of HTML, twice as large


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose streams may owe at most 64 KiB, with a heartbeat twice a second."""
    env = {"ECHODASH_STREAM_BACKLOG_BYTES": str(BACKLOG), "ECHODASH_STREAM_KEEPALIVE": "0.5"}
    srv = Server(tmp_path_factory.mktemp("tight"), env=env).start(timeout=60)
    yield srv
    srv.stop()


def _fixture(event: str) -> bytes:
    return sorted((GITHUB_FIXTURES / event).glob("*.payload.json"))[0].read_bytes()


def _deliver(endpoint: dict[str, Any], event: str) -> int:
    body = _fixture(event)
    headers = github_headers(endpoint["secret"], body, event)
    return httpx.post(endpoint["url"], content=body, headers=headers, timeout=10).status_code


def _latest(server: Server) -> int:
    with server.client() as c:
        events = c.get("/api/v1/events", params={"limit": 1}).json()["events"]
    return int(events[0]["id"]) if events else 0


def _drain(listener: StreamListener, count: int) -> list[int]:
    got = [listener.next(timeout=15)[0] for _ in range(count)]
    time.sleep(0.3)
    while not listener.events.empty():  # anything more is a copy or someone else's event
        got.append(listener.events.get()[0])
    return got


def test_many_streams_with_different_filters_each_get_their_events_once_in_order(
    server: Server,
) -> None:
    a = server.create_endpoint("github", name="fan-a")
    b = server.create_endpoint("github", name="fan-b")
    wanted: list[dict[str, Any]] = [
        {}, {}, {},
        {"endpoint": a["id"]}, {"endpoint": a["id"]},
        {"endpoint": b["id"]}, {"endpoint": b["id"]},
        {"type": "ping"}, {"type": "ping"},
        {"endpoint": a["id"], "type": "star.created"},
    ]  # fmt: skip
    start = _latest(server)
    listeners = [StreamListener(server, **params) for params in wanted]
    for listener in listeners:
        listener.__enter__()
    try:
        for n in range(12):
            assert _deliver(a if n % 2 else b, ("ping", "star")[n % 3 == 0]) == 202
        server.wait_for_events(6, endpoint=a["id"])
        server.wait_for_events(6, endpoint=b["id"])
        for params, listener in zip(wanted, listeners, strict=True):
            expected = sorted(e["id"] for e in server.all_events(**params) if e["id"] > start)
            assert _drain(listener, len(expected)) == expected, params
    finally:
        for listener in listeners:
            listener.__exit__()


def _custom_batch(server: Server, count: int) -> None:
    batch = [{"event": "Export finished", "properties": {"rows": n}} for n in range(count)]
    with server.client() as c:
        answer = c.post("/api/v1/events", json={"batch": batch})
    assert answer.status_code == 202, answer.text


def _stored_after(server: Server, start: int, count: int) -> list[int]:
    """The ids of the `count` events stored after `start`, once they all are (in order)."""
    deadline = time.monotonic() + 30
    while True:
        with server.client() as c:
            page = c.get("/api/v1/events", params={"limit": 1}).json()["events"]
        if (page and page[0]["id"] >= start + count) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    stored = sorted(e["id"] for e in server.all_events() if e["id"] > start)
    assert len(stored) == count
    return stored


def test_a_stream_that_stops_reading_is_told_to_resync_while_others_carry_on(
    tight: Server,
) -> None:
    github = tight.create_endpoint("github", name="stall")
    start = _latest(tight)
    stalled = RawStream(tight)  # reads the opening, then stops reading
    assert stalled.status == 200
    assert f"id: {start}" in stalled.text(until=b"id: %d\n\n" % start)
    with StreamListener(tight) as reader:
        for _ in range(BATCHES):
            _custom_batch(tight, 1000)
            # The receive path is not held up by the stalled viewer.
            assert _deliver(github, "ping") == 202
        stored = _stored_after(tight, start, BATCHES * 1001)
        # The reading stream gets every event, once and in order.
        assert _drain(reader, len(stored)) == stored
    # The stalled client reads again: some events, then the resync message, then the end.
    messages = stalled.messages(timeout=15, until=b"event: resync")
    assert stalled.ended or "event: resync" in stalled.text(timeout=5)
    first_part = [m.id for m in messages if m.event == "event"]
    resync = messages[-1]
    assert resync.event == "resync", [m.event for m in messages[-3:]]
    assert resync.data["last_event_id"] == resync.id == (first_part[-1] if first_part else start)
    assert first_part == stored[: len(first_part)] and len(first_part) < len(stored)
    stalled.close()
    # Resuming from the id it was given brings the rest from the store: nothing lost.
    resumed = RawStream(tight, headers={"Last-Event-ID": str(resync.id)})
    more = resumed.messages(timeout=60, until=b"id: %d\n" % stored[-1])
    rest = [m.id for m in more if m.event == "event"]
    resumed.close()
    assert first_part + rest == stored


def test_a_stalled_feed_tab_is_told_to_resync_and_resumes(tight: Server) -> None:
    ada = first_admin(tight)
    try:
        start = _latest(tight)
        cookie = "; ".join(f"{k}={v}" for k, v in ada.client.cookies.items())
        stalled = RawStream(tight, "/feed/stream", {"Cookie": cookie})
        assert stalled.status == 200
        stalled.text(until=b"id: %d\n\n" % start)
        for _ in range(ROW_BATCHES):
            _custom_batch(tight, 1000)
        stored = _stored_after(tight, start, ROW_BATCHES * 1000)
        messages = stalled.messages(timeout=15, until=b"event: resync")
        rows = [m.data["id"] for m in messages if m.event == "row"]
        assert messages[-1].event == "resync"
        assert messages[-1].data["last_event_id"] == (rows[-1] if rows else start)
        stalled.close()
        resumed = RawStream(
            tight, "/feed/stream", {"Cookie": cookie, "Last-Event-ID": str(messages[-1].id)}
        )
        more = resumed.messages(timeout=60, until=b"id: %d\n" % stored[-1])
        resumed.close()
        assert rows + [m.data["id"] for m in more if m.event == "row"] == stored
        assert all('class="row' in m.data["html"] for m in more if m.event == "row")
    finally:
        ada.close()


def test_quiet_streams_get_heartbeats(tight: Server) -> None:
    quiet = RawStream(tight)
    try:
        body = quiet.text(until=b": keep-alive\n\n: keep-alive\n\n", timeout=10)
        assert body.count(": keep-alive") >= 2
    finally:
        quiet.close()


def test_another_workspaces_streams_get_nothing(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data").start(timeout=60)
    ada = first_admin(srv)
    try:
        ours = srv.create_endpoint("github", name="ours")
        ada.client.post("/workspaces", data={"csrf": ada.csrf, "name": "Elsewhere"})
        ada.refresh()
        theirs = Server(srv.data_dir, token=ada.personal_token(), port=srv.port)
        cookie = "; ".join(f"{k}={v}" for k, v in ada.client.cookies.items())
        with (
            StreamListener(srv) as mine,
            StreamListener(theirs) as other,
            StreamListener(theirs, source="github") as other_filtered,
        ):
            other_feed = RawStream(srv, "/feed/stream", {"Cookie": cookie})
            for _ in range(3):
                assert _deliver(ours, "ping") == 202
            assert len(_drain(mine, 3)) == 3
            elsewhere = theirs.create_endpoint("github", name="theirs")
            assert _deliver(elsewhere, "star") == 202
            (only,) = _drain(other, 1)
            assert _drain(other_filtered, 1) == [only]
            assert mine.events.empty()
            rows = other_feed.messages(until=b"id: %d\n" % only)
            other_feed.close()
            assert [m.data["id"] for m in rows if m.event == "row"] == [only]
    finally:
        ada.close()
        srv.stop()
