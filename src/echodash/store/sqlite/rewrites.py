"""SQLite: rewrites of stored rows that SQL cannot do safely (JSON read out of delivery
bodies). Each runs once, right after the migration script of its name, in its transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import orjson

from echodash.sources.notion import redacted_handshake

BATCH = 500


def redact_notion_tokens(conn: sqlite3.Connection) -> None:
    """Older versions kept Notion's verification token in the handshake delivery's body."""
    last = 0
    while rows := conn.execute(
        "SELECT id, headers, body FROM deliveries WHERE source = 'notion' AND id > ? "
        "ORDER BY id LIMIT ?",
        (last, BATCH),
    ).fetchall():
        for delivery_id, headers, body in rows:
            kept = redacted_handshake(orjson.loads(headers), bytes(body))
            if kept is not None:
                conn.execute("UPDATE deliveries SET body = ? WHERE id = ?", (kept, delivery_id))
        last = rows[-1][0]


REWRITES: dict[str, Callable[[sqlite3.Connection], None]] = {
    "0006_redact_notion_tokens.sql": redact_notion_tokens,
}
