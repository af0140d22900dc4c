"""Conversions between stored columns and EchoDash's records (shared by every backend)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from echodash.events import Event, Severity
from echodash.search import search_words


def to_micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def event_from_row(row: Any) -> Event:
    """Columns in EVENT_COLUMNS order."""
    return Event(
        id=row[0],
        workspace_id=row[1],
        endpoint_id=row[2],
        delivery_id=row[3],
        source=row[4],
        type=row[5],
        title=row[6],
        summary=row[7],
        actor=row[8],
        subject=row[9],
        url=row[10],
        occurred_at=from_micros(row[11]),
        received_at=from_micros(row[12]),
        severity=Severity(row[13]),
        tags=tuple(orjson.loads(row[14])),
        fields=orjson.loads(row[15]),
    )


EVENT_COLUMNS = (
    "id, workspace_id, endpoint_id, delivery_id, source, type, title, summary, actor, subject, "
    "url, occurred_at, received_at, severity, tags, fields"
)


def fts_query(text: str) -> str | None:
    """User search words as an FTS5 query: every word must match, as a prefix; no operators."""
    words = search_words(text)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)
