"""Maintenance windows: recurring times when alerts stay quiet (they still open and are
listed, marked as in maintenance, but notify nobody).

A window is simple recurring form, in the workspace's time zone:
`{"days": ["sat", "sun"], "start": "22:00", "end": "02:00", "timezone": "Europe/Berlin"}` —
an end before the start runs past midnight (into the next day); no `days` means every day.
Clock times are local, so a window keeps its wall-clock hours across DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WindowError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    zone: ZoneInfo

    def covers(self, moment: datetime) -> bool:
        """Whether `moment` falls inside the window."""
        local = moment.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return local.weekday() in self.days and self.start <= clock < self.end
        # past midnight: today's evening part, or the morning after a listed day
        if local.weekday() in self.days and clock >= self.start:
            return True
        yesterday = (local - timedelta(days=1)).weekday()
        return yesterday in self.days and clock < self.end

    def to_json(self) -> dict[str, Any]:
        return {
            "days": [DAYS[d] for d in sorted(self.days)],
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "timezone": self.zone.key,
        }


def parse_window(document: Any, default_zone: str = "UTC") -> Window:
    if not isinstance(document, dict):
        raise WindowError("a window is an object with start, end and optional days, timezone")
    unknown = set(document) - {"days", "start", "end", "timezone"}
    if unknown:
        raise WindowError(f"unknown field {sorted(unknown)[0]!r}")
    days = document.get("days") or list(DAYS)
    if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise WindowError('days: a list such as ["sat", "sun"]')
    try:
        chosen = frozenset(DAYS.index(d.strip().lower()[:3]) for d in days)
    except ValueError:
        raise WindowError(f"days: each one of {', '.join(DAYS)}") from None
    zone_name = document.get("timezone") or default_zone
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(f"timezone: {zone_name!r} is not a time zone name") from None
    start, end = _clock(document.get("start"), "start"), _clock(document.get("end"), "end")
    if start == end:
        raise WindowError("end: must differ from start")
    return Window(chosen, start, end, zone)


def _clock(value: Any, name: str) -> time:
    if not isinstance(value, str):
        raise WindowError(f"{name}: a time such as 22:00")
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise WindowError(f"{name}: a time such as 22:00") from None


def quiet(windows: list[Window], muted_until: datetime | None, moment: datetime) -> bool:
    """Whether notifications are held at `moment` (muted, or in a maintenance window)."""
    if muted_until is not None and moment < muted_until:
        return True
    return any(w.covers(moment) for w in windows)
