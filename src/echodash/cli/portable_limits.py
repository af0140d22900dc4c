"""What each value of an export may be: types, ranges and sizes every store can hold.

An import checks every line against these before it writes anything; otherwise a crafted
or damaged file would fail inside a store after part of it was written: an integer of 2^63
or more stops SQLite's writer thread (the import hung), PostgreSQL's INTEGER columns end at
2^31 - 1, and a time at the very edge of Python's range overflows when it is converted. The
limits on text and lists are far above what EchoDash itself writes; they only keep one line
from holding megabytes of names.

Each check returns the value or raises ValueError with the end of a sentence ("must be …"),
which the caller completes with the line and the field.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import UTC, datetime
from typing import Any

from echodash.events import EARLIEST, LATEST, FieldValue

MAX_ID = 2**63 - 1  # BIGINT, and SQLite's INTEGER
MAX_COUNT = 2**31 - 1  # PostgreSQL's INTEGER (a delivery's duplicates)
MIN_JSON_INT = -(2**63)  # numbers in event fields: what every JSON reader takes exactly
SHORT_TEXT = 1_000  # kinds, sources, keys, event types, tags, field and header names
LONG_TEXT = 100_000  # titles, summaries, actors, subjects, URLs, field and header values
MAX_ITEMS = 1_000  # secrets of an endpoint, headers of a delivery, tags and fields of an event
# A receive URL's last part: what crypto.new_slug makes, and nothing a path could misread.
SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")
_TIME_TEXT = 64  # longer than any ISO-8601 time


def whole_number(value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"must be a whole number from {lo} to {hi}")
    return value


def text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if len(value) > limit:
        raise ValueError(f"must be at most {limit:,} characters long")
    return value


def slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise ValueError("must be 1 to 100 letters, digits, `-` or `_`")
    return value


def moment(value: Any) -> datetime:
    """An ISO-8601 time with its offset, in UTC."""
    expected = f"must be an ISO-8601 UTC time from {EARLIEST.date()} to {LATEST.date()}"
    if not isinstance(value, str) or len(value) > _TIME_TEXT:
        raise ValueError(expected)
    try:
        parsed = datetime.fromisoformat(value)
        found = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+01:00 in UTC
        found = None
    if found is None or not EARLIEST <= found <= LATEST:
        raise ValueError(expected)
    return found


def items(value: Any, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("must be a JSON array")
    if len(value) > limit:
        raise ValueError(f"must hold at most {limit:,} items")
    return value


def mapping(value: Any, limit: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    if len(value) > limit:
        raise ValueError(f"must hold at most {limit:,} entries")
    too_long = next((k for k in value if len(k) > SHORT_TEXT), None)
    if too_long is not None:
        raise ValueError(f"has a name longer than {SHORT_TEXT:,} characters ({too_long[:40]!r}…)")
    return value


def headers(value: Any) -> dict[str, str]:
    found = mapping(value, MAX_ITEMS)
    for name, header in found.items():
        if not isinstance(header, str) or len(header) > LONG_TEXT:
            raise ValueError(
                f"must map names to text of at most {LONG_TEXT:,} characters ({name[:40]!r})"
            )
    return found


def tags(value: Any) -> tuple[str, ...]:
    found = items(value, MAX_ITEMS)
    if not all(isinstance(t, str) and len(t) <= SHORT_TEXT for t in found):
        raise ValueError(f"must be texts of at most {SHORT_TEXT:,} characters")
    return tuple(found)


def field_values(value: Any) -> dict[str, FieldValue]:
    """An event's fields: plain values by name, numbers as 64-bit integers or finite floats."""
    found = mapping(value, MAX_ITEMS)
    for name, item in found.items():
        if isinstance(item, str):
            ok = len(item) <= LONG_TEXT
        elif isinstance(item, int) and not isinstance(item, bool):
            ok = MIN_JSON_INT <= item <= MAX_ID
        elif isinstance(item, float):
            ok = math.isfinite(item)
        else:
            ok = item is None or isinstance(item, bool)
        if not ok:
            raise ValueError(
                f"must map names to plain values (text of at most {LONG_TEXT:,} characters, "
                f"64-bit numbers, true, false or null), not {str(item)[:40]!r} ({name[:40]!r})"
            )
    return found


def base64_body(value: Any, max_bytes: int) -> bytes:
    """A delivery's body, no larger than this installation takes (ECHODASH_MAX_BODY_BYTES)."""
    too_large = (
        f"holds a body over this installation's limit of {max_bytes:,} bytes "
        "(ECHODASH_MAX_BODY_BYTES)"
    )
    if not isinstance(value, str):
        raise ValueError("must be text (base64)")
    # Four characters for every three bytes: refuse a huge line before decoding it.
    if len(value) > 4 * (max_bytes // 3 + 1):
        raise ValueError(too_large)
    try:
        body = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("is not valid base64") from None
    if len(body) > max_bytes:
        raise ValueError(too_large)
    return body
