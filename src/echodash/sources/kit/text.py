"""Text helpers titles share: names as words, counts with nouns, short SHAs, first lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echodash.sources.kit.payload import dig, line, parse_time, text


def words(name: str) -> str:
    """`review_requested` → `review requested`."""
    return " ".join(name.replace("_", " ").replace("-", " ").split())


def moment(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except (OverflowError, ValueError, OSError):  # far-off dates overflow on conversion to UTC
        return None


def short_sha(sha: str | None) -> str | None:
    return sha[:7] if sha else None


def ref_name(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :] or None
    return ref


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def item_label(prefix: str, number: int | None, title: str | None) -> str:
    """`issue #12 Crash on login`, with whatever parts the payload has."""
    parts = [prefix, f"#{number}" if number is not None else None, title]
    return " ".join(p for p in parts if p) or "an item"


def label_names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [name for label in value if (name := line(dig(label, "name"), 50))]


def first_line(value: Any, limit: int = 200) -> str | None:
    raw = text(value, limit=100_000)
    return line(raw.splitlines()[0], limit) if raw else None


def duration(seconds: Any) -> str | None:
    """`3m 12s` from a number of seconds (None for anything else, or an absurd number)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        return None
    if seconds != seconds or seconds > 10**9:  # NaN or absurd
        return None
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
