"""Delivery trends week by week: every ISO week of the window (empty ones included), each
deployment and deployed change in its own week, the median lead time per week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from echodash.metrics.dora import Commit, Deployment, Push, dora
from echodash.metrics.trends import Week, weekly

MONDAY = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
WEB = "github:acme/web"


def deployed(n: int, at: datetime, lead_minutes: float) -> tuple[Deployment, Push]:
    sha = f"{n:040d}"
    commit = Commit(sha, at - timedelta(minutes=lead_minutes))
    push = Push(WEB, "main", sha, commit.at + timedelta(minutes=1), (commit,))
    return Deployment(f"d{n}", WEB, "production", at, sha=sha, ref="main"), push


def test_weeks_hold_their_deployments_and_median_lead_times() -> None:
    day = timedelta(days=1)
    facts = [
        deployed(1, MONDAY + day, 60),  # week of 7 Sep
        deployed(2, MONDAY + 2 * day, 180),  # same week: median of 60 and 180 = 120
        deployed(3, MONDAY + 15 * day, 30),  # week of 21 Sep (14 Sep has none)
    ]
    since, until = MONDAY - 3 * day, MONDAY + 17 * day  # from a Friday: a short first week
    result = dora([d for d, _ in facts], [p for _, p in facts], [], since, until)
    assert weekly(result) == [
        Week(date(2026, 8, 31), 0, None),
        Week(date(2026, 9, 7), 2, 120.0),
        Week(date(2026, 9, 14), 0, None),
        Week(date(2026, 9, 21), 1, 30.0),
    ]


def test_a_window_ending_on_a_monday_midnight_has_no_extra_week() -> None:
    start = datetime(2026, 9, 7, tzinfo=UTC)
    result = dora([], [], [], start, start + timedelta(days=14))
    assert [w.start for w in weekly(result)] == [date(2026, 9, 7), date(2026, 9, 14)]
