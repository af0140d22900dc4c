"""Product metrics over people's activity (custom events), as specs/metrics.md defines them:
active users and stickiness, first-time retention, ordered funnels, time to value, NPS, CSAT.

Days are calendar days in the workspace's time zone (UTC unless set), so a day across a DST
change is still one day; weeks are ISO weeks starting on Monday.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate
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
    return active_users_from_days(
        ((person, day) for day, people in people_by_day.items() for person in people), days
    )


def active_users_from_days(
    person_days: Iterable[tuple[str, date]], days: Sequence[date]
) -> dict[str, Any]:
    """`active_users` from each (person, day) with activity (repeats allowed), for `days`
    (consecutive): each person counts towards the days their activity covers, worked out
    once per active day rather than once per day and trailing day."""
    if not days:
        return {"dau": [], "wau": [], "mau": [], "stickiness": None}
    first = days[0]
    count = len(days)
    by_person: dict[str, set[int]] = defaultdict(set)
    for person, day in person_days:
        offset = (day - first).days
        if -30 < offset < count:
            by_person[person].add(offset)
    # Indexes are offsets + 30, so days before the window need no clipping; each active
    # day starts counting where the person's previous one stopped covering.
    changes = [[0] * (count + 61) for _ in _SPANS]
    for offsets in by_person.values():
        ordered = sorted(offsets)
        for change, span in zip(changes, _SPANS, strict=True):
            covered = 0  # the first index the person does not count on yet
            for offset in ordered:
                start = offset + 30
                change[start if start > covered else covered] += 1
                covered = start + span
                change[covered] -= 1
    return _active_json(changes, days)


# A previous active day further back than the longest span (MAU's 30 days) changes nothing
# about the days a person counts on: the database reports such gaps (and none) as this.
ACTIVE_GAP_CAP = 31
_SPANS = (1, 7, 30)


def active_users_from_gaps(
    gaps: Iterable[tuple[date, int, int]], days: Sequence[date]
) -> dict[str, Any]:
    """`active_users` from (day, gap, people) counts (`Store.metric_active_gaps` over the
    window's days and the 29 before them): people active on a day whose previous active day
    was `gap` days before count from where that one stopped covering, as in
    `active_users_from_days`, without a row per person."""
    if not days:
        return {"dau": [], "wau": [], "mau": [], "stickiness": None}
    first = days[0]
    count = len(days)
    changes = [[0] * (count + 61) for _ in _SPANS]
    for day, gap, people in gaps:
        offset = (day - first).days
        if not -30 < offset < count:
            continue
        start = offset + 30
        for change, span in zip(changes, _SPANS, strict=True):
            change[start + max(0, span - gap)] += people
            change[start + span] -= people
    return _active_json(changes, days)


def _active_json(changes: list[list[int]], days: Sequence[date]) -> dict[str, Any]:
    count = len(days)
    dau, wau, mau = (list(accumulate(change))[30 : 30 + count] for change in changes)
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
    acts = sorted(activities, key=lambda a: a.at)
    for activity in acts:
        if activity.name == start_event and activity.distinct_id not in first:
            first[activity.distinct_id] = activity.at
    returned = (
        (a.distinct_id, a.at.astimezone(zone).date())
        for a in acts
        if a.name == return_event and a.at < until
    )
    return retention_from_firsts(first, returned, period, since, until, zone)


def retention_from_firsts(
    first: dict[str, datetime],
    returned: Iterable[tuple[str, date]],
    period: Period,
    since: datetime,
    until: datetime,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """`retention` from each person's first start event and the (person, local day) of
    their return events before `until` (repeats allowed)."""
    returns: dict[str, set[int]] = defaultdict(set)
    start_days = {
        person: started.astimezone(zone).date()
        for person, started in first.items()
        if since <= started < until
    }
    for person, day in returned:
        start_day = start_days.get(person)
        if start_day is None:
            continue
        n = periods_between(start_day, day, period)
        if n >= 0:
            returns[person].add(n)
    counts: Counter[tuple[date, int | None]] = Counter()
    for person, start_day in start_days.items():
        start = period_start(start_day, period)
        counts[(start, None)] += 1
        for n in returns.get(person, ()):
            counts[(start, n)] += 1
    return retention_from_counts(
        ((start, n, people) for (start, n), people in counts.items()), period, until, zone
    )


def retention_from_counts(
    counts: Iterable[tuple[date, int | None, int]],
    period: Period,
    until: datetime,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """`retention` from (cohort start, None, size) and (cohort start, n, people retained in
    period n) counts (`Store.metric_retention_counts`)."""
    sizes: dict[date, int] = {}
    kept: dict[tuple[date, int], int] = {}
    for start, n, people in counts:
        if n is None:
            sizes[start] = people
        else:
            kept[(start, n)] = people
    last_day = (until - timedelta(microseconds=1)).astimezone(zone).date()
    found = []
    for start in sorted(sizes):
        span = periods_between(start, last_day, period) + 1
        retained = [kept.get((start, n), 0) for n in range(span)]
        found.append({"start": start.isoformat(), "size": sizes[start], "retained": retained})
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
    paths = funnel_paths(activities, steps, since, until, window_days)
    return funnel_from_paths(([_micros(a.at) for a in path] for path in paths), steps)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def funnel_from_paths(
    paths: Iterable[Sequence[int | None]], steps: Sequence[str]
) -> dict[str, Any]:
    """`funnel` from each person's path: the moment (microseconds since the epoch) each step
    was reached, None (or nothing) from the first step not reached
    (`Store.metric_funnel_paths`)."""
    reached = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    for path in paths:
        for k, moment in enumerate(path):
            if moment is None:
                break
            reached[k] += 1
            if k:
                previous = path[k - 1]
                assert previous is not None
                gaps[k].append((moment - previous) / 1e6)
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
    return time_to_value_from_firsts(
        [(p, at, activated.get(p)) for p, at in signed.items()], since, until
    )


def time_to_value_from_firsts(
    firsts: Iterable[tuple[str, datetime, datetime | None]], since: datetime, until: datetime
) -> dict[str, Any]:
    """`time_to_value` from each person's first signup and first activation at or after it."""
    users = 0
    took = []
    for _person, signed, activated in firsts:
        if since <= signed < until:
            users += 1
            if activated is not None:
                took.append((activated - signed).total_seconds())
    return {
        "users": users,
        "activated": len(took),
        "median_seconds": rounded(median(took), 1),
    }


def nps(scores: Iterable[float]) -> dict[str, Any]:
    """% of 9-10 minus % of 0-6 (from -100 to 100), over 0-10 scores."""
    return nps_counts(Counter(scores))


def nps_counts(counts: Mapping[float, int]) -> dict[str, Any]:
    """`nps` from how many answers gave each score."""
    valid = {s: n for s, n in counts.items() if 0 <= s <= 10}
    promoters = sum(n for s, n in valid.items() if s >= 9)
    detractors = sum(n for s, n in valid.items() if s <= 6)
    n = sum(valid.values())
    return {
        "nps": rounded((promoters - detractors) / n * 100, 2) if n else None,
        "responses": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
    }


def csat(scores: Iterable[float]) -> dict[str, Any]:
    """% of 4-5 answers over 1-5 scores."""
    return csat_counts(Counter(scores))


def csat_counts(counts: Mapping[float, int]) -> dict[str, Any]:
    """`csat` from how many answers gave each score."""
    valid = {s: n for s, n in counts.items() if 1 <= s <= 5}
    satisfied = sum(n for s, n in valid.items() if s >= 4)
    responses = sum(valid.values())
    return {
        "csat": rounded(satisfied / responses * 100, 2) if responses else None,
        "responses": responses,
        "satisfied": satisfied,
    }
