"""Disk full: a real server whose database cannot grow answers 503 + Retry-After, keeps
everything it acknowledged, logs calmly, and takes deliveries again once space returns.

"Disk full" is the server process's file-size limit (RLIMIT_FSIZE) lowered with prlimit to
the size its largest database file has: SQLite's writes past it fail with EFBIG (Python
ignores SIGXFSZ; SQLite reports a disk I/O error), much as a full disk fails a growing WAL
with ENOSPC. Raising the soft limit back is the space returning. Only the soft limit moves,
so no privilege is needed. The server's output goes through a pipe, so its log is not
limited with it.
"""

from __future__ import annotations

import base64
import resource
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.support import ECHODASH, Server, github_fixtures, github_headers

# A file-size limit is how a full disk looks to SQLite; PostgreSQL's counterpart is the
# database going away (tests/http/test_pg_restart.py).
pytestmark = pytest.mark.sqlite_only

FSIZE = resource.RLIMIT_FSIZE


class LimitedServer(Server):
    """`Server`, with its output read through a pipe and timestamped line by line."""

    lines: list[tuple[float, str]]
    space: tuple[int, int] = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)

    def spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        self.lines = []
        process = subprocess.Popen(
            [ECHODASH, "serve"],
            env=env | {"ECHODASH_LOG_FORMAT": "json"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.process = process
        threading.Thread(target=self._pump, daemon=True).start()
        return process

    def log(self) -> str:
        return self.output()

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def logged_between(self, start: float, end: float, levels: set[str]) -> list[str]:
        """Lines logged in [start, end] at one of `levels` (a traceback counts as an error)."""
        found = []
        for at, line in self.lines:
            if not start <= at <= end:
                continue
            try:
                level = orjson.loads(line).get("level", "")
            except orjson.JSONDecodeError:
                level = "error" if "Traceback" in line or "ERROR" in line else ""
            if level in levels:
                found.append(line)
        return found

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def fill_disk(self) -> None:
        """No more room: the database files may not grow past the size they have now."""
        sizes = [p.stat().st_size for p in self.data_dir.glob("echodash.db*")]
        self.space = resource.prlimit(self.pid, FSIZE)
        resource.prlimit(self.pid, FSIZE, (max(sizes), self.space[1]))

    def free_disk(self) -> None:
        resource.prlimit(self.pid, FSIZE, self.space)


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[LimitedServer]:
    srv = LimitedServer(tmp_path / "data")
    srv.start()
    yield srv
    if srv.process and srv.process.poll() is None:
        srv.free_disk()
    srv.stop()


class Sender:
    """Signed GitHub deliveries with distinct real bodies; remembers what was acknowledged."""

    def __init__(self, srv: LimitedServer) -> None:
        self.endpoint = srv.create_endpoint("github", name="disk-full")
        self.bodies = [p.read_bytes() for p in github_fixtures()[:40]]
        self.acked: dict[str, bytes] = {}
        self.client = httpx.Client(timeout=10.0)
        self.count = 0

    def send(self, delivery: str | None = None) -> tuple[str, httpx.Response]:
        self.count += 1
        delivery = delivery or f"disk-{uuid.uuid4()}"
        body = self.bodies[self.count % len(self.bodies)]
        headers = github_headers(self.endpoint["secret"], body, "push", delivery)
        r = self.client.post(self.endpoint["url"], content=body, headers=headers)
        if 200 <= r.status_code < 300:
            self.acked[delivery] = body
        return delivery, r


def assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 503, f"{r.status_code} {r.text}"
    assert r.headers.get("retry-after", "").isdigit(), r.headers
    assert r.headers["content-type"].startswith("application/json")
    document = r.json()
    assert document["error"] == "store_unavailable" and document["detail"], document


def fill_until_refused(srv: LimitedServer, sender: Sender) -> None:
    """Lower the limit, then send until the store runs out of room (a few frames may fit)."""
    srv.fill_disk()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, r = sender.send()
        if r.status_code != 202:
            assert_refused(r)
            return
    raise AssertionError("the store kept accepting deliveries after its disk was full")


def test_disk_full_refuses_with_503_then_recovers_without_restart(limited: LimitedServer) -> None:
    sender = Sender(limited)
    pid = limited.pid
    before = [sender.send() for _ in range(30)]
    assert all(r.status_code == 202 for _, r in before), [r.text for _, r in before]
    fill_until_refused(limited, sender)

    # While the disk is full: every delivery is refused with 503, none is acknowledged.
    outage_start = time.monotonic()
    refused: list[str] = []
    while time.monotonic() - outage_start < 4.0:
        delivery, r = sender.send()
        assert_refused(r)
        refused.append(delivery)
        time.sleep(0.02)
    assert limited.process is not None and limited.process.poll() is None, "server crashed"
    outage_end = time.monotonic()
    seconds = outage_end - outage_start
    errors = limited.logged_between(outage_start, outage_end, {"error", "critical"})
    assert len(errors) <= seconds + 1, f"{len(errors)} error lines in {seconds:.1f} s:\n" + (
        "\n".join(errors)
    )
    noisy = limited.logged_between(outage_start, outage_end, {"warning", "error", "critical"})
    assert len(noisy) <= 2 * seconds + 2, f"{len(noisy)} lines in {seconds:.1f} s:\n" + (
        "\n".join(noisy)
    )
    # Reads still work while writes cannot: what was acknowledged is there to see.
    with limited.client() as c:
        assert c.get("/api/v1/events", params={"limit": 1}).status_code == 200

    # Space returns: deliveries are accepted again within 5 s, by the same process.
    limited.free_disk()
    freed = time.monotonic()
    first_ok = None
    while time.monotonic() - freed < 5.0:
        _, r = sender.send()
        if r.status_code == 202:
            first_ok = time.monotonic() - freed
            break
        assert_refused(r)
        time.sleep(0.05)
    assert first_ok is not None, "deliveries still refused 5 s after space returned"
    assert limited.pid == pid and limited.process.poll() is None, "the server was restarted"
    # The senders retry what was refused (same ids), and new deliveries keep coming.
    for delivery in refused:
        _, r = sender.send(delivery)
        assert r.status_code == 202, r.text
    for _ in range(20):
        assert sender.send()[1].status_code == 202

    # Every delivery that got a 2xx, before and after, is exactly one event, byte for byte.
    events = limited.wait_for_events(len(sender.acked), timeout=15, endpoint=sender.endpoint["id"])
    stored = stored_bodies(limited, events)
    assert sorted(stored) == sorted(sender.acked), "acknowledged deliveries lost or extra"
    assert len(events) == len(sender.acked), "one event per delivery"
    for delivery, body in sender.acked.items():
        assert stored[delivery] == body


def test_healthz_is_503_while_the_store_cannot_write(limited: LimitedServer) -> None:
    sender = Sender(limited)
    assert sender.send()[1].status_code == 202
    fill_until_refused(limited, sender)
    r = httpx.get(limited.url + "/healthz", timeout=5)
    assert r.status_code == 503, f"/healthz says {r.status_code} {r.text} while writes fail"
    assert r.headers.get("retry-after", "").isdigit()
    limited.free_disk()
    deadline = time.monotonic() + 5
    while httpx.get(limited.url + "/healthz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "/healthz still 503 5 s after space returned"
        time.sleep(0.05)


def stored_bodies(srv: Server, events: list[dict[str, Any]]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    with srv.client() as c:
        for event in events:
            detail = c.get(f"/api/v1/events/{event['id']}").json()
            raw, key = detail["raw"], detail["delivery"]["key"]
            assert key not in found, f"two events for delivery {key}"
            body = raw["body"]
            found[key] = body.encode() if body is not None else base64.b64decode(raw["body_base64"])
    return found
