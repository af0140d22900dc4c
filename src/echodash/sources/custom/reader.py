"""The custom events reader: one stored custom event (see echodash/custom_events.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.events import Category, FieldValue, Outcome, Severity
from echodash.sources.kit.payload import PayloadReader, line

MAX_FIELDS = 20
_SEVERITIES = {s.value: s for s in Severity}
_CATEGORIES = {c.value: c for c in Category}
_OUTCOMES = {o.value: o for o in Outcome}


@dataclass(frozen=True, slots=True)
class CustomEvent(PayloadReader):
    """`{"event", "distinct_id"?, "source"?, "timestamp"?, "values"?, "category"?, …}`."""

    body: dict[str, Any]

    @property
    def name(self) -> str | None:
        return line(self.body.get("event"), 200)

    @property
    def type(self) -> str:
        return self.name or "unknown"

    @property
    def actor(self) -> str | None:
        return line(self.body.get("distinct_id"), 200)

    @property
    def subject(self) -> str | None:
        return line(self.body.get("source"), 200)

    @property
    def service(self) -> str | None:
        """The event's own `service`, as the product named it."""
        return line(self.body.get("service"), 200)

    @property
    def environment(self) -> str | None:
        return line(self.body.get("environment"), 200)

    def keys(self) -> tuple[str, ...]:
        """Any name: custom events are read by one builder, filed under `*`."""
        return (self.type, "*")

    @property
    def values(self) -> dict[str, Any]:
        found = self.body.get("values")
        return found if isinstance(found, dict) else {}

    @property
    def category(self) -> Category:
        """What the event says it is; `activity` (people using the product) by default."""
        return _CATEGORIES.get(str(self.body.get("category")), Category.ACTIVITY)

    @property
    def outcome(self) -> Outcome | None:
        return _OUTCOMES.get(str(self.body.get("outcome")))

    @property
    def severity(self) -> Severity:
        level = self.values.get("severity", self.values.get("level"))
        return (
            _SEVERITIES.get(level.lower(), Severity.INFO)
            if isinstance(level, str)
            else (Severity.INFO)
        )

    @property
    def commits(self) -> list[str | None]:
        found = self.body.get("commits")
        return [line(c, 100) for c in found] if isinstance(found, list) else []

    def flat_values(self) -> dict[str, FieldValue]:
        """Scalar values by dotted path (nested objects flattened, lists left out)."""
        return _flatten(self.values)


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, FieldValue]:
    flat: dict[str, FieldValue] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        elif isinstance(value, str):
            flat[path] = value if len(value) <= 200 else value[:199] + "…"
        elif value is None or isinstance(value, bool | int | float):
            flat[path] = value
        if len(flat) >= MAX_FIELDS:
            break
    return dict(list(flat.items())[:MAX_FIELDS])
