"""`echodash serve --workers N`: several processes on one port (PostgreSQL only)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support import ECHODASH, Server, StreamListener, github_headers

pytestmark = pytest.mark.own_stores

BODY = b'{"zen": "Design for failure.", "hook_id": 7}'


def test_workers_share_the_port_and_the_live_feed(pg_url: str, tmp_path: Path) -> None:
    server = Server(tmp_path / "node", env={"ECHODASH_DATABASE": pg_url, "ECHODASH_WORKERS": "2"})
    server.start()
    try:
        assert server.process is not None
        children = subprocess.run(
            ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 2, "two worker processes (and uvicorn's helpers)"
        endpoint = server.create_endpoint("github", name="workers")
        url = f"{server.url}/in/{endpoint['slug']}"
        with StreamListener(server, endpoint=endpoint["id"]) as stream:
            # New connections land on either worker; every delivery reaches the one stream.
            for _ in range(10):
                with httpx.Client() as fresh:
                    headers = github_headers(endpoint["secret"], BODY, "ping")
                    assert fresh.post(url, content=BODY, headers=headers).status_code == 202
            ids = [stream.next()[0] for _ in range(10)]
        assert ids == sorted(ids) and len(set(ids)) == 10
        assert len(server.all_events(endpoint=endpoint["id"])) == 10
        runs = [line for line in server.log().splitlines() if "job retention ran" in line]
        assert len(runs) == 1, runs  # due on both workers at start; one of them ran it
    finally:
        server.stop()


def test_workers_above_one_need_postgresql(tmp_path: Path) -> None:
    env = Server(tmp_path / "data").environment() | {"ECHODASH_WORKERS": "2"}
    env.pop("ECHODASH_DATABASE", None)
    done = subprocess.run([ECHODASH, "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "ECHODASH_WORKERS above 1 needs PostgreSQL" in done.stderr


def test_every_worker_bounds_its_connections(pg_url: str, tmp_path: Path) -> None:
    """The bounded HTTP protocol reaches the worker processes (its settings travel pickled):
    whichever worker takes them, idle connections close after the header timeout and an
    oversized header block is refused."""
    server = Server(
        tmp_path / "node",
        env={
            "ECHODASH_DATABASE": pg_url,
            "ECHODASH_WORKERS": "2",
            "ECHODASH_HEADER_TIMEOUT": "1",
        },
    )
    server.start()
    try:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(6)]
        started = time.monotonic()
        for sock in idle:
            sock.settimeout(5)
            assert sock.recv(1) == b""  # closed by the server, not timed out here
            sock.close()
        assert time.monotonic() - started < 3
        for _ in range(6):
            r = httpx.get(server.url + "/healthz", headers={"X-Huge": "h" * 70_000})
            assert r.status_code == 431
    finally:
        server.stop()
