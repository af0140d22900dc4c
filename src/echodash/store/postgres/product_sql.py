"""PostgreSQL: the product metrics counted in SQL (active users, retention, funnels), so that
a window of a million events hands Python a few thousand counts rather than a row per person
and day. A local day is `(at AT TIME ZONE zone)::date`: the database knows the zones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from echodash.metrics.product import ACTIVE_GAP_CAP
from echodash.store.postgres.connection import Conn


async def fetch_counted(conn: Conn, sql: str, *args: Any) -> list[Any]:
    """Rows of one of these statements, without JIT compilation: their estimated costs (a
    scan of the window, an index lookup per person) pass the JIT thresholds, and compiling
    took longer than the lookups it was meant to speed up."""
    async with conn.transaction():
        await conn.execute("SET LOCAL jit = off")
        return list(await conn.fetch(sql, *args))


# $1 workspace, $2 since, $3 until, $4 names (NULL: any), $5 zone
ACTIVE_GAPS = (
    "WITH seen AS (SELECT DISTINCT distinct_id AS p, (at AT TIME ZONE $5)::date AS d "
    "FROM metric_activity WHERE workspace_id = $1 AND at >= $2 AND at < $3 "
    "AND ($4::text[] IS NULL OR name = ANY($4::text[]))), "
    "runs AS (SELECT d, d - lag(d) OVER (PARTITION BY p ORDER BY d) AS gap FROM seen) "
    f"SELECT d, least(coalesce(gap, {ACTIVE_GAP_CAP}), {ACTIVE_GAP_CAP}) AS g, "
    "count(*)::int FROM runs GROUP BY d, g"
)

# $1 workspace, $2 start event, $3 return event, $4 period (day, week, month), $5 since,
# $6 until, $7 zone
RETENTION = (
    "WITH firsts AS (SELECT distinct_id AS p, min(at) AS at FROM metric_activity "
    "WHERE workspace_id = $1 AND name = $2 AND at < $6 GROUP BY distinct_id), "
    "cohort AS (SELECT p, date_trunc($4, at AT TIME ZONE $7)::date AS k FROM firsts "
    "WHERE at >= $5), "
    "back AS (SELECT DISTINCT c.k, c.p, date_trunc($4, m.at AT TIME ZONE $7)::date AS r "
    "FROM cohort c JOIN metric_activity m ON m.workspace_id = $1 AND m.name = $3 "
    "AND m.distinct_id = c.p AND m.at < $6) "
    "SELECT k, NULL::int, count(*)::int FROM cohort GROUP BY k "
    "UNION ALL SELECT k, CASE $4 WHEN 'day' THEN r - k WHEN 'week' THEN (r - k) / 7 "
    "ELSE (extract(year FROM r)::int * 12 + extract(month FROM r)::int) "
    "- (extract(year FROM k)::int * 12 + extract(month FROM k)::int) END, count(*)::int "
    "FROM back WHERE r >= k GROUP BY k, r"
)


def funnel_sql(steps: Sequence[str]) -> str:
    """$1 workspace, $2 since, $3 until, $4 window (interval), then each step's name: every
    first step in the window, each later step's first moment after the one before (a
    repeated step: strictly after) within the window of the first; then each person's
    attempt that goes furthest, the earliest among equals (moments in microseconds)."""
    ctes = [
        "a1 AS MATERIALIZED (SELECT distinct_id AS p, at AS t1 FROM metric_activity "
        # (the window named once with its type, for a funnel of one step)
        "WHERE workspace_id = $1 AND name = $5 AND at >= $2 AND at < $3 "
        "AND $4::interval IS NOT NULL)"
    ]
    for k in range(2, len(steps) + 1):
        kept = ", ".join(f"x.t{j}" for j in range(1, k))
        after = ">" if steps[k - 1] == steps[k - 2] else ">="
        ctes.append(
            # Materialized: each moment is looked up once, not again by every later step.
            f"a{k} AS MATERIALIZED (SELECT x.p, {kept}, (SELECT CASE WHEN min(m.at) - x.t1 <= $4 "
            "THEN min(m.at) END FROM metric_activity m WHERE m.workspace_id = $1 "
            f"AND m.name = ${k + 4} AND m.distinct_id = x.p AND m.at {after} x.t{k - 1} "
            f"AND m.at < $3) AS t{k} FROM a{k - 1} x)"
        )
    moments = ", ".join(f"t{j}" for j in range(1, len(steps) + 1))
    reached = " + ".join(f"(t{j} IS NOT NULL)::int" for j in range(2, len(steps) + 1)) or "0"
    micros = ", ".join(
        f"(extract(epoch FROM t{j}) * 1000000)::bigint" for j in range(1, len(steps) + 1)
    )
    return (
        f"WITH {', '.join(ctes)} SELECT {micros} FROM (SELECT {moments}, row_number() OVER "
        f"(PARTITION BY p ORDER BY {reached} DESC, t1) AS n FROM a{len(steps)}) best "
        "WHERE n = 1"
    )
