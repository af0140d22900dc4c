"""SQLite: the product metrics counted in SQL (active users, retention, funnels), so that a
window of a million events hands Python a few thousand counts rather than a row per person
and day. Times are UTC microseconds; a local day is `(at + offset) / DAY` with the offset in
force at that moment (`metrics/zones.py`: SQLite knows no time zones), written into the
statement as numbers we computed, never as text from a request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from echodash.metrics.product import ACTIVE_GAP_CAP
from echodash.metrics.zones import EPOCH, offset_segments
from echodash.store.rows import to_micros

DAY = 86_400_000_000  # microseconds
# How far back a zone's offsets are worked out when a query reads all history: the moments
# before it take the offset then (no metric looks at a local day that far back).
_HISTORY = datetime(1970, 1, 1, tzinfo=UTC)


def activity_where(
    workspace_id: int, since: datetime | None, until: datetime, names: Sequence[str] | None
) -> tuple[str, list[object]]:
    where = ["workspace_id = ?", "at < ?"]
    params: list[object] = [workspace_id, to_micros(until)]
    if since is not None:
        where.append("at >= ?")
        params.append(to_micros(since))
    if names is not None:
        where.append(f"name IN ({', '.join('?' for _ in names)})")
        params.extend(names)
    return " AND ".join(where), params


def local_day(column: str, zone: str, start: datetime, end: datetime) -> str:
    """The local day number (days since 1970-01-01) of `column` in `zone`, exact for moments
    in [start, end)."""
    if zone == "UTC":
        return f"({column} / {DAY})"
    segments = offset_segments(ZoneInfo(zone), start, end)
    micros = [(to_micros(moment), int(offset / timedelta(microseconds=1)))
              for moment, offset in segments]  # fmt: skip
    if len(micros) == 1:
        return f"(({column} + {micros[0][1]}) / {DAY})"
    cases = " ".join(
        f"WHEN {column} < {moment} THEN {offset}"
        for (moment, _), (_, offset) in zip(micros[1:], micros, strict=False)
    )
    return f"(({column} + CASE {cases} ELSE {micros[-1][1]} END) / {DAY})"


def active_days_sql(
    workspace_id: int,
    since: datetime,
    until: datetime,
    names: Sequence[str] | None,
    zone: str,
) -> tuple[str, list[object]]:
    """Each (person, local day number) with activity, repeats and all, in one pass: over the
    table for any event, over the person index (name first, covering) for named ones.
    Grouping them in SQLite (`GROUP BY` or `DISTINCT`, then a window function for the gaps)
    took two to three times as long as a Python set and one sort (`count_gaps`)."""
    where, params = activity_where(workspace_id, since, until, names)
    day = local_day("at", zone, since, until)
    source = "NOT INDEXED" if names is None else "INDEXED BY metric_activity_person"
    return f"SELECT distinct_id, {day} FROM metric_activity {source} WHERE {where}", params


def count_gaps(seen: set[tuple[str, int]]) -> list[tuple[date, int, int]]:
    """(day, gap, people) from each (person, day number) with activity: the gap to the
    person's previous active day, ACTIVE_GAP_CAP for none or one further back. Each person's
    days are sorted apart (small lists of integers, rather than one sort of every pair)."""
    by_person: dict[str, list[int]] = {}
    for person, day in seen:
        days = by_person.get(person)
        if days is None:
            by_person[person] = [day]
        else:
            days.append(day)
    cap = ACTIVE_GAP_CAP
    counts: Counter[tuple[int, int]] = Counter()
    for days in by_person.values():
        days.sort()
        counts[(days[0], cap)] += 1
        if len(days) > 1:
            counts.update([(b, b - a if b - a < cap else cap) for a, b in pairwise(days)])
    return [(day_of(day), gap, people) for (day, gap), people in counts.items()]


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=number)


# A period's key from a local day number, and the key back to the period's first day.
_WEEK_KEY = "(({d} + 3) / 7)"  # 1970-01-01 was a Thursday: weeks start on Mondays
_MONTH_KEY = (
    "(CAST(strftime('%Y', {d} * 86400, 'unixepoch') AS INTEGER) * 12 "
    "+ CAST(strftime('%m', {d} * 86400, 'unixepoch') AS INTEGER) - 1)"
)


def period_key(day: str, period: str) -> str:
    if period == "day":
        return day
    return (_WEEK_KEY if period == "week" else _MONTH_KEY).format(d=day)


def period_of_key(key: int, period: str) -> date:
    if period == "day":
        return day_of(key)
    if period == "week":
        return day_of(key * 7 - 3)
    return date(key // 12, key % 12 + 1, 1)


def retention_sql(
    workspace_id: int,
    start_event: str,
    return_event: str,
    period: str,
    since: datetime,
    until: datetime,
    zone: str,
) -> tuple[str, list[object]]:
    # Return events long before the window can only fall before every cohort's period (which
    # begins at most a month before `since`): their offsets need not be exact.
    cohort = period_key(local_day("f.at", zone, since, until), period)
    back = period_key(local_day("m.at", zone, since - timedelta(days=32), until), period)
    end = to_micros(until)
    sql = (
        "WITH firsts AS MATERIALIZED (SELECT distinct_id AS p, min(at) AS at "
        "FROM metric_activity WHERE workspace_id = ? AND name = ? AND at < ? "
        "GROUP BY distinct_id), "
        f"cohort AS MATERIALIZED (SELECT f.p AS p, {cohort} AS k FROM firsts f "
        "WHERE f.at >= ?), "
        f"back AS MATERIALIZED (SELECT DISTINCT c.k AS k, c.p AS p, {back} AS r FROM cohort c "
        "JOIN metric_activity m ON m.workspace_id = ? AND m.name = ? AND m.distinct_id = c.p "
        "AND m.at < ?) "
        "SELECT k, NULL, count(*) FROM cohort GROUP BY k "
        "UNION ALL SELECT k, r - k, count(*) FROM back WHERE r >= k GROUP BY k, r"
    )
    params: list[object] = [workspace_id, start_event, end, to_micros(since)]
    params += [workspace_id, return_event, end]
    return sql, params


def funnel_sql(
    workspace_id: int,
    steps: Sequence[str],
    since: datetime,
    until: datetime,
    window: timedelta,
) -> tuple[str, list[object]]:
    """Every first step in the window, each later step's first moment after the one before
    (a repeated step: strictly after) within `window` of the first; then each person's
    attempt that goes furthest, the earliest among equals."""
    end = to_micros(until)
    width = int(window / timedelta(microseconds=1))
    ctes = [
        # The person index holds every column read: no table row is looked up.
        "a1 AS MATERIALIZED (SELECT distinct_id AS p, at AS t1 FROM metric_activity "
        "INDEXED BY metric_activity_person WHERE workspace_id = ? AND name = ? AND at >= ? "
        "AND at < ?)"
    ]
    params: list[object] = [workspace_id, steps[0], to_micros(since), end]
    for k in range(2, len(steps) + 1):
        kept = ", ".join(f"x.t{j}" for j in range(1, k))
        after = ">" if steps[k - 1] == steps[k - 2] else ">="
        ctes.append(
            # Materialized: each moment is looked up once, not again by every later step.
            f"a{k} AS MATERIALIZED (SELECT x.p AS p, {kept}, (SELECT CASE WHEN min(m.at) - "
            f"x.t1 <= {width} "
            "THEN min(m.at) END FROM metric_activity m INDEXED BY metric_activity_person "
            "WHERE m.workspace_id = ? AND m.name = ? "
            f"AND m.distinct_id = x.p AND m.at {after} x.t{k - 1} AND m.at < ?) AS t{k} "
            f"FROM a{k - 1} x)"
        )
        params += [workspace_id, steps[k - 1], end]
    moments = ", ".join(f"t{j}" for j in range(1, len(steps) + 1))
    reached = " + ".join(f"(t{j} IS NOT NULL)" for j in range(2, len(steps) + 1)) or "0"
    sql = (
        f"WITH {', '.join(ctes)} SELECT {moments} FROM (SELECT {moments}, row_number() OVER "
        f"(PARTITION BY p ORDER BY {reached} DESC, t1) AS n FROM a{len(steps)}) WHERE n = 1"
    )
    return sql, params
