"""Conversions between stored columns and EchoDash's records (shared by every backend)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from echodash.events import Category, Event, EventDraft, Origin, Outcome, Severity, shown_text
from echodash.search import search_words
from echodash.store.base import StoredDelivery, TokenListing, UserRecord


def to_micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def event_from_row(row: Any, when: Callable[[Any], datetime] = from_micros) -> Event:
    """Columns in EVENT_COLUMNS order; `when` reads a stored time (SQLite keeps integer
    microseconds, PostgreSQL gives datetimes)."""
    return Event(
        id=row[0],
        workspace_id=row[1],
        endpoint_id=row[2],
        delivery_id=row[3],
        source=row[4],
        type=row[5],
        # Shown text never reorders itself (stored before EchoDash removed such controls).
        title=shown_text(row[6]),
        summary=shown_text(row[7]),
        actor=None if row[8] is None else shown_text(row[8]),
        subject=None if row[9] is None else shown_text(row[9]),
        url=row[10],
        occurred_at=when(row[11]),
        received_at=when(row[12]),
        severity=Severity(row[13]),
        tags=tuple(orjson.loads(row[14])),
        fields=orjson.loads(row[15]),
        category=_CATEGORIES.get(row[16], Category.OTHER),
        service=row[17],
        environment=row[18],
        outcome=_OUTCOMES.get(row[19]) if row[19] is not None else None,
        commits=tuple(orjson.loads(row[20])),
        origin=_ORIGINS.get(row[21], Origin.WEBHOOK),
    )


# Read leniently: a word a later version wrote (and this one does not know) reads as the
# default rather than failing the whole page.
_CATEGORIES = {c.value: c for c in Category}
_OUTCOMES = {o.value: o for o in Outcome}
_ORIGINS = {o.value: o for o in Origin}

# Custom events `echodash import` stored before deliveries kept their origin: their key.
_IMPORTED_CUSTOM_KEY = "id:import:"


def origin_of(delivery: StoredDelivery) -> Origin:
    """How a stored delivery's events reached EchoDash (a replay says so itself)."""
    if delivery.origin != Origin.WEBHOOK:
        return delivery.origin
    # Kept before deliveries had an origin: custom events come only through the API or an
    # import (the custom endpoint's receive URL refuses everything).
    if delivery.source == "custom":
        return Origin.IMPORT if delivery.key.startswith(_IMPORTED_CUSTOM_KEY) else Origin.API
    return Origin.WEBHOOK


def outcome_value(outcome: Outcome | None) -> str | None:
    return None if outcome is None else outcome.value


def delivery_from_row(row: Any, when: Callable[[Any], datetime] = from_micros) -> StoredDelivery:
    """Columns in DELIVERY_COLUMNS order."""
    return StoredDelivery(
        id=row[0],
        endpoint_id=row[1],
        workspace_id=row[2],
        source=row[3],
        key=row[4],
        headers=orjson.loads(row[5]),
        body=bytes(row[6]),
        received_at=when(row[7]),
        secret_id=row[8],
        duplicates=row[9],
        origin=_ORIGINS.get(row[10], Origin.WEBHOOK),
    )


def as_is(moment: datetime) -> datetime:
    """For stores whose driver already gives datetimes."""
    return moment


DELIVERY_COLUMNS = (
    "id, endpoint_id, workspace_id, source, key, headers, body, received_at, secret_id, "
    "duplicates, origin"
)

EVENT_COLUMNS = (
    "id, workspace_id, endpoint_id, delivery_id, source, type, title, summary, actor, subject, "
    "url, occurred_at, received_at, severity, tags, fields, category, service, environment, "
    "outcome, commits, origin"
)


# An event with the delivery it came from, in one row (None when it has none: a restored
# event whose delivery was pruned): `SELECT {EVENT_AND_DELIVERY} FROM {EVENTS_AND_DELIVERIES}`.
EVENT_AND_DELIVERY = ", ".join(
    [f"e.{c.strip()}" for c in EVENT_COLUMNS.split(",")]
    + [f"d.{c.strip()}" for c in DELIVERY_COLUMNS.split(",")]
)
EVENTS_AND_DELIVERIES = "events e LEFT JOIN deliveries d ON d.id = e.delivery_id"
_EVENT_WIDTH = len(EVENT_COLUMNS.split(","))


def event_and_delivery(
    row: Any, when: Callable[[Any], datetime] = from_micros
) -> tuple[Event, StoredDelivery | None]:
    values = tuple(row)
    event = event_from_row(values[:_EVENT_WIDTH], when)
    if values[_EVENT_WIDTH] is None:
        return event, None
    return event, delivery_from_row(values[_EVENT_WIDTH:], when)


def fts_query(text: str) -> str | None:
    """User search words as an FTS5 query: every word must match, as a prefix; no operators."""
    words = search_words(text)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


# Accounts: the same columns on every backend.
USER_COLUMNS = "id, email, name, password_hash, created_at"
API_TOKEN_FIELDS = "id, name, role, user_id, created_at"  # noqa: S105 (column names)


def user_from_row(row: Any, when: Callable[[Any], datetime] = from_micros) -> UserRecord:
    return UserRecord(row[0], row[1], row[2], row[3], when(row[4]))


def token_from_row(row: Any, when: Callable[[Any], datetime] = from_micros) -> TokenListing:
    return TokenListing(row[0], row[1], row[2], row[3], when(row[4]))


# A token is looked up with its owner's membership: a personal token never does more than its
# owner may do now (an admin's token made before a demotion acts as a member's), and stops
# with the membership. Workspace tokens (no owner, made with the CLI) keep their own role.
LIVE_KEY_QUERY = (
    "SELECT t.id, t.workspace_id, t.name, "
    "CASE WHEN t.user_id IS NULL OR m.role = 'admin' THEN t.role ELSE 'member' END, "
    "t.created_at, t.user_id FROM api_tokens t LEFT JOIN memberships m "
    "ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id "
    "WHERE t.token_hash = {hash} AND t.revoked_at IS NULL "
    "AND (t.user_id IS NULL OR m.role IS NOT NULL)"
)


# An invitation adds a person or raises their role, never lowers it: an admin following a
# member's invitation to their own workspace stays admin (it may be the last one).
NEVER_LOWER = "CASE WHEN memberships.role = 'admin' THEN 'admin' ELSE excluded.role END"


def unstorable_draft(delivery: StoredDelivery, problem: BaseException) -> EventDraft:
    """The event of a delivery whose parsed events could not be stored: plain words that any
    store holds, so the delivery is still in the feed (its raw body kept for a replay)."""
    return EventDraft(
        type="unstorable",
        title=f"{delivery.source} delivery {delivery.id} could not be stored as parsed "
        f"({type(problem).__name__}); its raw body is kept",
        severity=Severity.WARNING,
        tags=("unstorable",),
    )


# A table counted per endpoint and time slot: (FROM clause, its endpoint, workspace and time
# columns, the amount per row); SQL both backends read alike.
VolumeSource = tuple[str, str, str, str, str]
DELIVERY_VOLUME: VolumeSource = (
    "deliveries",
    "endpoint_id",
    "workspace_id",
    "received_at",
    "count(*)",
)
REFUSAL_VOLUME: VolumeSource = (
    "refusal_log l JOIN endpoints e ON e.id = l.endpoint_id",
    "l.endpoint_id",
    "e.workspace_id",
    "l.at",
    "sum(l.count)",
)
