"""Maintenance windows and muting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from echodash.alerts.windows import WindowError, parse_window, quiet


def test_a_weekend_night_window_runs_past_midnight_in_local_time() -> None:
    window = parse_window(
        {"days": ["sat", "sun"], "start": "22:00", "end": "02:00", "timezone": "Europe/Berlin"}
    )
    # Saturday 2026-11-07 22:30 in Berlin is 21:30 UTC.
    assert window.covers(datetime(2026, 11, 7, 21, 30, tzinfo=UTC))
    assert window.covers(datetime(2026, 11, 8, 0, 30, tzinfo=UTC))  # Sunday 01:30 there
    assert window.covers(datetime(2026, 11, 9, 0, 30, tzinfo=UTC))  # Monday 01:30: Sunday's night
    assert not window.covers(datetime(2026, 11, 9, 21, 30, tzinfo=UTC))  # Monday 22:30
    assert not window.covers(datetime(2026, 11, 7, 20, 59, tzinfo=UTC))  # Saturday 21:59
    assert window.to_json() == {
        "days": ["sat", "sun"],
        "start": "22:00",
        "end": "02:00",
        "timezone": "Europe/Berlin",
    }


def test_windows_keep_wall_clock_hours_across_dst() -> None:
    window = parse_window({"start": "09:00", "end": "10:00", "timezone": "Europe/Berlin"})
    assert window.covers(datetime(2026, 10, 24, 7, 30, tzinfo=UTC))  # summer time: 09:30
    assert window.covers(datetime(2026, 10, 26, 8, 30, tzinfo=UTC))  # winter time: 09:30
    assert not window.covers(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"start": "22:00"}, "end"),
        ({"start": "25:00", "end": "01:00"}, "start"),
        ({"start": "10:00", "end": "10:00"}, "differ"),
        ({"days": ["someday"], "start": "1:00", "end": "2:00"}, "days"),
        ({"start": "01:00", "end": "02:00", "timezone": "Mars/Olympus"}, "time zone"),
        ({"start": "01:00", "end": "02:00", "every": "week"}, "unknown"),
    ],
)
def test_mistakes_are_named(document: dict[str, object], says: str) -> None:
    with pytest.raises(WindowError, match=says):
        parse_window(document)


def test_muting_holds_notifications_until_its_end() -> None:
    until = datetime(2026, 12, 24, tzinfo=UTC)
    assert quiet([], until, datetime(2026, 12, 23, tzinfo=UTC))
    assert not quiet([], until, until)
    assert not quiet([], None, until)
