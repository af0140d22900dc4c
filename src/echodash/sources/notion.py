"""Notion webhooks: the verification-token handshake, `X-Notion-Signature`, readable signals.

Notion's events are signals, not content: they name the entity that changed (page, database,
data source, block, comment), who changed it and when. The content itself must be fetched from
Notion's API with the entity's id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import orjson

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Handshake, Headers, SignatureError, Source
from echodash.sources.hexsig import verify_hex_hmac
from echodash.sources.payload import line, load_json_quietly, not_an_object, parse_time

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-notion-signature"
SIGNATURE_PREFIX = "sha256="
VERIFICATION_TYPE = "verification"
VERIFICATION_TITLE = "Notion sent its verification token — paste it into Notion to finish"
VERIFICATION_SUMMARY = (
    "An admin finds the token on this endpoint's page in EchoDash; paste it into the Verify "
    "dialog of the webhook subscription in Notion."
)
# What is kept in place of the token: it lives only sealed, as the endpoint's secret.
REDACTED = "[redacted: kept sealed as the endpoint's secret]"
TOKEN_FIELD = "verification_token"  # noqa: S105 - the key's name, not a secret
_FORM = "application/x-www-form-urlencoded"
MAX_TOKEN = 200
# A token is printable ASCII without spaces (Notion's look like `secret_…`).
_TOKEN = re.compile(rf"[!-~]{{8,{MAX_TOKEN}}}", re.ASCII)
# Keys of a real event: a body carrying any of them is not a handshake.
_EVENT_KEYS = frozenset({"id", "type", "entity", "data", "authors", "timestamp"})
_HEX_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)
_LINKED = frozenset({"page", "database"})

# The action part of `page.content_updated` etc., as words after the actor.
_VERBS = {
    "created": "created",
    "content_updated": "updated the content of",
    "properties_updated": "updated the properties of",
    "schema_updated": "changed the schema of",
    "moved": "moved",
    "deleted": "deleted",
    "undeleted": "restored",
    "locked": "locked",
    "unlocked": "unlocked",
    "updated": "updated",
}
_COMMENT_VERBS = {
    "created": "commented on",
    "updated": "edited a comment on",
    "deleted": "deleted a comment on",
}


class NotionSource(Source):
    """An integration's webhook subscription: pages, databases, data sources and comments."""

    kind = "notion"
    name = "Notion"
    order = 30
    icon = (
        '<path d="M4 1.5h12.5L22.5 7.5V20a2.5 2.5 0 0 1-2.5 2.5H4A2.5 2.5 0 0 1 1.5 20V4A2.5 2.5 '
        '0 0 1 4 1.5z" fill="currentColor"/>'
        '<path d="M8 17V7.5l8 9.5V7.5" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#37352f", "#d3d1cb")
    guide = Guide(
        "My integrations → your integration → Webhooks → Create a subscription",
        (
            "Webhook URL: {url}",
            "Notion posts a verification token to EchoDash; it appears on this page, for admins. "
            "Paste it back into Notion's Verify dialog.",
        ),
        tool_makes_secret=True,
        paste_hint="Notion's verification token",
    )
    secret_headers = frozenset({SIGNATURE_HEADER})
    secret_from_handshake = True

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """Notion's first, unsigned request hands over the token it will sign with."""
        if _header(headers, SIGNATURE_HEADER) is not None:
            return None
        token = _verification_token(load_json_quietly(headers, body))
        if token is None:
            return None
        return Handshake(
            answer={"status": "accepted", "handshake": True},
            secret=token,
            keep=True,
            kept_body=_redacted_body(headers),
        )

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """`X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the token>`."""
        value = _header(headers, SIGNATURE_HEADER)
        if (
            value is not None
            and value.strip()
            and not value.strip().lower().startswith(SIGNATURE_PREFIX)
        ):
            raise SignatureError(
                "malformed_signature", "X-Notion-Signature does not start with sha256="
            )
        return verify_hex_hmac(
            headers, SIGNATURE_HEADER, "X-Notion-Signature", body, secrets, prefix=SIGNATURE_PREFIX
        )

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return None
        value = document.get("id")
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Notion", document)]
        if _verification_token(document) is not None or _redacted(document):
            # Never the token itself, whatever the body holds: events are shown to every
            # member, exported and kept in backups.
            return [
                EventDraft(
                    type=VERIFICATION_TYPE,
                    title=VERIFICATION_TITLE,
                    summary=VERIFICATION_SUMMARY,
                    severity=Severity.WARNING,
                    fields={TOKEN_FIELD: REDACTED},
                )
            ]
        signal = _Signal(document)
        try:
            return [signal.draft()]
        except Exception:
            logger.debug("notion %s: title failed", signal.type, exc_info=True)
            return [EventDraft(type=signal.type, title=f"Notion sent {signal.type}")]


def _header(headers: Headers, name: str) -> str | None:
    try:
        value = headers.get(name)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _verification_token(document: Any) -> str | None:
    """The token of a handshake body (`{"verification_token": "secret_…"}`), else None."""
    if not isinstance(document, dict) or _EVENT_KEYS.intersection(document):
        return None
    token = document.get(TOKEN_FIELD)
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        return token
    return None


def _redacted(document: Any) -> bool:
    """Whether this is a handshake body as EchoDash keeps it (the token taken out)."""
    return (
        isinstance(document, dict)
        and not _EVENT_KEYS.intersection(document)
        and document.get(TOKEN_FIELD) == REDACTED
    )


def _redacted_body(headers: Headers) -> bytes:
    """The handshake as it is kept: only the key, with REDACTED for the token (anything else
    in the body could repeat it), in the encoding it came in."""
    document = orjson.dumps({TOKEN_FIELD: REDACTED})
    content_type = (_header(headers, "content-type") or "").split(";")[0].strip().lower()
    if content_type == _FORM:
        return urlencode({"payload": document.decode("utf-8")}).encode("ascii")
    return document


def redacted_handshake(headers: Headers, body: bytes) -> bytes | None:
    """A stored delivery's body with Notion's token taken out, or None when it holds none
    (not a handshake, or kept by this version). For what older versions stored."""
    if _verification_token(load_json_quietly(headers, body)) is None:
        return None
    return _redacted_body(headers)


def redacted_fields(fields: Mapping[str, FieldValue]) -> dict[str, FieldValue] | None:
    """A verification event's fields with the token taken out, or None when they hold none.
    For what older versions stored."""
    if fields.get(TOKEN_FIELD) in (None, REDACTED):
        return None
    return {**fields, TOKEN_FIELD: REDACTED}


def _short(value: Any) -> str | None:
    """A Notion id cut for a title: `59833787…`."""
    raw = line(value, 200)
    if raw is None:
        return None
    compact = raw.replace("-", "")
    return compact[:8] + "…" if len(compact) > 8 else compact


def _page_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    compact = value.replace("-", "").lower()
    return f"https://www.notion.so/{compact}" if _HEX_ID.fullmatch(compact) else None


def _noun(kind: str | None) -> str:
    return (kind or "item").replace("_", " ")


class _Signal:
    """One Notion event (`type`, `entity`, `authors`, `data`…) with safe accessors."""

    __slots__ = ("action", "body", "data", "entity", "resource", "type")

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.type = line(body.get("type"), 80) or "unknown"
        resource, _, action = self.type.rpartition(".")
        self.resource = resource or self.type
        self.action = action if resource else ""
        entity = body.get("entity")
        self.entity: dict[str, Any] = entity if isinstance(entity, dict) else {}
        data = body.get("data")
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    @property
    def authors(self) -> list[dict[str, Any]]:
        found = self.body.get("authors")
        if not isinstance(found, list):
            return []
        return [item for item in found[:100] if isinstance(item, dict)]

    @property
    def actor(self) -> str | None:
        authors = self.authors
        if not authors:
            return None
        first = authors[0]
        kind = line(first.get("type"), 20) or "someone"
        short = _short(first.get("id"))
        return f"{kind} {short}" if short else kind

    @property
    def who(self) -> str:
        actor = self.actor
        if actor is None:
            return "Someone"
        others = len(self.authors) - 1
        if others > 0:
            return f"{actor} and {others} other{'s' if others > 1 else ''}"
        return actor

    @property
    def entity_type(self) -> str | None:
        return line(self.entity.get("type"), 40)

    @property
    def entity_id(self) -> str | None:
        return line(self.entity.get("id"), 80)

    @property
    def subject(self) -> str | None:
        kind = self.entity_type or (self.resource if self.resource != "unknown" else None)
        short = _short(self.entity.get("id"))
        if kind is None and short is None:
            return None
        return " ".join(part for part in (_noun(kind) if kind else None, short) if part)

    @property
    def page_id(self) -> str | None:
        return line(self.data.get("page_id"), 80)

    @property
    def url(self) -> str | None:
        if self.entity_type in _LINKED:
            return _page_url(self.entity.get("id"))
        if self.resource == "comment" or self.entity_type == "comment":
            return _page_url(self.data.get("page_id"))
        return None

    @property
    def severity(self) -> Severity:
        deleted = self.action.endswith("deleted") and not self.action.endswith("undeleted")
        return Severity.WARNING if deleted else Severity.INFO

    def title(self) -> str:
        if self.type == "unknown":
            target = self.subject
            return "Notion sent an event" + (f" about {target}" if target else "")
        if self.resource == "comment":
            page = _short(self.data.get("page_id"))
            target = f"page {page}" if page else "a page"
            doing = _COMMENT_VERBS.get(self.action, f"{self.action.replace('_', ' ')} a comment on")
            return f"{self.who} {doing} {target}"
        target = self.subject or f"a {_noun(self.resource)}"
        verb = _VERBS.get(self.action)
        if verb is not None:
            return f"{self.who} {verb} {target}"
        words = self.action.replace("_", " ")
        if words.endswith("ed"):  # e.g. `file_upload.completed`
            return f"{self.who} {words} {target}"
        return f"Notion sent {self.type} for {target}"

    def fields(self) -> dict[str, FieldValue]:
        values: dict[str, FieldValue] = {
            "workspace": line(self.body.get("workspace_name"), 120),
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "page_id": self.page_id,
        }
        parent = self.data.get("parent")
        if isinstance(parent, dict):
            values["parent_type"] = line(parent.get("type"), 40)
            values["parent_id"] = line(parent.get("id"), 80)
        authors = self.authors
        if authors:
            values["authors"] = len(authors)
        properties = _property_names(self.data.get("updated_properties"))
        if properties:
            values["updated_properties"] = properties
        blocks = self.data.get("updated_blocks")
        if isinstance(blocks, list):
            values["updated_blocks"] = len(blocks)
        attempt = self.body.get("attempt_number")
        if isinstance(attempt, int) and not isinstance(attempt, bool):
            values["attempt_number"] = attempt
        return {key: value for key, value in values.items() if value is not None}

    def draft(self) -> EventDraft:
        return EventDraft(
            type=self.type,
            title=self.title(),
            actor=self.actor,
            subject=self.subject,
            url=self.url,
            occurred_at=parse_time(self.body.get("timestamp")),
            severity=self.severity,
            fields=self.fields(),
        )


def _property_names(value: Any) -> str | None:
    """`updated_properties`: property ids for pages; {id, name, action} for schemas."""
    if not isinstance(value, list):
        return None
    names: list[str] = []
    for item in value[:20]:
        if isinstance(item, dict):
            name = line(item.get("name"), 60) or line(item.get("id"), 60)
            action = line(item.get("action"), 20)
            if name:
                names.append(f"{name} ({action})" if action else name)
        else:
            name = line(item, 60)
            if name:
                names.append(name)
    if len(value) > 20:
        names.append(f"+{len(value) - 20} more")
    return line(", ".join(names), 300) if names else None
