"""The `echodash-export` file format: one JSON object per line, written and checked.

Lines: a header, the endpoints (secrets in plain text, as the target store seals them with its
own key), the deliveries (bodies in base64), the events, and an `end` line with the counts.
Times are ISO-8601 UTC with microseconds, so they come back exactly as they were stored.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import click
import orjson

from echodash.crypto import SecretBox, SecretKeyError
from echodash.events import Event, FieldValue, Severity
from echodash.sources.registry import source_classes
from echodash.store.base import EndpointRecord, StoredDelivery

FORMAT = "echodash-export"
VERSION = 1


def text_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def json_line(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document) + b"\n"


def endpoint_doc(record: EndpointRecord, box: SecretBox) -> dict[str, Any]:
    try:
        secrets = [
            {
                "secret": box.open(s.sealed),
                "created_at": text_time(s.created_at),
                "expires_at": text_time(s.expires_at) if s.expires_at else None,
            }
            for s in record.secrets
        ]
    except SecretKeyError:
        raise click.ClickException(
            f"the secrets of endpoint {record.id} cannot be decrypted with this secret key: "
            "run export with the server's data directory and ECHODASH_SECRET_KEY"
        ) from None
    return {
        "type": "endpoint",
        "id": record.id,
        "kind": record.kind,
        "name": record.name,
        "slug": record.slug,
        "options": record.options,
        "created_at": text_time(record.created_at),
        "secrets": secrets,
    }


def delivery_doc(delivery: StoredDelivery, processed: bool) -> dict[str, Any]:
    return {
        "type": "delivery",
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "source": delivery.source,
        "key": delivery.key,
        "headers": delivery.headers,
        "body_base64": base64.b64encode(delivery.body).decode("ascii"),
        "received_at": text_time(delivery.received_at),
        "duplicates": delivery.duplicates,
        "processed": processed,
    }


def event_doc(event: Event) -> dict[str, Any]:
    return {
        "type": "event",
        "id": event.id,
        "endpoint_id": event.endpoint_id,
        "delivery_id": event.delivery_id,
        "source": event.source,
        # "type" says what the line is; the event's own type goes by another name.
        "event_type": event.type,
        "title": event.title,
        "summary": event.summary,
        "actor": event.actor,
        "subject": event.subject,
        "url": event.url,
        "occurred_at": text_time(event.occurred_at),
        "received_at": text_time(event.received_at),
        "severity": event.severity.value,
        "tags": list(event.tags),
        "fields": event.fields,
    }


class InvalidLine(Exception):
    """One line of the file is not what the format says."""

    def __init__(self, number: int | None, problem: str) -> None:
        super().__init__(problem if number is None else f"line {number}: {problem}")


def read_lines(handle: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) for every non-blank line, from the top."""
    handle.seek(0)
    for number, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidLine(number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(document, dict):
            raise InvalidLine(number, "not a JSON object")
        yield number, document


class Fields:
    """Typed access to one line's fields; a missing or mistyped field names the line."""

    def __init__(self, number: int, document: dict[str, Any]) -> None:
        self.number = number
        self._doc = document
        self._what = str(document.get("type"))

    def _get(self, key: str, kinds: tuple[type, ...], expected: str, optional: bool) -> Any:
        if key not in self._doc:
            raise InvalidLine(self.number, f"the {self._what} has no `{key}`")
        value = self._doc[key]
        if value is None and optional:
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise InvalidLine(self.number, f"the {self._what}'s `{key}` must be {expected}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, (str,), "text", False)
        return value

    def opt_text(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), "text or null", True)
        return value

    def integer(self, key: str) -> int:
        value: int = self._get(key, (int,), "a whole number", False)
        return value

    def opt_integer(self, key: str) -> int | None:
        value: int | None = self._get(key, (int,), "a whole number or null", True)
        return value

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, (bool,), "true or false", False)
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value: dict[str, Any] = self._get(key, (dict,), "a JSON object", False)
        return value

    def items(self, key: str) -> list[Any]:
        value: list[Any] = self._get(key, (list,), "a JSON array", False)
        return value

    def time(self, key: str) -> datetime:
        return self._parse_time(key, self.text(key))

    def opt_time(self, key: str) -> datetime | None:
        text = self.opt_text(key)
        return None if text is None else self._parse_time(key, text)

    def _parse_time(self, key: str, text: str) -> datetime:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise InvalidLine(
                self.number, f"the {self._what}'s `{key}` must be an ISO-8601 UTC time"
            )
        return moment.astimezone(UTC)

    def nested(self, value: Any, what: str) -> Fields:
        if not isinstance(value, dict):
            raise InvalidLine(self.number, f"each {what} must be a JSON object")
        return Fields(self.number, {**value, "type": f"{self._what}'s {what}"})


@dataclass(frozen=True, slots=True)
class PlainSecret:
    secret: str
    created_at: datetime
    expires_at: datetime | None


def parse_endpoint(f: Fields) -> tuple[EndpointRecord, tuple[PlainSecret, ...]]:
    kind = f.text("kind")
    if kind not in source_classes():
        raise InvalidLine(
            f.number,
            f"endpoint kind {kind!r} is not installed here (installed: "
            f"{', '.join(sorted(source_classes()))})",
        )
    secrets = []
    for item in f.items("secrets"):
        s = f.nested(item, "secret")
        secrets.append(
            PlainSecret(s.text("secret"), s.time("created_at"), s.opt_time("expires_at"))
        )
    record = EndpointRecord(
        id=f.integer("id"),
        workspace_id=0,
        kind=kind,
        name=f.text("name"),
        slug=f.text("slug"),
        options=f.mapping("options"),
        created_at=f.time("created_at"),
    )
    return record, tuple(secrets)


def parse_delivery(f: Fields) -> tuple[StoredDelivery, bool]:
    headers = f.mapping("headers")
    if not all(isinstance(v, str) for v in headers.values()):
        raise InvalidLine(f.number, "the delivery's `headers` must map names to text")
    try:
        body = base64.b64decode(f.text("body_base64"), validate=True)
    except binascii.Error:
        raise InvalidLine(f.number, "the delivery's `body_base64` is not valid base64") from None
    delivery = StoredDelivery(
        id=f.integer("id"),
        endpoint_id=f.integer("endpoint_id"),
        workspace_id=0,
        source=f.text("source"),
        key=f.text("key"),
        headers=headers,
        body=body,
        received_at=f.time("received_at"),
        secret_id=None,
        duplicates=f.integer("duplicates"),
    )
    return delivery, f.flag("processed")


def parse_event(f: Fields) -> Event:
    severity = f.text("severity")
    if severity not in {s.value for s in Severity}:
        raise InvalidLine(f.number, f"unknown severity {severity!r}")
    tags = f.items("tags")
    fields: dict[str, FieldValue] = f.mapping("fields")
    if not all(isinstance(t, str) for t in tags) or not all(
        v is None or isinstance(v, str | int | float | bool) for v in fields.values()
    ):
        raise InvalidLine(f.number, "the event's `tags` must be text and `fields` plain values")
    return Event(
        id=f.integer("id"),
        workspace_id=0,
        endpoint_id=f.opt_integer("endpoint_id"),
        delivery_id=f.opt_integer("delivery_id"),
        source=f.text("source"),
        type=f.text("event_type"),
        title=f.text("title"),
        summary=f.text("summary"),
        actor=f.opt_text("actor"),
        subject=f.opt_text("subject"),
        url=f.opt_text("url"),
        occurred_at=f.time("occurred_at"),
        received_at=f.time("received_at"),
        severity=Severity(severity),
        tags=tuple(tags),
        fields=fields,
    )
