"""A person's digest subscription, as saved under the setting key "digest"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from echodash.events import iso

FREQUENCIES = ("daily", "weekly", "off")
# The job wakes every few minutes: without slack, a digest sent at 09:00:03 would be
# "not due" at 09:00:01 the next day and slip a whole check interval each time.
DUE_SLACK = timedelta(minutes=5)
_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


@dataclass(frozen=True, slots=True)
class Subscription:
    """How often a person wants a digest, and about which sources and event types."""

    frequency: str
    sources: tuple[str, ...] = ()
    # Fingerprints "source:type", e.g. "github:push".
    types: tuple[str, ...] = ()
    last_sent_at: datetime | None = None

    @classmethod
    def from_json(cls, doc: Any) -> Subscription:
        """Parse a saved document strictly; ValueError says what is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("A digest subscription must be a JSON object.")
        unknown = sorted(set(doc) - {"frequency", "sources", "types", "last_sent_at"})
        if unknown:
            raise ValueError(f"A digest subscription has no field {', '.join(unknown)}.")
        frequency = doc.get("frequency")
        if frequency not in FREQUENCIES:
            raise ValueError(
                f"The digest frequency must be daily, weekly or off, not {frequency!r}."
            )
        sources = _strings(doc.get("sources", []), "sources")
        types = _strings(doc.get("types", []), "types")
        for fingerprint in types:
            source, _, kind = fingerprint.partition(":")
            if not source or not kind:
                raise ValueError(
                    f"Digest event types look like source:type (github:push), not {fingerprint!r}."
                )
        return cls(frequency, sources, types, _moment(doc.get("last_sent_at")))

    def to_json(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency,
            "sources": list(self.sources),
            "types": list(self.types),
            "last_sent_at": None if self.last_sent_at is None else iso(self.last_sent_at),
        }

    def wants(self, source: str, type_: str) -> bool:
        """Whether events of this source and type belong in this person's digest."""
        if self.sources and source not in self.sources:
            return False
        return not self.types or f"{source}:{type_}" in self.types


def period(frequency: str) -> timedelta:
    """How much time one digest covers: a day or a week."""
    try:
        return _PERIODS[frequency]
    except KeyError:
        raise ValueError(f"A digest that is {frequency!r} has no period.") from None


def is_due(sub: Subscription, now: datetime) -> bool:
    """Whether a digest should go out now."""
    if sub.frequency == "off":
        return False
    if sub.last_sent_at is None:
        return True
    return now - sub.last_sent_at >= period(sub.frequency) - DUE_SLACK


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"The digest {name} must be a list of names.")
    return tuple(value)


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("The digest's last_sent_at must be an ISO-8601 time or null.")
    try:
        # fromisoformat on 3.11 accepts a trailing "Z".
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"The digest's last_sent_at {value!r} is not an ISO-8601 time.") from None
    if moment.tzinfo is None:
        raise ValueError(f"The digest's last_sent_at {value!r} has no time zone.")
    return moment.astimezone(UTC)
