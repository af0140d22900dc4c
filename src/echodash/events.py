"""The normalized vocabulary: what a received delivery becomes in the feed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

FieldValue = str | int | float | bool | None
# The times EchoDash takes in from people and files: a day inside datetime's own range, so a
# time kept as microseconds (through a float) and read back cannot step outside it.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


class Severity(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What a source's parser makes of one delivery, before it is stored."""

    type: str
    title: str
    summary: str = ""
    actor: str | None = None
    subject: str | None = None
    url: str | None = None
    occurred_at: datetime | None = None
    severity: Severity = Severity.INFO
    tags: tuple[str, ...] = ()
    fields: dict[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """A stored, normalized event as the API and the feed show it."""

    id: int
    workspace_id: int
    endpoint_id: int | None
    delivery_id: int | None
    source: str
    type: str
    title: str
    summary: str
    actor: str | None
    subject: str | None
    url: str | None
    occurred_at: datetime
    received_at: datetime
    severity: Severity
    tags: tuple[str, ...]
    fields: dict[str, FieldValue]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "source": self.source,
            "type": self.type,
            "title": self.title,
            "summary": self.summary,
            "actor": self.actor,
            "subject": self.subject,
            "url": self.url,
            "occurred_at": iso(self.occurred_at),
            "received_at": iso(self.received_at),
            "severity": self.severity.value,
            "tags": list(self.tags),
            "fields": self.fields,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One received request, exactly as it arrived (secrets removed from the headers)."""

    endpoint_id: int
    workspace_id: int
    source: str
    key: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    secret_id: int | None


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, milliseconds kept."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
