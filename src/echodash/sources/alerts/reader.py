"""The alerts reader: one alert change as EchoDash records it in the feed.

`{"type": "alert.firing" | "alert.resolved" | "alert.acknowledged", "alert": {…}, "rule": {…},
"by"?: {"name"}}`: the alert as GET /api/v1/alerts shows it and its rule, the payload alert
notifications carry, and who changed it by hand (acknowledged or resolved), when someone did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.sources.kit.payload import PayloadReader, line


@dataclass(frozen=True, slots=True)
class AlertNotice(PayloadReader):
    """An alert that opened, resolved or was acknowledged."""

    body: dict[str, Any]

    @property
    def type(self) -> str:
        return line(self.body.get("type"), 100) or "unknown"

    @property
    def alert(self) -> dict[str, Any]:
        found = self.body.get("alert")
        return found if isinstance(found, dict) else {}

    @property
    def rule(self) -> dict[str, Any]:
        found = self.body.get("rule")
        return found if isinstance(found, dict) else {}

    @property
    def alert_id(self) -> int | None:
        return self.number("alert.id")

    @property
    def rule_name(self) -> str:
        return self.first("rule.name", "alert.rule_name", limit=200) or "a rule"

    @property
    def subject(self) -> str | None:
        return self.first("rule.name", "alert.rule_name", limit=200)

    @property
    def actor(self) -> str | None:
        """Who changed the alert by hand (nobody when EchoDash did)."""
        return self.text("by.name", 200)

    @property
    def group(self) -> str | None:
        """The service the alert is about, when its rule groups by service."""
        return self.text("alert.group", 200)

    @property
    def service(self) -> str | None:
        return self.group

    @property
    def reason(self) -> str | None:
        return self.text("alert.reason", 300)

    @property
    def event_count(self) -> int | None:
        return self.number("alert.event_count")

    @property
    def critical(self) -> bool:
        """Whether the rule looks at critical events only."""
        return bool(self.get("rule.match.severity") == "critical")

    @property
    def top_suspect(self) -> str | None:
        """Why the best suspect change is one (suspects come best first)."""
        suspects = self.get("alert.suspects")
        if isinstance(suspects, list) and suspects and isinstance(suspects[0], dict):
            return line(suspects[0].get("reason"), 200)
        return None

    def when(self, *paths: str) -> datetime | None:
        return self.time(*paths)

    def home(self) -> str | None:
        """The alert's page in EchoDash (a path: the feed is served by the same EchoDash)."""
        found = self.alert_id
        return None if found is None else f"/alerts/{found}"
