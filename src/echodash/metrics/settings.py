"""A workspace's metric settings: which environments are production, which labels make an
issue an incident, the time zone days are counted in, and the currency shown first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from echodash.alerts.patterns import PatternError
from echodash.metrics.dora import DEFAULT_PRODUCTION
from echodash.metrics.facts import DEFAULT_INCIDENT_LABEL
from echodash.metrics.stats import pattern

MAX_PATTERN = 200
# An IANA name as zoneinfo reads it (Europe/Berlin, America/Argentina/Buenos_Aires, UTC,
# Etc/GMT+5): never a path of its own.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,40}(/[A-Za-z0-9_+-]{1,40}){0,3}")


class SettingsError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class MetricSettings:
    production: str = DEFAULT_PRODUCTION
    incident_label: str = DEFAULT_INCIDENT_LABEL
    timezone: str = "UTC"
    currency: str | None = None  # None: the currency with the most MRR

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_json(self) -> dict[str, Any]:
        return {
            "production_environment": self.production,
            "incident_label": self.incident_label,
            "timezone": self.timezone,
            "currency": self.currency,
        }


def parse_settings(document: Any, current: MetricSettings | None = None) -> MetricSettings:
    """Settings from JSON (fields left out keep their current value)."""
    current = current or MetricSettings()
    if not isinstance(document, dict):
        raise SettingsError("settings", "a JSON object")
    known = {"production_environment", "incident_label", "timezone", "currency"}
    unknown = sorted(set(document) - known)
    if unknown:
        raise SettingsError(unknown[0], f"unknown; known: {', '.join(sorted(known))}")
    production = _pattern(document, "production_environment", current.production)
    label = _pattern(document, "incident_label", current.incident_label)
    timezone = document.get("timezone", current.timezone)
    if not isinstance(timezone, str) or not _ZONE_NAME.fullmatch(timezone):
        raise SettingsError("timezone", f"{timezone!r} is not a time zone name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError("timezone", f"{timezone!r} is not a time zone name") from None
    currency = document.get("currency", current.currency)
    if currency is not None and (
        not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency)
    ):
        raise SettingsError("currency", "a three-letter ISO code such as usd, or null")
    return MetricSettings(
        production=production,
        incident_label=label,
        timezone=str(timezone),
        currency=currency.lower() if currency else None,
    )


def _pattern(document: dict[str, Any], field: str, current: str) -> str:
    value = document.get(field, current)
    if not isinstance(value, str) or not value or len(value) > MAX_PATTERN:
        raise SettingsError(field, f"a regular expression of 1 to {MAX_PATTERN} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise SettingsError(field, "no control characters (write \\t or \\n in the pattern)")
    try:
        pattern(value)  # as it will run: RE2, in linear time
    except PatternError as error:
        raise SettingsError(field, str(error)) from None
    return value
