"""The `echodash-export` file format: one JSON object per line, written and read back.

Lines: a header, the endpoints (secrets in plain text, as the target store seals them with its
own key), the deliveries (bodies in base64), the events, and an `end` line with the counts.
Times are ISO-8601 UTC with microseconds, so they come back exactly as they were stored.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
import orjson

from echodash import endpoint_admin
from echodash.cli import portable_limits as limits
from echodash.cli.portable_fields import Fields, InvalidLine
from echodash.crypto import SecretBox, SecretKeyError
from echodash.events import Category, Event, Origin, Outcome, Severity
from echodash.sources import notion, source_classes
from echodash.store.base import EndpointRecord, StoredDelivery
from echodash.workspaces import retention_days, workspace_name

T = TypeVar("T")
W = TypeVar("W", Category, Outcome, Origin)

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
        "origin": delivery.origin.value,
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
        "category": event.category.value,
        "service": event.service,
        "environment": event.environment,
        "outcome": None if event.outcome is None else event.outcome.value,
        "commits": list(event.commits),
        "origin": event.origin.value,
    }


@dataclass(frozen=True, slots=True)
class PlainSecret:
    secret: str
    created_at: datetime
    expires_at: datetime | None


# Readers: every field of every line is checked here, before anything is written, with the
# rules the rest of EchoDash applies to the same values (an endpoint's options as
# `POST /api/v1/endpoints` checks them, retention as `PATCH /api/v1/workspace` does).

HEADER_FIELDS = ("type", "format", "version", "exported_at", "workspace")
ENDPOINT_FIELDS = ("type", "id", "kind", "name", "slug", "options", "created_at", "secrets")
SECRET_FIELDS = ("secret", "created_at", "expires_at")
DELIVERY_FIELDS = (
    "type", "id", "endpoint_id", "source", "key", "headers", "body_base64", "received_at",
    "duplicates", "processed",
    "origin",  # left out by exports made before deliveries kept it
)  # fmt: skip
EVENT_FIELDS = (
    "type", "id", "endpoint_id", "delivery_id", "source", "event_type", "title", "summary",
    "actor", "subject", "url", "occurred_at", "received_at", "severity", "tags", "fields",
    # The vocabulary (docs/events.md); exports made before it leave these out.
    "category", "service", "environment", "outcome", "commits", "origin",
)  # fmt: skip
END_FIELDS = ("type", "counts")


def _api_rule(f: Fields, check: Callable[[], T], what: str = "") -> T:
    """A value checked by the rule the API applies to it; its message names the line."""
    try:
        return check()
    except ValueError as exc:  # InvalidEndpointError is one
        raise f.refuse(f"{what}{str(exc).rstrip('.')}") from None


def parse_header(f: Fields) -> tuple[str, int | None]:
    """The exported workspace's name and retention period."""
    # The version first: another version's header may well have other fields.
    version = f.integer("version", 1, limits.MAX_COUNT)
    if version != VERSION:
        raise InvalidLine(
            f.number,
            f"export format version {version} is not supported (this EchoDash reads version "
            f"{VERSION}); import it with the EchoDash version that exported it or a newer one",
        )
    f.only(*HEADER_FIELDS)
    f.time("exported_at")
    workspace = f.nested(f.mapping("workspace"), "workspace")
    workspace.only("name", "retention_days")
    name = _api_rule(workspace, lambda: workspace_name(workspace.check("name", _any)))
    days = _api_rule(workspace, lambda: retention_days(workspace.check("retention_days", _any)))
    return name, days


def parse_endpoint(f: Fields) -> tuple[EndpointRecord, tuple[PlainSecret, ...]]:
    f.only(*ENDPOINT_FIELDS)
    kind = f.text("kind", limits.SHORT_TEXT)
    cls = source_classes().get(kind)
    if cls is None:
        raise InvalidLine(
            f.number,
            f"endpoint kind {kind[:100]!r} is not installed here (installed: "
            f"{', '.join(sorted(source_classes()))})",
        )
    raw_options = f.mapping("options")
    # Exactly what creating the endpoint through the API would accept: options its source
    # cannot be built with would fail every later delivery to it.
    options = _api_rule(
        f,
        lambda: endpoint_admin.check_options(cls, raw_options),
        f"`options` do not suit a {kind} endpoint: ",
    )
    name = _api_rule(f, lambda: endpoint_admin.check_name(f.check("name", _any)))
    secrets = tuple(
        _secret(f.nested(item, "secret")) for item in f.items("secrets", limits.MAX_ITEMS)
    )
    record = EndpointRecord(
        id=f.ident("id"),
        workspace_id=0,
        kind=kind,
        name=name,
        slug=f.required("slug", limits.slug),
        options=options,
        created_at=f.time("created_at"),
    )
    return record, secrets


def _secret(s: Fields) -> PlainSecret:
    s.only(*SECRET_FIELDS)
    plain = _api_rule(s, lambda: endpoint_admin.check_secret(s.check("secret", _any)))
    return PlainSecret(plain, s.time("created_at"), s.opt_time("expires_at"))


def parse_delivery(f: Fields, max_body: int) -> tuple[StoredDelivery, bool]:
    """A delivery, whose body may be at most `max_body` bytes (this installation's limit)."""
    f.only(*DELIVERY_FIELDS)
    delivery = StoredDelivery(
        id=f.ident("id"),
        endpoint_id=f.ident("endpoint_id"),
        workspace_id=0,
        source=f.text("source", limits.SHORT_TEXT),
        key=f.text("key", limits.SHORT_TEXT),
        headers=f.required("headers", limits.headers),
        body=f.required("body_base64", lambda v: limits.base64_body(v, max_body)),
        received_at=f.time("received_at"),
        secret_id=None,
        duplicates=f.integer("duplicates", 0, limits.MAX_COUNT),
    )
    if not f.absent("origin"):
        delivery = replace(delivery, origin=f.required("origin", _word(Origin)))
    return _without_handed_secret(delivery), f.flag("processed")


def _without_handed_secret(delivery: StoredDelivery) -> StoredDelivery:
    """A file from an older version may hold Notion's verification token in its handshake:
    it comes back as the endpoint's secret only (see migrations 0006/0003)."""
    if delivery.source != "notion":
        return delivery
    kept = notion.redacted_handshake(delivery.headers, delivery.body)
    return delivery if kept is None else replace(delivery, body=kept)


def parse_event(f: Fields) -> Event:
    f.only(*EVENT_FIELDS)
    event = _event(f)
    if event.source == "notion" and event.type == notion.VERIFICATION_TYPE:
        kept = notion.redacted_fields(event.fields)
        return event if kept is None else replace(event, fields=kept)
    return event


def _event(f: Fields) -> Event:
    return Event(
        id=f.ident("id"),
        workspace_id=0,
        endpoint_id=f.opt_ident("endpoint_id"),
        delivery_id=f.opt_ident("delivery_id"),
        source=f.text("source", limits.SHORT_TEXT),
        type=f.text("event_type", limits.SHORT_TEXT),
        title=f.text("title", limits.LONG_TEXT),
        summary=f.text("summary", limits.LONG_TEXT),
        actor=f.opt_text("actor", limits.LONG_TEXT),
        subject=f.opt_text("subject", limits.LONG_TEXT),
        url=f.opt_text("url", limits.LONG_TEXT),
        occurred_at=f.time("occurred_at"),
        received_at=f.time("received_at"),
        severity=f.required("severity", _severity),
        tags=f.required("tags", limits.tags),
        fields=f.required("fields", limits.field_values),
        **_vocabulary(f),
    )


def _vocabulary(f: Fields) -> dict[str, Any]:
    """The event's vocabulary; each field an older export leaves out keeps its default."""
    found: dict[str, Any] = {}
    if not f.absent("category"):
        found["category"] = f.required("category", _word(Category))
    for key in ("service", "environment"):
        if not f.absent(key):
            found[key] = f.opt_text(key, limits.SHORT_TEXT)
    if not f.absent("outcome"):
        found["outcome"] = f.check("outcome", _word(Outcome), optional=True)
    if not f.absent("commits"):
        found["commits"] = f.required("commits", limits.tags)
    if not f.absent("origin"):
        found["origin"] = f.required("origin", _word(Origin))
    return found


def _word(kind: type[W]) -> Callable[[Any], W]:
    words = tuple(w.value for w in kind)

    def check(value: Any) -> W:
        if value not in words:
            raise ValueError(f"must be one of {', '.join(words)}")
        return kind(value)

    return check


def parse_end(f: Fields) -> dict[str, Any]:
    """The counts the `end` line gives (compared with the file by the caller)."""
    f.only(*END_FIELDS)
    return f.mapping("counts")


def _any(value: Any) -> Any:
    """No check of its own: the caller applies the API's rule, which has its own message."""
    return value


def _severity(value: Any) -> Severity:
    if value not in _SEVERITIES:
        raise ValueError(f"must be one of {', '.join(_SEVERITIES)}")
    return Severity(value)


_SEVERITIES = tuple(s.value for s in Severity)
