"""Helpers for the alerts API tests: the server's own store, other workspaces, member tokens."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx

from echodash.crypto import hash_token
from echodash.store import open_store
from echodash.store.base import Store
from tests.support import Server

T = TypeVar("T")


def with_server_store(server: Server, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work` on the running server's database, as another process would."""

    async def run() -> T:
        store = open_store(server.database_url)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def other_workspace(server: Server, name: str = "Other team") -> tuple[int, str]:
    """A new workspace and an admin token of it."""
    token = "edk_other-" + uuid.uuid4().hex

    async def make(store: Store) -> int:
        workspace = await store.create_workspace(name)
        await store.create_api_token(workspace, "other", hash_token(token), "admin")
        return workspace

    return with_server_store(server, make), token


def member_token(server: Server) -> str:
    made = server.cli("tokens", "create", "--role", "member")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def client(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def rule(name: str, **changes: Any) -> dict[str, Any]:
    """A small valid rule: every failed GitHub workflow run, to a signed webhook."""
    return {
        "name": name,
        "match": {
            "source": "github",
            "type": "workflow_run.completed",
            "where": [{"field": "workflow_run.conclusion", "op": "eq", "value": "failure"}],
        },
        "condition": {"kind": "every"},
        "actions": [
            {"kind": "webhook", "url": "https://hooks.example.com/a", "secret": "whsec_c2VjcmV0"}
        ],
        **changes,
    }


# A Standard Webhooks secret for notification tests.
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Hooks(ThreadingHTTPServer):
    """A loopback receiver keeping each request's headers and body."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Hooks

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass
