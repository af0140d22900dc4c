"""Notion's payload reader: one event (`type`, `entity`, `authors`, `data`…), or the
verification request that hands over the subscription's token.

Notion's events are signals, not content: they name the entity that changed (page, database,
data source, comment, file upload), who changed it and when. The content itself must be
fetched from Notion's API with the entity's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.events import FieldValue
from echodash.sources.kit.payload import PayloadReader, line, parse_time

VERIFICATION_TYPE = "verification"
TOKEN_FIELD = "verification_token"  # noqa: S105 - the key's name, not a secret
# What is kept in place of the token: it lives only sealed, as the endpoint's secret.
REDACTED = "[redacted: kept sealed as the endpoint's secret]"
MAX_TOKEN = 200
# A token is printable ASCII without spaces (Notion's look like `secret_…`).
_TOKEN = re.compile(rf"[!-~]{{8,{MAX_TOKEN}}}", re.ASCII)
# Keys of a real event: a body carrying any of them is not a handshake.
_EVENT_KEYS = frozenset({"id", "type", "entity", "data", "authors", "timestamp"})
_HEX_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)
_LINKED = frozenset({"page", "database"})


def verification_token(document: Any) -> str | None:
    """The token of a handshake body (`{"verification_token": "secret_…"}`), else None."""
    if not isinstance(document, dict) or _EVENT_KEYS.intersection(document):
        return None
    token = document.get(TOKEN_FIELD)
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        return token
    return None


def is_redacted(document: Any) -> bool:
    """Whether this is a handshake body as EchoDash keeps it (the token taken out)."""
    return (
        isinstance(document, dict)
        and not _EVENT_KEYS.intersection(document)
        and document.get(TOKEN_FIELD) == REDACTED
    )


def short_id(value: Any) -> str | None:
    """A Notion id cut for a title: `59833787…`."""
    raw = line(value, 200)
    if raw is None:
        return None
    compact = raw.replace("-", "")
    return compact[:8] + "…" if len(compact) > 8 else compact


def page_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    compact = value.replace("-", "").lower()
    return f"https://www.notion.so/{compact}" if _HEX_ID.fullmatch(compact) else None


def noun(kind: str | None) -> str:
    return (kind or "item").replace("_", " ")


@dataclass(frozen=True, slots=True)
class Signal(PayloadReader):
    """One Notion delivery: an event, or the verification request (type `verification`)."""

    body: dict[str, Any]

    @property
    def handshake(self) -> bool:
        return verification_token(self.body) is not None or is_redacted(self.body)

    @property
    def type(self) -> str:
        if self.handshake:
            return VERIFICATION_TYPE
        return line(self.body.get("type"), 80) or "unknown"

    def keys(self) -> tuple[str, ...]:
        """The type; `verification` only for a real handshake body (an event may not borrow
        its line)."""
        if self.type == VERIFICATION_TYPE and not self.handshake:
            return ()
        return (self.type,)

    @property
    def resource(self) -> str:
        """`page` of `page.content_updated`."""
        resource, _, _ = self.type.rpartition(".")
        return resource or self.type

    @property
    def action(self) -> str:
        """`content_updated` of `page.content_updated`."""
        resource, _, action = self.type.rpartition(".")
        return action if resource else ""

    @property
    def entity(self) -> dict[str, Any]:
        entity = self.body.get("entity")
        return entity if isinstance(entity, dict) else {}

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("data")
        return data if isinstance(data, dict) else {}

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
        short = short_id(first.get("id"))
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
        short = short_id(self.entity.get("id"))
        if kind is None and short is None:
            return None
        return " ".join(part for part in (noun(kind) if kind else None, short) if part)

    @property
    def service(self) -> str | None:
        """`notion:<workspace id>`: the workspace, by the id that survives a rename."""
        workspace = self.text("workspace_id", 80)
        return f"notion:{workspace}" if workspace else None

    def home(self) -> str | None:
        if self.entity_type in _LINKED:
            return page_url(self.entity.get("id"))
        if self.resource == "comment" or self.entity_type == "comment":
            return page_url(self.data.get("page_id"))
        return None

    @property
    def when(self) -> datetime | None:
        return parse_time(self.body.get("timestamp"))

    def fields(self) -> dict[str, FieldValue]:
        values: dict[str, FieldValue] = {
            "workspace": self.text("workspace_name", 120),
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "page_id": line(self.data.get("page_id"), 80),
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
        return values


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
