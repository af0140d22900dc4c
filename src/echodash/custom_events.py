"""Custom events: a team's own product events (`POST /api/v1/events`, `echodash import`).

One event is `{"event": "Signed up", "source"?: "web-app", "distinct_id"?: "u_1",
"timestamp"?: ISO-8601, "values"|"properties"?: {…}, "id"?: "idempotency key"}`, and the
shared vocabulary where it applies (docs/events.md): `"category"?`, `"service"?`,
`"environment"?`, `"outcome"?`, `"commits"?: [ids]`. Each is kept
as a delivery of the workspace's "custom" endpoint, so it is durable, deduplicated by its id
and parsed into the feed like any webhook.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from echodash.events import EARLIEST, Category, Outcome

MAX_NAME = 200
MAX_TEXT = 200
MAX_ID = 200
MAX_COMMITS = 100
MAX_COMMIT = 100
MAX_VALUES_BYTES = 32 * 1024
# Objects and lists inside `values`, counting `values` itself. orjson writes at most 254
# levels (the stored body adds one): refused here, a deeper event could never be stored.
MAX_DEPTH = 64
# Backfill may go back as far as people like; the future only by a clock's drift.
MAX_AHEAD = timedelta(hours=1)
_VOCABULARY = frozenset({"category", "service", "environment", "outcome", "commits"})
_KNOWN = frozenset(
    {"event", "source", "distinct_id", "timestamp", "values", "properties", "id", *_VOCABULARY}
)


class InvalidCustomEvent(ValueError):
    """A custom event a person must fix; the message says what and how."""


@dataclass(frozen=True, slots=True)
class CustomEvent:
    name: str
    source: str | None
    distinct_id: str | None
    timestamp: datetime
    values: dict[str, Any]
    key: str
    category: Category | None = None
    service: str | None = None
    environment: str | None = None
    outcome: Outcome | None = None
    commits: tuple[str, ...] = ()

    def body(self) -> bytes:
        """The event as it is stored (and as the custom source parses it)."""
        document: dict[str, Any] = {
            "event": self.name,
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "id": self.key,
        }
        if self.source is not None:
            document["source"] = self.source
        if self.distinct_id is not None:
            document["distinct_id"] = self.distinct_id
        if self.values:
            document["values"] = self.values
        if self.category is not None:
            document["category"] = self.category.value
        if self.service is not None:
            document["service"] = self.service
        if self.environment is not None:
            document["environment"] = self.environment
        if self.outcome is not None:
            document["outcome"] = self.outcome.value
        if self.commits:
            document["commits"] = list(self.commits)
        return orjson.dumps(document)


def _text(doc: dict[str, Any], name: str, limit: int, required: bool = False) -> str | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise InvalidCustomEvent(f'`{name}` is required (a text such as "Signed up")')
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidCustomEvent(f"`{name}` must be text")
    text = str(value).strip()
    if not text or len(text) > limit or any(ord(c) < 32 for c in text):
        raise InvalidCustomEvent(
            f"`{name}` must be 1 to {limit} characters of text without control characters"
        )
    return text


def _choice(doc: dict[str, Any], name: str, allowed: type[Category] | type[Outcome]) -> Any:
    """One of the vocabulary's words (`category`, `outcome`), or None when not sent."""
    value = doc.get(name)
    if value is None:
        return None
    words = [member.value for member in allowed]
    if not isinstance(value, str) or value not in words:
        shown = repr(value)[:40] if isinstance(value, str) else "not text"
        raise InvalidCustomEvent(f"`{name}` must be one of {', '.join(words)} ({shown})")
    return allowed(value)


def _commits(doc: dict[str, Any]) -> tuple[str, ...]:
    value = doc.get("commits")
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_COMMITS:
        raise InvalidCustomEvent(
            f"`commits` must be a list of at most {MAX_COMMITS} commit SHAs or change ids"
        )
    found = []
    for index, item in enumerate(value):
        ok = isinstance(item, str) and 0 < len(item.strip()) <= MAX_COMMIT
        if not ok or any(ord(c) < 32 for c in item):
            raise InvalidCustomEvent(
                f"`commits[{index}]` must be 1 to {MAX_COMMIT} characters of text "
                "(a commit SHA or a change id)"
            )
        found.append(item.strip())
    return tuple(dict.fromkeys(found))


def _timestamp(doc: dict[str, Any], now: datetime) -> datetime:
    raw = doc.get("timestamp")
    if raw is None:
        return now
    if not isinstance(raw, str):
        raise InvalidCustomEvent("`timestamp` must be an ISO-8601 text like 2026-11-26T10:00:00Z")
    try:
        moment = datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidCustomEvent(
            f"`timestamp` {raw[:40]!r} is not ISO-8601 (like 2026-11-26T10:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise InvalidCustomEvent("`timestamp` needs a time zone (end it with Z for UTC)")
    out_of_range = f"`timestamp` must be from {EARLIEST.date()} to an hour from now"
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise InvalidCustomEvent(out_of_range) from None
    if moment < EARLIEST:
        raise InvalidCustomEvent(out_of_range)
    if moment > now + MAX_AHEAD:
        raise InvalidCustomEvent("`timestamp` is more than an hour in the future")
    return moment


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether objects and lists in `value` nest more than `limit` levels deep.

    A loop, not recursion: the value came from a request and may nest up to 1,024 levels.
    """
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if level > limit:
            return True
        pending.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return False


def _values(doc: dict[str, Any]) -> dict[str, Any]:
    values = doc.get("values")
    properties = doc.get("properties")
    if values is not None and properties is not None:
        raise InvalidCustomEvent("send `values` or `properties`, not both")
    chosen = values if values is not None else properties
    if chosen is None:
        return {}
    if not isinstance(chosen, dict):
        raise InvalidCustomEvent("`values` must be a JSON object")
    if nests_deeper(chosen, MAX_DEPTH):
        raise InvalidCustomEvent(
            f"`values` may nest objects and lists at most {MAX_DEPTH} levels deep"
        )
    if len(orjson.dumps(chosen)) > MAX_VALUES_BYTES:
        raise InvalidCustomEvent(f"`values` must stay under {MAX_VALUES_BYTES // 1024} KiB")
    return chosen


def parse_custom_event(doc: Any, now: datetime, default_key: str | None = None) -> CustomEvent:
    """A checked custom event; `default_key` names it when it carries no `id`."""
    if not isinstance(doc, dict):
        raise InvalidCustomEvent("an event must be a JSON object with at least `event`")
    unknown = sorted(set(doc) - _KNOWN)
    if unknown:
        listed = ", ".join(f"`{k}`" for k in unknown[:5])
        raise InvalidCustomEvent(
            f"unknown field {listed}; put your own data in `values` (or `properties`)"
        )
    name = _text(doc, "event", MAX_NAME, required=True)
    assert name is not None
    key = _text(doc, "id", MAX_ID) or default_key or f"uuid:{uuid.uuid4()}"
    event = CustomEvent(
        name=name,
        source=_text(doc, "source", MAX_TEXT),
        distinct_id=_text(doc, "distinct_id", MAX_TEXT),
        timestamp=_timestamp(doc, now),
        values=_values(doc),
        key=f"id:{key}",
    )
    if _VOCABULARY.isdisjoint(doc):  # most product events: nothing more to check
        return event
    return replace(
        event,
        category=_choice(doc, "category", Category),
        service=_text(doc, "service", MAX_TEXT),
        environment=_text(doc, "environment", MAX_TEXT),
        outcome=_choice(doc, "outcome", Outcome),
        commits=_commits(doc),
    )
