"""Product metrics over people's activity (custom events), as specs/metrics.md defines them:
active users and stickiness, first-time retention, ordered funnels, time to value, NPS, CSAT.

Days are calendar days in the workspace's time zone (UTC unless set), so a day across a DST
change is still one day; weeks are ISO weeks starting on Monday.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from echodash.metrics.stats import median, rounded

Period = Literal["day", "week", "month"]


@dataclass(frozen=True, slots=True)
class Activity:
    distinct_id: str
    name: str
    at: datetime
    event_id: int | None = None
    score: float | None = None  # a survey answer's `score` (NPS 0-10, CSAT 1-5)


def local_days(since: datetime, until: datetime, zone: tzinfo = UTC) -> list[date]:
    first = since.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def active_users(
    activities: Iterable[Activity],
    since: datetime,
    until: datetime,
    event: str | None = None,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """DAU, WAU and MAU for every day of the window (trailing 7 and 30 days, that day
    included), and stickiness: mean DAU over the window ÷ MAU on its last day."""
    days = local_days(since, until, zone)
    if not days:
        return {"dau": [], "wau": [], "mau": [], "stickiness": None}
    earliest = days[0] - timedelta(days=29)
    people_by_day: dict[date, set[str]] = defaultdict(set)
    for activity in activities:
        if event is not None and activity.name != event:
            continue
        day = activity.at.astimezone(zone).date()
        if earliest <= day <= days[-1]:
            people_by_day[day].add(activity.distinct_id)

    def trailing(day: date, span: int) -> int:
        seen: set[str] = set()
        for back in range(span):
            seen |= people_by_day.get(day - timedelta(days=back), set())
        return len(seen)

    dau = [len(people_by_day.get(day, ())) for day in days]
    wau = [trailing(day, 7) for day in days]
    mau = [trailing(day, 30) for day in days]
    last_mau = mau[-1]
    stickiness = (sum(dau) / len(dau)) / last_mau if last_mau else None
    return {
        "dau": [{"date": d.isoformat(), "value": v} for d, v in zip(days, dau, strict=True)],
        "wau": [{"date": d.isoformat(), "value": v} for d, v in zip(days, wau, strict=True)],
        "mau": [{"date": d.isoformat(), "value": v} for d, v in zip(days, mau, strict=True)],
        "stickiness": rounded(stickiness),
    }


def period_start(day: date, period: Period) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: date, period: Period) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods_between(start: date, end: date, period: Period) -> int:
    """How many periods `end`'s period lies after `start`'s."""
    if period == "day":
        return (end - start).days
    if period == "week":
        return (period_start(end, "week") - period_start(start, "week")).days // 7
    return (end.year - start.year) * 12 + end.month - start.month


def retention(
    activities: Iterable[Activity],
    start_event: str,
    return_event: str,
    period: Period,
    since: datetime,
    until: datetime,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """First-time retention: the cohort of period P is the people whose first `start_event`
    ever falls in P (inside the window); `retained[n]` counts those with a `return_event` in
    period P+n (`retained[0]`: in their start period), up to the window's end."""
    first: dict[str, datetime] = {}
    returns: dict[str, set[int]] = defaultdict(set)
    acts = sorted(activities, key=lambda a: a.at)
    for activity in acts:
        if activity.name == start_event and activity.distinct_id not in first:
            first[activity.distinct_id] = activity.at
    last_day = (until - timedelta(microseconds=1)).astimezone(zone).date()
    for activity in acts:
        started = first.get(activity.distinct_id)
        if activity.name != return_event or started is None or activity.at >= until:
            continue
        start_day = started.astimezone(zone).date()
        n = periods_between(start_day, activity.at.astimezone(zone).date(), period)
        if n >= 0:
            returns[activity.distinct_id].add(n)
    cohorts: dict[date, list[str]] = defaultdict(list)
    for person, started in first.items():
        if since <= started < until:
            cohorts[period_start(started.astimezone(zone).date(), period)].append(person)
    found = []
    for start in sorted(cohorts):
        members = cohorts[start]
        span = periods_between(start, last_day, period) + 1
        found.append(
            {
                "start": start.isoformat(),
                "size": len(members),
                "retained": [sum(n in returns[p] for p in members) for n in range(span)],
            }
        )
    return {"period": period, "cohorts": found}


def funnel_paths(
    activities: Iterable[Activity],
    steps: Sequence[str],
    since: datetime,
    until: datetime,
    window_days: float = 14,
) -> list[list[Activity]]:
    """Each converting person's path through the funnel: the activity of each step reached,
    in order (see `funnel`)."""
    window = timedelta(days=window_days)
    done_by: dict[str, dict[str, list[Activity]]] = defaultdict(lambda: defaultdict(list))
    for activity in activities:
        if activity.name in steps:
            done_by[activity.distinct_id][activity.name].append(activity)
    paths: list[list[Activity]] = []
    for done in done_by.values():
        for name in done:
            done[name].sort(key=lambda a: (a.at, a.event_id or 0))
        times = {name: [a.at for a in acts] for name, acts in done.items()}
        best: list[Activity] = []
        for first in done.get(steps[0], []):
            start = first.at
            if not since <= start < until:
                continue
            path = [first]
            for k, step in enumerate(steps[1:], start=1):
                moments = times.get(step, [])
                # A step after itself needs a later moment; other steps may share one.
                find = bisect_right if step == steps[k - 1] else bisect_left
                index = find(moments, path[-1].at)
                if index == len(moments) or moments[index] - start > window:
                    break
                path.append(done[step][index])
            if len(path) > len(best):
                best = path
            if len(best) == len(steps):
                break
        if best:
            paths.append(best)
    return paths


def funnel(
    activities: Iterable[Activity],
    steps: Sequence[str],
    since: datetime,
    until: datetime,
    window_days: float = 14,
) -> dict[str, Any]:
    """Ordered steps: a person converts step k having done steps 1..k in that order, each
    within `window_days` of their step 1 (which falls in the window). Of a person's attempts,
    the one that goes furthest counts (the earliest among equals)."""
    reached = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    for best in funnel_paths(activities, steps, since, until, window_days):
        for k, activity in enumerate(best):
            reached[k] += 1
            if k:
                gaps[k].append((activity.at - best[k - 1].at).total_seconds())
    first = reached[0]
    return {
        "steps": [
            {
                "event": step,
                "count": reached[k],
                "conversion": rounded(reached[k] / first) if first else None,
                "median_seconds_from_previous": rounded(median(gaps[k]), 1) if k else None,
            }
            for k, step in enumerate(steps)
        ]
    }


def time_to_value(
    activities: Iterable[Activity],
    signup_event: str,
    activation_event: str,
    since: datetime,
    until: datetime,
) -> dict[str, Any]:
    """People who signed up in the window; of them, those who reached the activation event
    after signing up; the median time it took."""
    signed: dict[str, datetime] = {}
    activated: dict[str, datetime] = {}
    acts = sorted(activities, key=lambda a: a.at)
    for activity in acts:
        if activity.name == signup_event:
            signed.setdefault(activity.distinct_id, activity.at)
    for activity in acts:
        start = signed.get(activity.distinct_id)
        if activity.name == activation_event and start is not None and activity.at >= start:
            activated.setdefault(activity.distinct_id, activity.at)
    people = [p for p, at in signed.items() if since <= at < until]
    took = [(activated[p] - signed[p]).total_seconds() for p in people if p in activated]
    return {
        "users": len(people),
        "activated": len(took),
        "median_seconds": rounded(median(took), 1),
    }


def nps(scores: Iterable[float]) -> dict[str, Any]:
    """% of 9-10 minus % of 0-6 (from -100 to 100), over 0-10 scores."""
    valid = [s for s in scores if 0 <= s <= 10]
    promoters = sum(s >= 9 for s in valid)
    detractors = sum(s <= 6 for s in valid)
    n = len(valid)
    return {
        "nps": rounded((promoters - detractors) / n * 100, 2) if n else None,
        "responses": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
    }


def csat(scores: Iterable[float]) -> dict[str, Any]:
    """% of 4-5 answers over 1-5 scores."""
    valid = [s for s in scores if 1 <= s <= 5]
    satisfied = sum(s >= 4 for s in valid)
    return {
        "csat": rounded(satisfied / len(valid) * 100, 2) if valid else None,
        "responses": len(valid),
        "satisfied": satisfied,
    }
