"""The Standard Webhooks reader: `{"type", "timestamp"?, "data"?}` and the header's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.sources.kit.payload import PayloadReader, parse_time, text

SENDER = "Standard Webhooks sender"


@dataclass(frozen=True, slots=True)
class Message(PayloadReader):
    """One message: its JSON object and the time in its `webhook-timestamp` header."""

    body: dict[str, Any]
    sent_at: datetime | None = None

    @property
    def type(self) -> str:
        return text(self.body.get("type"), limit=100) or "message"

    @property
    def data(self) -> dict[str, Any]:
        """What the key facts are read from: `data`, else the whole body."""
        found = self.body.get("data")
        return found if isinstance(found, dict) else self.body

    def keys(self) -> tuple[str, ...]:
        """Any type: every sender names its own, so one builder (filed under `*`) reads all."""
        return (self.type, "*")

    def sent(self, fallback: datetime | None) -> datetime | None:
        """When it happened: the body's `timestamp` or `created_at`, else `fallback` (a time
        in `data`), else the header's."""
        return (
            parse_time(self.body.get("timestamp"))
            or parse_time(self.body.get("created_at"))
            or fallback
            or self.sent_at
        )
