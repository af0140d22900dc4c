"""The group-commit reference receiver from specs/performance.md, for same-run comparison.

A bare ASGI app: HMAC-SHA256 verify + JSON parse + SQLite insert, committed by one writer
thread in groups (whatever is queued), synchronous=FULL, answered only after the commit.
Run: python bench/reference_receiver.py PORT DB_PATH SECRET
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import queue
import sqlite3
import sys
import threading
from typing import Any

import orjson
import uvicorn

PORT, DB, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
jobs: queue.SimpleQueue[tuple[tuple[Any, ...], asyncio.Future[None], asyncio.AbstractEventLoop]]
jobs = queue.SimpleQueue()


def writer() -> None:
    conn = sqlite3.connect(DB, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, key TEXT UNIQUE, body BLOB)"
    )
    while True:
        batch = [jobs.get()]
        while True:
            try:
                batch.append(jobs.get_nowait())
            except queue.Empty:
                break
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR IGNORE INTO deliveries (key, body) VALUES (?, ?)", [b[0] for b in batch]
        )
        conn.execute("COMMIT")
        loop = batch[0][2]
        loop.call_soon_threadsafe(_done, [b[1] for b in batch])


def _done(futures: list[asyncio.Future[None]]) -> None:
    for f in futures:
        if not f.done():
            f.set_result(None)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    threading.Thread(target=writer, daemon=True).start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    given = headers.get(b"x-hub-signature-256", b"").decode()
    if not hmac.compare_digest(expected, given):
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    orjson.loads(body)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    jobs.put(((headers.get(b"x-github-delivery", b"").decode(), body), future, loop))
    await future
    await send(
        {
            "type": "http.response.start",
            "status": 202,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"status":"accepted"}'})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=PORT,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
