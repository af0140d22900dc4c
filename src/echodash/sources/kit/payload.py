"""Small pure helpers for reading delivery bodies safely (shared by every source)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs

import orjson

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.kit.signatures import Headers

F = TypeVar("F")
R = TypeVar("R")


def load_json(headers: Headers, body: bytes) -> Any:
    """The JSON document of a delivery, or None when the body is not JSON.

    Form-encoded deliveries carry their JSON in the `payload` field (GitHub does this).
    """
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            return None
        values = form.get("payload")
        if not values:
            return None
        return _loads(values[0].encode("utf-8"))
    return _loads(body)


def _loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except (orjson.JSONDecodeError, RecursionError, ValueError):
        return None


def dig(document: Any, path: str, default: Any = None) -> Any:
    """Follow a dotted path (`a.b.0.c`) through dicts and lists; `default` when it breaks."""
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return current


def text(value: Any, limit: int = 200) -> str | None:
    """A short display string from any JSON value, or None for null/empty/containers."""
    if value is None or isinstance(value, (dict, list)):
        return None
    result = str(value).strip()
    if not result:
        return None
    return result if len(result) <= limit else result[: limit - 1] + "…"


def parse_time(value: Any) -> datetime | None:
    """A UTC datetime from ISO-8601 text or Unix seconds/milliseconds; None when unusable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (ValueError, OverflowError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # e.g. year 9999 with a negative offset
            return None
    return None


def line(value: Any, limit: int = 120) -> str | None:
    """One line of display text: whitespace collapsed, cut to `limit`."""
    raw = text(value, limit=100_000)
    if raw is None:
        return None
    collapsed = " ".join(raw.split())
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def link(*values: Any) -> str | None:
    """The first value that is a web link (only http(s): links end up in HTML)."""
    for value in values:
        if (
            isinstance(value, str)
            and value.startswith(("https://", "http://"))
            and len(value) <= 2000
        ):
            return value
    return None


def load_json_quietly(headers: Headers, body: bytes) -> Any:
    """`load_json`, with None for anything odd in the headers or bytes (parsers never raise)."""
    try:
        return load_json(headers, body)
    except (ValueError, TypeError, UnicodeError, RecursionError, AttributeError):
        return None


def delivery_key(value: Any, limit: int = 200) -> str | None:
    """A sender's delivery id (from a header or a body field) as a dedup key: the stripped
    text, at most `limit` characters; None for anything that is not text."""
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def read_object(headers: Headers, body: bytes, reader: Callable[[dict[str, Any]], R]) -> R | None:
    """The delivery's JSON object in a sender's reader; None when the body is not one."""
    document = load_json_quietly(headers, body)
    return reader(document) if isinstance(document, dict) else None


def not_an_object(
    sender: str, document: Any, what: str = "a delivery", kind: str = "unknown"
) -> EventDraft:
    """The feed line for a verified delivery whose body is not a JSON object: kept and shown."""
    problem = "not JSON" if document is None else "not a JSON object"
    return EventDraft(
        type=kind, title=f"{sender} sent {what} that is {problem}", severity=Severity.WARNING
    )


def registrar(table: dict[str, F]) -> Callable[..., Callable[[F], F]]:
    """A decorator factory that files title builders in `table` under the names given."""

    def builds(*names: str) -> Callable[[F], F]:
        def register(builder: F) -> F:
            for name in names:
                table[name] = builder
            return builder

        return register

    return builds


class PayloadReader(ABC):
    """Safe accessors over one delivery's JSON object, and the phrases titles share.

    Subclasses are frozen dataclasses with a `body` field, and say who acted (`actor`) and
    on what (`subject`)."""

    __slots__ = ()
    body: dict[str, Any]

    @property
    @abstractmethod
    def type(self) -> str:
        """The event's type, e.g. `pull_request.opened`."""

    @property
    def actor(self) -> str | None:
        return None

    @property
    def subject(self) -> str | None:
        return None

    @property
    def service(self) -> str | None:
        """What the event is about in one comparable form: `<kind>:<the tool's name for it>`
        (`github:acme/web`, `vercel:web`); see docs/events.md."""
        return None

    @property
    def environment(self) -> str | None:
        """The environment the event names (`production`, `staging`…), if any."""
        return None

    def keys(self) -> tuple[str, ...]:
        """The names a title builder may be filed under, most specific first (a GitHub
        `pull_request.opened` delivery: the type, then the event `pull_request`)."""
        return (self.type,)

    def home(self) -> str | None:
        """The page an event links to when its title has no better link."""
        return None

    def get(self, path: str) -> Any:
        return dig(self.body, path)

    def text(self, path: str, limit: int = 120) -> str | None:
        return line(self.get(path), limit)

    def first(self, *paths: str, limit: int = 120) -> str | None:
        """The text of the first of `paths` that holds some."""
        return next((found for path in paths if (found := self.text(path, limit))), None)

    def moment(self, value: Any) -> datetime | None:
        """A UTC datetime from one of the sender's time values (a reader may know more
        formats than ISO-8601 and Unix time); None when unusable."""
        try:
            return parse_time(value)
        except (OverflowError, ValueError, OSError):
            return None

    def time(self, *paths: str) -> datetime | None:
        """The first of `paths` that holds a usable time."""
        return next((found for path in paths if (found := self.moment(self.get(path)))), None)

    def number(self, path: str) -> int | None:
        value = self.get(path)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def link(self, *paths: str) -> str | None:
        """The first of `paths` that holds a web link (only http(s): links end up in HTML)."""
        return link(*(self.get(path) for path in paths))

    @property
    def who(self) -> str:
        return self.actor or "Someone"

    @property
    def where(self) -> str:
        return f" in {self.subject}" if self.subject else ""

    @property
    def by(self) -> str:
        return f" by {self.actor}" if self.actor else ""

    def draft(
        self,
        title: str,
        *,
        url: str | None = None,
        occurred_at: datetime | None = None,
        severity: Severity = Severity.INFO,
        tags: Iterable[str | None] = (),
        fields: Mapping[str, FieldValue] | None = None,
        summary: str | None = None,
        category: Category = Category.OTHER,
        outcome: Outcome | None = None,
        environment: str | None = None,
        commits: Iterable[str | None] = (),
    ) -> EventDraft:
        """The event: this payload's type, actor, subject and service, with the builder's
        title and what it says of the vocabulary (category, outcome…; docs/events.md)."""
        return EventDraft(
            type=self.type,
            title=line(title, 300) or self.type,
            summary=summary or "",
            actor=self.actor,
            subject=self.subject,
            url=url if url is not None else self.home(),
            occurred_at=occurred_at,
            severity=severity,
            tags=tuple(dict.fromkeys(t for t in tags if t)),
            fields={k: v for k, v in (fields or {}).items() if v is not None},
            category=category,
            service=self.service,
            environment=environment if environment is not None else self.environment,
            outcome=outcome,
            commits=tuple(dict.fromkeys(c for c in commits if c)),
        )
