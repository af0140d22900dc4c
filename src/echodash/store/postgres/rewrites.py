"""PostgreSQL: rewrites of stored rows that SQL cannot do safely (JSON read out of delivery
bodies). Each runs once, right after the migration script of its name, in its transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson

from echodash.sources.notion import redacted_handshake
from echodash.store.postgres.connection import Conn

BATCH = 500


async def redact_notion_tokens(conn: Conn) -> None:
    """Older versions kept Notion's verification token in the handshake delivery's body."""
    last = 0
    while rows := await conn.fetch(
        "SELECT id, headers, body FROM deliveries WHERE source = 'notion' AND id > $1 "
        "ORDER BY id LIMIT $2",
        last,
        BATCH,
    ):
        for row in rows:
            kept = redacted_handshake(orjson.loads(row["headers"]), bytes(row["body"]))
            if kept is not None:
                await conn.execute("UPDATE deliveries SET body = $1 WHERE id = $2", kept, row["id"])
        last = rows[-1]["id"]


REWRITES: dict[str, Callable[[Conn], Awaitable[None]]] = {
    "0003_redact_notion_tokens.sql": redact_notion_tokens,
}
