"""Product metrics: worked examples, a known cohort structure, funnels, and days in a time
zone with a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from echodash.metrics.product import (
    Activity,
    active_users,
    csat,
    funnel,
    nps,
    retention,
    time_to_value,
)

T0 = datetime(2026, 10, 5, 12, tzinfo=UTC)  # a Monday


def act(person: str, name: str, at: datetime) -> Activity:
    return Activity(person, name, at)


def test_nps_and_csat_worked_examples() -> None:
    assert nps([10, 9, 9, 8, 7, 6, 3]) == {
        "nps": 14.29,
        "responses": 7,
        "promoters": 3,
        "passives": 2,
        "detractors": 2,
    }
    assert csat([5] * 40 + [4] * 34 + [3] * 20 + [1] * 13) == {
        "csat": 69.16,
        "responses": 107,
        "satisfied": 74,
    }
    assert nps([]) == {"nps": None, "responses": 0, "promoters": 0, "passives": 0, "detractors": 0}
    assert nps([11, -1, 10])["responses"] == 1  # out-of-range scores are not answers


def test_dau_wau_mau_and_stickiness() -> None:
    # "a" every day, "b" on Mondays, "c" once, 20 days before the window.
    activities = [act("a", "open", T0 + timedelta(days=d)) for d in range(-30, 14)]
    activities += [act("b", "open", T0 + timedelta(days=d)) for d in (-7, 0, 7)]
    activities.append(act("c", "open", T0 - timedelta(days=20)))
    result = active_users(activities, T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=14))
    assert [p["value"] for p in result["dau"]] == [2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1]
    assert result["wau"][0]["value"] == 2 and result["wau"][6]["value"] == 2
    assert result["mau"][0] == {"date": "2026-10-05", "value": 3}
    assert result["mau"][-1]["value"] == 2  # "c" was 33 days before the last day
    assert result["stickiness"] == round((16 / 14) / 2, 4)
    only = active_users(
        activities, T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1), event="nothing"
    )
    assert only["dau"][0]["value"] == 0 and only["stickiness"] is None


def test_weekly_retention_of_a_known_cohort_structure() -> None:
    """Week 0: 10 sign up; 6 come back in week 1, 3 in week 2. Week 1: 4 sign up; 2 return
    in week 1 itself, 1 in week 2. Someone who signed up before the window is no cohort."""
    activities = []
    for n in range(10):
        activities.append(act(f"w0-{n}", "signup", T0 + timedelta(hours=n)))
        if n < 6:
            activities.append(act(f"w0-{n}", "open", T0 + timedelta(days=7, hours=n)))
        if n < 3:
            activities.append(act(f"w0-{n}", "open", T0 + timedelta(days=14)))
    for n in range(4):
        activities.append(act(f"w1-{n}", "signup", T0 + timedelta(days=8)))
        if n < 2:
            activities.append(act(f"w1-{n}", "open", T0 + timedelta(days=9)))
        if n < 1:
            activities.append(act(f"w1-{n}", "open", T0 + timedelta(days=15)))
    activities.append(act("old", "signup", T0 - timedelta(days=30)))
    activities.append(act("old", "signup", T0 + timedelta(days=1)))  # not a first sign-up
    activities.append(act("old", "open", T0 + timedelta(days=1)))
    since = T0.replace(hour=0)
    result = retention(activities, "signup", "open", "week", since, since + timedelta(days=21))
    assert result == {
        "period": "week",
        "cohorts": [
            {"start": "2026-10-05", "size": 10, "retained": [0, 6, 3]},
            {"start": "2026-10-12", "size": 4, "retained": [2, 1]},
        ],
    }


def test_monthly_retention_crosses_a_year() -> None:
    start = datetime(2026, 12, 15, tzinfo=UTC)
    activities = [act("a", "signup", start), act("a", "open", datetime(2027, 1, 3, tzinfo=UTC))]
    result = retention(
        activities,
        "signup",
        "open",
        "month",
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 2, 1, tzinfo=UTC),
    )
    assert result["cohorts"] == [{"start": "2026-12-01", "size": 1, "retained": [0, 1]}]


def test_funnel_counts_ordered_steps_within_the_window() -> None:
    steps = ["visit", "signup", "pay"]
    activities = []
    for n in range(20):  # 20 visit, 10 sign up an hour later, 4 pay a day after signing up
        activities.append(act(f"p{n}", "visit", T0 + timedelta(minutes=n)))
        if n < 10:
            activities.append(act(f"p{n}", "signup", T0 + timedelta(minutes=n, hours=1)))
        if n < 4:
            activities.append(act(f"p{n}", "pay", T0 + timedelta(minutes=n, hours=25)))
    # Out of order: paid before signing up; and one who paid 20 days later (outside 14 days).
    activities += [
        act("x", "visit", T0),
        act("x", "pay", T0 + timedelta(hours=1)),
        act("x", "signup", T0 + timedelta(hours=2)),
    ]
    activities += [
        act("y", "visit", T0),
        act("y", "signup", T0 + timedelta(hours=1)),
        act("y", "pay", T0 + timedelta(days=20)),
    ]
    result = funnel(activities, steps, T0, T0 + timedelta(days=30))
    assert result["steps"] == [
        {"event": "visit", "count": 22, "conversion": 1.0, "median_seconds_from_previous": None},
        {
            "event": "signup",
            "count": 12,
            "conversion": round(12 / 22, 4),
            "median_seconds_from_previous": 3600.0,
        },
        {
            "event": "pay",
            "count": 4,
            "conversion": round(4 / 22, 4),
            "median_seconds_from_previous": 86400.0,
        },
    ]


def test_time_to_value() -> None:
    activities = [
        act("a", "signup", T0),
        act("a", "activated", T0 + timedelta(hours=1)),
        act("b", "signup", T0),
        act("b", "activated", T0 + timedelta(hours=3)),
        act("c", "signup", T0),
        act("d", "activated", T0),  # never signed up
    ]
    assert time_to_value(activities, "signup", "activated", T0, T0 + timedelta(days=1)) == {
        "users": 3,
        "activated": 2,
        "median_seconds": 7200.0,
    }


def test_days_follow_the_workspace_time_zone_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go back on 2026-10-25 at 03:00
    since = datetime(2026, 10, 25, tzinfo=berlin)
    until = datetime(2026, 10, 26, tzinfo=berlin)  # a 25-hour day
    activities = [
        act("early", "open", datetime(2026, 10, 24, 22, 30, tzinfo=UTC)),  # 00:30 on the 25th there
        act("late", "open", datetime(2026, 10, 25, 22, 30, tzinfo=UTC)),  # 23:30 on the 25th there
        act("next", "open", datetime(2026, 10, 25, 23, 30, tzinfo=UTC)),  # the 26th there
    ]
    result = active_users(activities, since, until, zone=berlin)
    assert result["dau"] == [{"date": "2026-10-25", "value": 2}]
