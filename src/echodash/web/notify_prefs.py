"""A person's browser notification choices, saved under the setting key "notify".

They narrow events exactly as a digest subscription does (`digest.subscription.wanted`):
nothing ticked in a list means all of it, then a severity floor and outcomes. Notifications
themselves are switched on explicitly, so "nothing ticked" never floods anyone by surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.digest.subscription import narrowing_from

KEY = "notify"


@dataclass(frozen=True, slots=True)
class BrowserChoices:
    enabled: bool = False
    sources: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    severity: str = ""
    outcomes: tuple[str, ...] = ()
    replays: bool = False  # a replay is never news in a notification

    @classmethod
    def from_json(cls, doc: Any) -> BrowserChoices:
        """Tolerant: a damaged document reads as "off"; one saved before notifications had an
        explicit switch is on when it ticked something (what it meant then)."""
        if not isinstance(doc, dict):
            return cls()
        sources = _strings(doc.get("sources"))
        types = _strings(doc.get("types"))
        try:
            severity, outcomes, _ = narrowing_from(doc)
        except ValueError:
            severity, outcomes = "", ()
        enabled = doc.get("enabled")
        if not isinstance(enabled, bool):
            enabled = bool(sources or types)
        return cls(enabled, sources, types, severity, outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "sources": list(self.sources),
            "types": list(self.types),
            "severity": self.severity,
            "outcomes": list(self.outcomes),
        }


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
