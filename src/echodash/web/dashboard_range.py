"""The dashboards' time range: a preset (7d, 30d, 90d, 365d) or a custom since-until, read
from the query string; a mistake is named in words and the default range shown instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from echodash.events import utcnow
from echodash.metrics.report import MAX_WINDOW
from echodash.sources.kit.payload import parse_time

PRESETS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT = "30d"


@dataclass(frozen=True, slots=True)
class Range:
    """`[since, until)`, the preset it came from ("custom" for dates typed in), and the
    other query parameters the page keeps when the range changes."""

    since: datetime
    until: datetime
    preset: str
    error: str = ""

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    def params(self) -> dict[str, str]:
        """The range as query parameters (what links to the drill-down carry)."""
        if self.preset != "custom":
            return {"range": self.preset}
        return {"since": _stamp(self.since), "until": _stamp(self.until)}

    def since_day(self) -> str:
        return self.since.date().isoformat()

    def until_day(self) -> str:
        """The custom form's last day, inclusive (until is the midnight after it)."""
        return (self.until - timedelta(microseconds=1)).date().isoformat()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(raw: str, end: bool) -> datetime | None:
    """A day (`2026-10-01`; as an end, the midnight after it) or an ISO-8601 time."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return parse_time(raw)
    moment = datetime.combine(day, time(), tzinfo=UTC)
    return moment + timedelta(days=1) if end and len(raw) == 10 else moment


def read_range(values: dict[str, str]) -> Range:
    """The range the query asks for (`range`, or `since` and `until`)."""
    now = utcnow()
    since_raw = values.get("since", "").strip()
    until_raw = values.get("until", "").strip()
    preset = values.get("range", "").strip()
    if since_raw or until_raw:
        since = _moment(since_raw, end=False) if since_raw else None
        until = _moment(until_raw, end=True) if until_raw else now
        problem = ""
        if since is None or until is None:
            problem = "Dates look like 2026-10-01 (or 2026-10-01T09:00:00Z)."
        elif since >= until:
            problem = "The range's start must be before its end."
        elif until - since > MAX_WINDOW:
            problem = "A range may span at most 3660 days."
        if not problem and since is not None and until is not None:
            return Range(since, until, "custom")
        return _preset(DEFAULT, now, problem)
    if preset and preset not in PRESETS:
        return _preset(DEFAULT, now, f"Choose a range of {', '.join(PRESETS)} or dates.")
    return _preset(preset or DEFAULT, now)


def _preset(name: str, now: datetime, error: str = "") -> Range:
    return Range(now - timedelta(days=PRESETS[name]), now, name, error)


def link(path: str, chosen: Range, **extra: str) -> str:
    """A URL keeping the range (and `extra`, empty values left out)."""
    params = {**chosen.params(), **{k: v for k, v in extra.items() if v}}
    return f"{path}?{urlencode(params)}"
