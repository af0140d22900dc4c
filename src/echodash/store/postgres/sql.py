"""SQL for the PostgreSQL store: statements, filters and row conversions (no connections held)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from echodash.events import Event, EventDraft, Origin, clean_text, storable
from echodash.search import search_words, text_words
from echodash.store import rows
from echodash.store.base import EndpointRecord, EventFilter, SecretRecord, StoredDelivery
from echodash.store.rows import VolumeSource

# Where committed events are announced (payload "first-last": the ids of one commit).
EVENTS_CHANNEL = "echodash_events"
# Where a lowered or ended access to a workspace is announced (payload: the workspace id).
ACCESS_CHANNEL = "echodash_access"
# Advisory lock keys (one namespace for EchoDash; the second number names the lock).
LOCK_SPACE = 0x6563_6864  # "echd"
LOCK_MIGRATIONS = 1
LOCK_EVENTS = 2
LOCK_ALERTS = 3  # one alert evaluation at a time

EVENT_COLUMNS = rows.EVENT_COLUMNS
DELIVERY_COLUMNS = rows.DELIVERY_COLUMNS
ENDPOINT_COLUMNS = "id, workspace_id, kind, name, slug, options, created_at"

# A lexeme may not exceed 2 KiB; words longer than this are indexed by their start.
_MAX_LEXEME = 256
_MAX_LEXEMES = 4000


def clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters (or lone surrogates): U+FFFD instead."""
    return clean_text(text)


def jsonb(value: Any) -> str:
    """JSON for a jsonb parameter (jsonb refuses \\u0000 too)."""
    return orjson.dumps(value).decode("utf-8").replace("\\u0000", "\\ufffd")


def lexemes(event_text: str) -> list[str]:
    """The search index's words for an event: the same words live matching uses."""
    seen = dict.fromkeys(w[:_MAX_LEXEME] for w in text_words(event_text))
    return list(seen)[:_MAX_LEXEMES]


def ts_query(text: str) -> str | None:
    """User search words as a tsquery: every word must match, as a prefix; no operators."""
    words = search_words(text)
    if not words:
        return None
    return " & ".join(f"'{w[:_MAX_LEXEME]}':*" for w in words)


def event_where(workspace_id: int, filters: EventFilter) -> tuple[list[str], list[Any]]:
    params: list[Any] = [workspace_id]
    where = ["e.workspace_id = $1"]

    def add(condition: str, value: Any) -> None:
        params.append(value)
        where.append(condition.replace("?", f"${len(params)}"))

    for column, value in (
        ("source", filters.source),
        ("type", filters.type),
        ("endpoint_id", filters.endpoint_id),
        ("severity", filters.severity),
        ("category", filters.category),
        ("service", filters.service),
        ("environment", filters.environment),
        ("outcome", filters.outcome),
        ("origin", filters.origin),
    ):
        if value is not None:
            add(f"e.{column} = ?", clean(value) if isinstance(value, str) else value)
    if filters.since is not None:
        add("e.occurred_at >= ?", filters.since)
    if filters.until is not None:
        add("e.occurred_at < ?", filters.until)
    if filters.q:
        query = ts_query(filters.q)
        if query is not None:
            add("e.search @@ ?::tsquery", query)
    return where, params


def prefixed(columns: str) -> str:
    return ", ".join("e." + c.strip() for c in columns.split(","))


def event_from_row(row: Any) -> Event:
    return rows.event_from_row(row, rows.as_is)


def delivery_from_row(row: Any) -> StoredDelivery:
    return rows.delivery_from_row(row, rows.as_is)


def endpoint_from_rows(row: Any, secrets: list[Any]) -> EndpointRecord:
    return EndpointRecord(
        id=row[0],
        workspace_id=row[1],
        kind=row[2],
        name=row[3],
        slug=row[4],
        options=orjson.loads(row[5]),
        created_at=row[6],
        secrets=tuple(SecretRecord(s[1], s[2], s[3], s[4]) for s in secrets),
    )


# Events in column arrays for one unnest() INSERT; with them, in the same statement (no
# round trip of its own), each event whose workspace has an enabled rule is queued for alert
# evaluation (replays and restores too: the evaluator tells them by their origin).
_INSERT_EVENTS = (
    "INSERT INTO events (workspace_id, endpoint_id, delivery_id, source, type, title, summary, "
    "actor, subject, url, occurred_at, received_at, severity, tags, fields, search, category, "
    "service, environment, outcome, commits, origin) "
    "SELECT w, en, d, so, ty, ti, su, ac, sb, ur, oc, re, se, tg, fi, "
    "array_to_tsvector(string_to_array(sr, ' ')), ca, sv, ev, ou, cm, og "
    "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], "
    "$7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], "
    "$13::text[], $14::jsonb[], $15::jsonb[], $16::text[], $17::text[], $18::text[], "
    "$19::text[], $20::text[], $21::jsonb[], $22::text[]) WITH ORDINALITY "
    "AS t(w, en, d, so, ty, ti, su, ac, sb, ur, oc, re, se, tg, fi, sr, ca, sv, ev, ou, cm, og, n) "
    "ORDER BY n RETURNING " + EVENT_COLUMNS
)
INSERT_EVENTS = (
    f"WITH saved AS ({_INSERT_EVENTS}), queued AS (INSERT INTO alert_queue (event_id, "
    "workspace_id) SELECT s.id, s.workspace_id FROM saved s WHERE EXISTS (SELECT 1 FROM "
    "alert_rules r WHERE r.workspace_id = s.workspace_id AND r.enabled)) "
    f"SELECT {EVENT_COLUMNS} FROM saved"
)
_INSERT_COLUMNS = 22


def event_columns(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows (as `event_row` makes them) as the column arrays INSERT_EVENTS takes."""
    if not rows:
        return [[]] * _INSERT_COLUMNS
    return [list(column) for column in zip(*rows, strict=True)]


def event_row(
    workspace_id: int,
    endpoint_id: int | None,
    delivery_id: int | None,
    source: str,
    draft: EventDraft,
    occurred_at: datetime,
    received_at: datetime,
    origin: Origin,
) -> tuple[Any, ...]:
    draft = storable(draft)  # no NUL, no lone surrogate: nothing PostgreSQL refuses
    title, summary, actor, subject, kind = (
        draft.title, draft.summary, draft.actor, draft.subject, draft.type
    )  # fmt: skip
    words = lexemes(" ".join(f for f in (title, summary, actor, subject, kind, source) if f))
    return (
        workspace_id,
        endpoint_id,
        delivery_id,
        clean(source),
        kind,
        title,
        summary,
        actor,
        subject,
        draft.url,
        occurred_at,
        received_at,
        draft.severity.value,
        jsonb(list(draft.tags)),
        jsonb(draft.fields),
        " ".join(words),
        draft.category.value,
        draft.service,
        draft.environment,
        rows.outcome_value(draft.outcome),
        jsonb(list(draft.commits)),
        origin.value,
    )


def volume_query(
    source: VolumeSource, workspace_id: int, since: datetime, bucket: timedelta, buckets: int
) -> tuple[str, list[Any]]:
    """The query counting `source` per endpoint in `buckets` intervals of `bucket` from
    `since` (rows: endpoint id, slot, amount), for `volume_of`."""
    table, endpoint, workspace, at, amount = source
    width = max(bucket.total_seconds(), 0.000001)
    sql = (
        f"SELECT {endpoint}, floor(extract(epoch FROM {at} - $2) / $3)::int, {amount} "
        f"FROM {table} WHERE {workspace} = $1 AND {at} >= $2 AND {at} < $4 GROUP BY 1, 2"
    )
    return sql, [workspace_id, since, width, since + bucket * buckets]


def volume_of(rows: Any, buckets: int) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for endpoint_id, slot, count in rows:
        if 0 <= slot < buckets:
            found.setdefault(endpoint_id, [0] * buckets)[slot] = int(count)
    return found
