"""Test plumbing: a real `echodash serve` process, signed requests, shared fixtures' paths."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GITHUB_FIXTURES = SHARED / "fixtures" / "github"
STRIPE_RESOURCES = SHARED / "fixtures" / "stripe" / "resources.json"
ARTIFACTS = REPO / "test-artifacts"
ECHODASH = str(Path(sys.executable).with_name("echodash"))
# `sqlite` (default) or `postgres`: the store every test server runs on (see .ci/run).
TEST_BACKEND = os.environ.get("ECHODASH_TEST_BACKEND", "sqlite")
_created_databases: list[str] = []


@atexit.register
def _drop_created_databases() -> None:
    for url in _created_databases:
        try:
            drop_pg_database(url)
        except Exception:  # noqa: S112 (best effort at exit)
            continue


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def github_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_headers(
    secret: str, body: bytes, event: str, delivery: str | None = None
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": github_signature(secret, body),
        "User-Agent": "GitHub-Hookshot/test",
    }


def github_fixtures() -> list[Path]:
    return sorted(GITHUB_FIXTURES.glob("*/*.payload.json"))


def read_answer(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """One HTTP answer from a raw socket (head and Content-Length body), or whatever arrived
    before the server hung up. A `100 Continue` before it is kept in front."""
    answer = b""
    sock.settimeout(timeout)
    while True:
        rest = answer
        while rest.startswith(b"HTTP/1.1 100") and b"\r\n\r\n" in rest:
            rest = rest.split(b"\r\n\r\n", 1)[1]
        head, ended, body = rest.partition(b"\r\n\r\n")
        if ended and not head.startswith(b"HTTP/1.1 100"):
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length is None or len(body) >= int(length.group(1)):
                return answer
        try:
            data = sock.recv(65536)
        except OSError:  # a reset after the answer: what arrived before it is still readable
            return answer
        if not data:
            return answer
        answer += data


@dataclass
class Server:
    """A real `echodash serve` subprocess on a loopback port with its own data directory."""

    data_dir: Path
    token: str = "edk_test-admin-token-0123456789abcdef"
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    pg_url: str | None = None
    # The open-file limit to start with, as prlimit takes it ("256:256" soft and hard, "256:"
    # soft only); empty keeps this process's.
    nofile: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        """The database this server uses (once it has started)."""
        return self.environment().get(
            "ECHODASH_DATABASE", f"sqlite:///{self.data_dir / 'echodash.db'}"
        )

    def cli_env(self) -> dict[str, str]:
        """Environment for an `echodash` command working on this server's data."""
        env = self.environment()
        return {k: v for k, v in env.items() if k != "ECHODASH_BOOTSTRAP_TOKEN"}

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ECHODASH, *args], env=self.cli_env(), capture_output=True, text=True, timeout=timeout
        )

    def environment(self) -> dict[str, str]:
        backend = {}
        if TEST_BACKEND == "postgres" and "ECHODASH_DATABASE" not in self.env:
            # The whole suite runs on PostgreSQL too: each server gets a database of its own,
            # kept across its restarts like its data directory.
            if self.pg_url is None:
                self.pg_url = create_pg_database()
                _created_databases.append(self.pg_url)
            backend["ECHODASH_DATABASE"] = self.pg_url
        return {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")} | {
            "ECHODASH_DATA_DIR": str(self.data_dir),
            "ECHODASH_PORT": str(self.port),
            "ECHODASH_BOOTSTRAP_TOKEN": self.token,
            **backend,
            **self.env,
        }

    def spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        # The log sits beside the data dir, which EchoDash creates itself (and keeps private).
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir.with_name(self.data_dir.name + ".log")
        log = self.log_path.open("ab")
        limit = ["prlimit", f"--nofile={self.nofile}", "--"] if self.nofile else []
        return subprocess.Popen(
            [*limit, ECHODASH, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self, timeout: float = 15.0) -> Server:
        self.process = self.spawn(self.environment())
        return self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 15.0) -> Server:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
            timeout=10.0,
            **kwargs,
        )

    def create_endpoint(self, kind: str = "github", **body: Any) -> dict[str, Any]:
        with self.client() as c:
            r = c.post("/api/v1/endpoints", json={"kind": kind, **body})
            assert r.status_code == 201, r.text
            result: dict[str, Any] = r.json()
            return result

    def wait_for_events(
        self, count: int, timeout: float = 10.0, **params: Any
    ) -> list[dict[str, Any]]:
        """Poll the events API until at least `count` events match (all pages)."""
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            found = self.all_events(**params)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} events, found {len(found)}")

    def all_events(self, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        with self.client() as c:
            while True:
                query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
                r = c.get("/api/v1/events", params=query)
                assert r.status_code == 200, r.text
                page = r.json()
                found.extend(page["events"])
                cursor = page["next_cursor"]
                if not cursor:
                    return found


# PostgreSQL: every test that needs it gets a database of its own on the local server.
PG_ADMIN_URL = os.environ.get("ECHODASH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1.0):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip on a laptop without PostgreSQL; in CI (CI set) a missing server is a failure."""
    import pytest

    if postgres_available():
        return
    if os.environ.get("CI"):
        raise RuntimeError("PostgreSQL must be running in CI (see .ci/run)")
    pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")


def _admin(sql: str) -> None:
    import asyncio
    import concurrent.futures

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run())  # the usual case, and the only one possible at interpreter exit
        return
    # Inside a running event loop (Playwright's sync API runs one) asyncio.run() is refused:
    # use a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def create_pg_database() -> str:
    """A new, empty database; its URL. Drop it with `drop_pg_database`."""
    require_postgres()
    name = f"echodash_test_{uuid.uuid4().hex[:16]}"
    _admin(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if postgres_available():
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class StreamListener:
    """Reads `/api/v1/stream` of a server in a thread; events land in `events` as
    (id, event JSON, monotonic arrival time)."""

    def __init__(self, server: Server, **params: Any) -> None:
        import queue
        import threading

        self.server = server
        self.params = params
        self.events: queue.Queue[tuple[int, dict[str, Any], float]] = queue.Queue()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._sock: socket.socket | None = None

    def __enter__(self) -> StreamListener:
        self._thread.start()
        if not self.connected.wait(10):
            raise AssertionError(f"the stream of {self.server.url} did not open")
        return self

    def __exit__(self, *exc: object) -> None:
        # Hang up now, so a server stopped next need not wait for this stream to end.
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)

    def _run(self) -> None:
        import http.client
        import json
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(
                "GET",
                "/api/v1/stream?" + urlencode(self.params),
                headers={"Authorization": f"Bearer {self.server.token}"},
            )
            self._sock = conn.sock
            response = conn.getresponse()
            event_id = 0
            while line := response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith(": connected"):
                    self.connected.set()
                elif text.startswith("id: "):
                    event_id = int(text[4:])
                elif text.startswith("data: "):
                    self.events.put((event_id, json.loads(text[6:]), time.monotonic()))
        except (OSError, http.client.HTTPException, ValueError):
            return
        finally:
            conn.close()

    def next(self, timeout: float = 5.0) -> tuple[int, dict[str, Any], float]:
        return self.events.get(timeout=timeout)


@contextlib.contextmanager
def first_admin_client(
    server: Server, password: str = "correct horse battery staple"
) -> Iterator[httpx.Client]:
    """A browser-like client signed in as the first admin, created through the real setup
    link the server logged."""
    deadline = time.monotonic() + 10
    while not (found := re.search(r"create the first admin at (\S+)", server.log())):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)
    client = httpx.Client(base_url=server.url, timeout=10, headers={"accept": "text/html"})
    link = found.group(1).removeprefix(server.url)
    form = client.get(link)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text[:300]
    answer = client.post(
        link,
        data={"csrf": csrf.group(1), "name": "Ada", "email": "ada@example.com",
              "password": password},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    try:
        yield client
    finally:
        client.close()
