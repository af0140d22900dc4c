"""Query and body parameters checked into clear 400 errors."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request

from echodash import event_query
from echodash.events import Category, Origin, Outcome, Severity
from echodash.sources.kit.payload import parse_time
from echodash.store.base import EventFilter
from echodash.web.responses import ApiError

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# Every id EchoDash hands out fits here, far below the 64-bit limit of both stores: a larger
# number is no id of ours, refused before any store sees it.
MAX_ID = 2**62


def parse_id(raw: str | None) -> int | None:
    """An id written in a URL, query or form: ASCII digits, 1 to MAX_ID; else None (the
    caller answers 404 or 400). `str.isdigit()` alone would take "²" and 25-digit numbers."""
    if raw is None or not 0 < len(raw) <= 19 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def path_id(request: Request, name: str, missing: str) -> int:
    """The id in the URL's `{name}` part; 404 with `missing` when it is no possible id."""
    value = parse_id(request.path_params.get(name))
    if value is None:
        raise ApiError(404, "not_found", missing)
    return value


def int_param(value: str | None, name: str, lo: int, hi: int, default: int) -> int:
    if value is None or value == "":
        return default
    # Strictly ASCII digits: int() would also take " 8", "8\r", full-width digits or "1_000".
    if _WHOLE_NUMBER.fullmatch(value) is None or len(value) > 30:
        raise ApiError(400, "bad_parameter", f"`{name}` must be a whole number.")
    number = int(value)
    if not lo <= number <= hi:
        raise ApiError(400, "bad_parameter", f"`{name}` must be between {lo} and {hi}.")
    return number


def time_param(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if _WHOLE_NUMBER.fullmatch(value) is not None:  # Unix seconds or milliseconds
        moment = parse_time(int(value)) if len(value) <= 30 else None
    else:
        moment = parse_time(value)
    if moment is None:
        raise ApiError(
            400, "bad_parameter", f"`{name}` must be an ISO-8601 time like 2026-11-25T10:00:00Z."
        )
    return moment


def query(request: Request, name: str) -> str | None:
    """A single-valued query parameter; given twice, it is an error rather than a guess."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "bad_parameter", f"`{name}` is given more than once.")
    return values[0] if values else None


EVENT_FILTERS = ("source", "type", "endpoint", "severity", "severity_min", "q", "since", "until")


# The shared vocabulary (docs/events.md), filtered by exact word or name.
VOCABULARY_FILTERS = ("category", "service", "environment", "outcome", "origin")
_WORDS: dict[str, tuple[str, ...]] = {
    "category": tuple(c.value for c in Category),
    "outcome": tuple(o.value for o in Outcome),
    "origin": tuple(o.value for o in Origin),
}
MAX_NAME = 300


def only_known(request: Request, *extra: str) -> None:
    """Refuse unknown query parameters: a typo (`?sources=`) must not silently match all."""
    allowed = {*EVENT_FILTERS, *VOCABULARY_FILTERS, *extra}
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise ApiError(
            400,
            "bad_parameter",
            f"Unknown parameter {', '.join(f'`{k}`' for k in unknown)}; "
            f"known: {', '.join(sorted(allowed))}.",
        )


def event_filter(request: Request) -> EventFilter:
    allowed = ", ".join(s.value for s in Severity)
    severity = query(request, "severity") or None
    if severity is not None and severity not in {s.value for s in Severity}:
        raise ApiError(400, "bad_parameter", f"`severity` must be one of: {allowed}.")
    minimum = query(request, "severity_min") or None
    if minimum is not None:
        if minimum not in {s.value for s in Severity}:
            raise ApiError(400, "bad_parameter", f"`severity_min` must be one of: {allowed}.")
        if severity is not None:
            raise ApiError(
                400, "bad_parameter", "Give `severity` (exactly) or `severity_min`, not both."
            )
        severity = event_query.or_worse(minimum)
    endpoint = query(request, "endpoint") or None
    return EventFilter(
        source=query(request, "source") or None,
        type=query(request, "type") or None,
        endpoint_id=int_param(endpoint, "endpoint", 1, MAX_ID, 0) if endpoint else None,
        severity=severity,
        q=(query(request, "q") or "").strip()[:500] or None,
        since=time_param(query(request, "since"), "since"),
        until=time_param(query(request, "until"), "until"),
        **vocabulary_filters(request),
    )


def vocabulary_filters(request: Request) -> dict[str, str]:
    """`category=`, `service=`, `environment=`, `outcome=`, `origin=` as given (empty: any);
    a word the vocabulary does not have is refused with the words it has."""
    found = {}
    for name in VOCABULARY_FILTERS:
        value = (query(request, name) or "").strip()
        if not value:
            continue
        words = _WORDS.get(name)
        if words is not None and value not in words:
            raise ApiError(400, "bad_parameter", f"`{name}` must be one of: {', '.join(words)}.")
        if len(value) > MAX_NAME:
            raise ApiError(400, "bad_parameter", f"`{name}` must be at most {MAX_NAME} characters.")
        found[name] = value
    return found


def encode_cursor(item_id: int, prefix: str = "e") -> str:
    """A page's cursor: the last id shown, marked with what it is an id of (`e` events,
    `a` alerts), so one list's cursor is refused by another."""
    return base64.urlsafe_b64encode(f"{prefix}{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, prefix: str = "e") -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        item_id = parse_id(raw[len(prefix) :]) if raw.startswith(prefix) else None
        if item_id is not None:
            return item_id
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError(400, "bad_parameter", "`cursor` is not one this API gave out.")


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; its size was bounded while it streamed (request_bounds)."""
    raw = await request.body()
    try:
        document = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return document
