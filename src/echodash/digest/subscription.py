"""A person's digest subscription, as saved under the setting key "digest"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from echodash import event_query
from echodash.events import Origin, Outcome, iso

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
    # "" for any severity, else a floor such as "error+" (event_query's notation) or one level.
    severity: str = ""
    # Outcomes wanted ("failure", …); empty for any, events without an outcome included.
    outcomes: tuple[str, ...] = ()
    # Replays repeat events already reported: left out unless asked for.
    replays: bool = False

    @classmethod
    def from_json(cls, doc: Any) -> Subscription:
        """Parse a saved document strictly; ValueError says what is wrong."""
        if not isinstance(doc, dict):
            raise ValueError("A digest subscription must be a JSON object.")
        unknown = sorted(set(doc) - {"frequency", "sources", "types", "last_sent_at", *_NARROWING})
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
        severity, outcomes, replays = narrowing_from(doc)
        return cls(
            frequency, sources, types, _moment(doc.get("last_sent_at")), severity, outcomes, replays
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency,
            "sources": list(self.sources),
            "types": list(self.types),
            "last_sent_at": None if self.last_sent_at is None else iso(self.last_sent_at),
            "severity": self.severity,
            "outcomes": list(self.outcomes),
            "replays": self.replays,
        }

    def wants(
        self,
        source: str,
        type_: str,
        severity: str | None = None,
        outcome: str | None = None,
        origin: str | None = None,
    ) -> bool:
        """Whether events like this belong in this person's digest. The same rule as browser
        notifications: nothing ticked in a list means all of it."""
        return wanted(self, source, type_, severity, outcome, origin)


class Choices(Protocol):
    """What a digest subscription and browser notification choices share."""

    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def types(self) -> tuple[str, ...]: ...
    @property
    def severity(self) -> str: ...
    @property
    def outcomes(self) -> tuple[str, ...]: ...
    @property
    def replays(self) -> bool: ...


_NARROWING = ("severity", "outcomes", "replays")
SEVERITY_CHOICES = ("", "warning+", "error+", "critical")
OUTCOME_CHOICES = tuple(o.value for o in Outcome)


def narrowing_from(doc: dict[str, Any]) -> tuple[str, tuple[str, ...], bool]:
    """The severity floor, outcomes and replay choice of a saved document (strict)."""
    severity = doc.get("severity", "")
    if severity not in SEVERITY_CHOICES:
        raise ValueError(
            f"The severity choice must be one of {SEVERITY_CHOICES}, not {severity!r}."
        )
    outcomes = _strings(doc.get("outcomes", []), "outcomes")
    unknown = [o for o in outcomes if o not in OUTCOME_CHOICES]
    if unknown:
        raise ValueError(f"There is no outcome {unknown[0]!r}.")
    replays = doc.get("replays", False)
    if not isinstance(replays, bool):
        raise ValueError("The replays choice must be true or false.")
    return severity, outcomes, replays


def wanted(
    choices: Choices,
    source: str,
    type_: str,
    severity: str | None,
    outcome: str | None,
    origin: str | None,
) -> bool:
    """Whether an event is among the chosen: each list narrows only when something in it is
    ticked; a severity floor, chosen outcomes and replays narrow further. `None` for a value
    not known (counts grouped without it) lets it pass; "" is "the event has none"."""
    if choices.sources and source not in choices.sources:
        return False
    if choices.types and f"{source}:{type_}" not in choices.types:
        return False
    if choices.severity and severity is not None and severity not in floor(choices.severity):
        return False
    # An event with no outcome ("") is not a failure: it is left out when outcomes are chosen.
    if choices.outcomes and outcome is not None and outcome not in choices.outcomes:
        return False
    return choices.replays or origin != Origin.REPLAY.value


def floor(choice: str) -> list[str]:
    """The severities a severity choice stands for."""
    return event_query.severities(choice)


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
