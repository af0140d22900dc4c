"""Metrics over 1 M events: each answer as EchoDash gives it, next to DuckDB (target ≤ 1 s,
and ≤ 3 x a hand-written DuckDB query computing the same number in the same run).

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python bench/metrics.py --events 1000000 --database both --runs 5

The workload (bench/metrics_workload.py, seeded) is one workspace's product events (sign-ups,
activation, page views, subscriptions, NPS and CSAT answers), GitHub pushes, deployments and
incident issues, and Stripe subscription events, plus a small second workspace with the same
names (so a query that forgets the workspace gives a wrong number).

The store is filled through its own fact writer (`keep_facts`, what the processor calls in the
transaction that stores events), in batches, with the facts worked out in this script; a
stride sample of the workload also goes through the real path (deliveries appended, the
processor parsing them with the real sources) into a fresh store, and the two fact tables must
be equal. Only fact tables are filled: every metric reads those alone. The SQLite file is
cached under --cache (keyed by seed and size); PostgreSQL gets a fresh database, dropped after.

EchoDash's figure is the `echodash.metrics.report` function the `/api/v1/metrics/*` routes
call, against the real store; DuckDB's is a hand-written query over the fact tables, exported
from the SQLite file into DuckDB in memory once per run (not timed). Both answers must agree,
or the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import csv
import os
import pstats
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import duckdb

from echodash.bus.memory import MemoryBus
from echodash.events import Delivery, utcnow
from echodash.metrics import report
from echodash.pipeline.processor import Processor
from echodash.store.base import Store
from echodash.store.base.metrics import FactBatch
from echodash.store.sqlite import SqliteStore
from metrics_workload import (
    END,
    MAIN,
    OTHER,
    WORKLOAD_VERSION,
    Custom,
    WorkItem,
    delivery_of,
    facts_of_item,
    workload,
)

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
CHUNK = 20_000
SAMPLE = 4_000
WINDOWS = (90, 365)
FUNNEL = ("Signed up", "Activated", "Subscribed")
TABLES = {
    "metric_deployments": "workspace_id, key, service, environment, at, sha, ref",
    "metric_commits": "workspace_id, service, ref, sha, committed_at, pushed_at",
    "metric_push_heads": "workspace_id, service, ref, head, at",
    "metric_incidents": "workspace_id, key, service, start_at, end_at, root_cause",
    "metric_snapshots": "workspace_id, key, subscription, customer, currency, status, created, "
    "items, discount",
    "metric_activity": "workspace_id, key, distinct_id, name, at, day, score",
}


# --- filling a store ------------------------------------------------------------------------


async def workspaces(store: Store) -> dict[str, int]:
    main = await store.ensure_default_workspace()
    found = {w.name: w.id for w in await store.list_workspaces()}
    other = found.get("Second workspace") or await store.create_workspace("Second workspace")
    return {MAIN: main, OTHER: other}


async def keep(store: Store, batch: FactBatch) -> None:
    """One batch of facts through the store's own fact writer (as the processor keeps them)."""
    if isinstance(store, SqliteStore):
        from echodash.store.sqlite.metrics import keep_facts

        await store._write(lambda conn: keep_facts(conn, batch))
        return
    from echodash.store.postgres.metrics import keep_facts as pg_keep_facts
    from echodash.store.postgres.sql import LOCK_EVENTS, LOCK_SPACE

    async def fn(conn: Any) -> None:
        await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_EVENTS)
        await pg_keep_facts(conn, batch)

    await store._tx(fn)  # type: ignore[attr-defined]


async def fill(store: Store, items: Iterable[WorkItem], total: int) -> int:
    ids = await workspaces(store)
    batch = FactBatch()
    done = 0
    started = time.monotonic()
    for event_id, item in enumerate(items, start=1):
        fact, key, document = facts_of_item(item, event_id)
        batch.add(ids[item.workspace], fact, key, document)
        done += 1
        if done % CHUNK == 0:
            await keep(store, batch)
            batch = FactBatch()
            if done % (CHUNK * 10) == 0:
                rate = done / (time.monotonic() - started)
                print(f"  {done:,} / {total:,} events ({rate:,.0f}/s)", file=sys.stderr)
    await keep(store, batch)
    return done


async def real_path(store: Store, items: list[WorkItem]) -> None:
    """The sample as senders would post it: each a stored delivery, parsed by the processor."""
    ids = await workspaces(store)
    endpoints: dict[tuple[str, str], Any] = {}
    deliveries = []
    for item in items:
        kind, key, headers, body = delivery_of(item)
        where = (item.workspace, kind)
        if where not in endpoints:
            endpoints[where] = await store.create_endpoint(
                ids[item.workspace], kind, kind, f"bench-{kind}-{item.workspace}", {}, None
            )
        endpoint = endpoints[where]
        deliveries.append(
            Delivery(
                endpoint_id=endpoint.id,
                workspace_id=endpoint.workspace_id,
                source=kind,
                key=key,
                headers=headers,
                body=body,
                received_at=utcnow(),
                secret_id=None,
            )
        )
    for start in range(0, len(deliveries), 1000):
        await asyncio.gather(*(store.append_delivery(d) for d in deliveries[start : start + 1000]))
    processor = Processor(store, MemoryBus())
    while await processor.process_pending(500):
        pass


def fact_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT {columns} FROM {table}"), key=repr)
            for table, columns in TABLES.items()
        }
    finally:
        conn.close()


async def check_bulk_path(sample: list[WorkItem], folder: Path) -> None:
    """The facts written in bulk equal those the processor keeps for the same events."""
    real = SqliteStore(folder / "real.db")
    bulk = SqliteStore(folder / "bulk.db")
    for store in (real, bulk):
        await store.open()
    try:
        await real_path(real, sample)
        await fill(bulk, sample, len(sample))
    finally:
        for store in (real, bulk):
            await store.close()
    expected, got = fact_rows(folder / "real.db"), fact_rows(folder / "bulk.db")
    for table in TABLES:
        if expected[table] != got[table]:
            only_real = set(expected[table]) - set(got[table])
            only_bulk = set(got[table]) - set(expected[table])
            raise SystemExit(
                f"bulk facts differ from the processor's in {table}: "
                f"{sorted(only_real, key=repr)[:3]} against {sorted(only_bulk, key=repr)[:3]}"
            )
    counts = ", ".join(f"{t.removeprefix('metric_')} {len(r)}" for t, r in expected.items())
    print(f"bulk path = processor path on a sample of {len(sample):,} events ({counts})")


def sampled(items: Iterator[WorkItem], stride: int, sample: list[WorkItem]) -> Iterator[WorkItem]:
    """The items, keeping every `stride`-th in `sample`, and every 8th GitHub or Stripe event
    (a small share of the workload, and the facts with the most rules)."""
    for n, item in enumerate(items):
        if n % stride == 0 or (not isinstance(item, Custom) and n % 8 == 0):
            sample.append(item)
        yield item


# --- EchoDash's answers ---------------------------------------------------------------------


def questions(ws: int, since: datetime) -> dict[str, Callable[[Store], Awaitable[Any]]]:
    until = END
    return {
        "dora": lambda s: report.dora_report(s, ws, since, until),
        "revenue": lambda s: report.revenue_report(s, ws, since, until),
        "product": lambda s: report.product_report(s, ws, since, until),
        "retention": lambda s: report.retention_report(
            s,
            ws,
            since,
            until,
            start_event="Signed up",
            return_event="Page viewed",
            period="week",
        ),
        "funnel": lambda s: report.funnel_report(s, ws, since, until, steps=FUNNEL, window_days=14),
        "time-to-value": lambda s: report.time_to_value_report(
            s, ws, since, until, signup_event="Signed up", activation_event="Activated"
        ),
        "nps": lambda s: report.survey_report(s, ws, since, until, kind="nps", event="nps"),
        "csat": lambda s: report.survey_report(s, ws, since, until, kind="csat", event="csat"),
    }


def checked(metric: str, answer: dict[str, Any]) -> Any:
    """The numbers of an answer that DuckDB must reproduce."""
    if metric == "dora":
        return {
            "deployments": answer["deployment_frequency"]["count"],
            "per_week": answer["deployment_frequency"]["per_week"],
            "lead_median": answer["lead_time_minutes"]["median"],
            "lead_p90": answer["lead_time_minutes"]["p90"],
            "cfr": answer["change_failure_rate"]["value"],
            "recovery_median": answer["recovery_time_minutes"]["median"],
            "rework": answer["rework_rate"]["value"],
        }
    if metric == "revenue":
        return {
            "currency": answer["currency"],
            "mrr": answer["mrr"],
            "movements": answer["movements"],
            "customers": answer["customers"],
            "trial_conversion": answer["trial_conversion"],
        }
    if metric == "product":
        return {
            "dau": [d["value"] for d in answer["dau"]],
            "wau": [d["value"] for d in answer["wau"]],
            "mau": [d["value"] for d in answer["mau"]],
            "stickiness": answer["stickiness"],
        }
    if metric == "retention":
        return [(c["start"], c["size"], c["retained"]) for c in answer["cohorts"]]
    if metric == "funnel":
        return [
            (s["count"], s["conversion"], s["median_seconds_from_previous"])
            for s in answer["steps"]
        ]
    if metric == "time-to-value":
        return (answer["users"], answer["activated"], answer["median_seconds"])
    if metric == "nps":
        return (answer["nps"], answer["responses"], answer["promoters"], answer["detractors"])
    return (answer["csat"], answer["responses"], answer["satisfied"])


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, Any]:
    answer = await fn()  # warm-up
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = await fn()
        took.append(time.perf_counter() - started)
    return statistics.median(took), answer


# --- DuckDB ---------------------------------------------------------------------------------


def duck_from(path: Path, folder: Path) -> duckdb.DuckDBPyConnection:
    """The fact tables of the SQLite file, in DuckDB in memory (times as microseconds)."""
    duck = duckdb.connect(":memory:")
    source = sqlite3.connect(path)
    try:
        for table, columns in TABLES.items():
            # `at` is a keyword in DuckDB: the column is `ts` there.
            names = [c.strip() for c in columns.split(",")]
            if table != "metric_incidents":
                names.append("event_id")
            selected = ", ".join("at AS ts" if n == "at" else n for n in names)
            file = folder / f"{table}.csv"
            with file.open("w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["ts" if n == "at" else n for n in names])
                writer.writerows(source.execute(f"SELECT {selected} FROM {table}"))
            duck.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, nullstr = '')",
                [str(file)],
            )
            file.unlink()
    finally:
        source.close()
    return duck


def run(duck: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> Any:
    """DuckDB refuses parameters a statement does not use: pass only those it names."""
    return duck.execute(sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)})


DAY = 86_400_000_000
MINUTE = 60_000_000


def duck_answer(duck: duckdb.DuckDBPyConnection, metric: str, ws: int, since: datetime) -> Any:
    s, u = int(since.timestamp() * 1e6), int(END.timestamp() * 1e6)

    def q(sql: str, params: dict[str, Any]) -> Any:
        return run(duck, sql, params)

    if metric in ("nps", "csat"):
        low, high, good = (0, 10, 9) if metric == "nps" else (1, 5, 4)
        n, top, bottom = q(
            "SELECT count(*), count(*) FILTER (score >= $good), count(*) FILTER (score <= 6) "
            "FROM metric_activity WHERE workspace_id = $ws AND name = $name AND ts >= $s "
            "AND ts < $u AND score BETWEEN $low AND $high",
            {"good": good, "ws": ws, "name": metric, "s": s, "u": u, "low": low, "high": high},
        ).fetchone()
        if metric == "nps":
            return (round((top - bottom) / n * 100, 2) if n else None, n, top, bottom)
        return (round(top / n * 100, 2) if n else None, n, top)
    if metric == "time-to-value":
        users, activated, took = q(
            """
            WITH first AS (
                SELECT distinct_id, min(ts) AS signed FROM metric_activity
                WHERE workspace_id = $ws AND name = 'Signed up' AND ts < $u GROUP BY 1),
            value AS (
                SELECT f.distinct_id, f.signed, min(a.ts) AS reached FROM first f
                LEFT JOIN metric_activity a ON a.workspace_id = $ws
                    AND a.distinct_id = f.distinct_id AND a.name = 'Activated'
                    AND a.ts >= f.signed AND a.ts < $u
                WHERE f.signed >= $s GROUP BY 1, 2)
            SELECT count(*), count(reached), quantile_cont((reached - signed) / 1e6, 0.5)
            FROM value
            """,
            {"ws": ws, "s": s, "u": u},
        ).fetchone()
        return (users, activated, None if took is None else round(took, 1))
    if metric == "funnel":
        row = q(
            """
            WITH steps AS (
                SELECT distinct_id AS p, name, ts FROM metric_activity
                WHERE workspace_id = $ws AND ts >= $s AND ts < $u
                    AND name IN ('Signed up', 'Activated', 'Subscribed')),
            two AS (
                SELECT a.p, a.ts AS t1, min(b.ts) AS t2 FROM steps a
                LEFT JOIN steps b ON b.p = a.p AND b.name = 'Activated' AND b.ts >= a.ts
                WHERE a.name = 'Signed up' GROUP BY 1, 2),
            three AS (
                SELECT t.p, t.t1, t.t2, min(c.ts) AS t3 FROM (
                    SELECT p, t1, CASE WHEN t2 - t1 <= $w THEN t2 END AS t2 FROM two) t
                LEFT JOIN steps c ON c.p = t.p AND c.name = 'Subscribed' AND t.t2 IS NOT NULL
                    AND c.ts >= t.t2
                GROUP BY 1, 2, 3),
            paths AS (
                SELECT p, t1, t2, CASE WHEN t3 - t1 <= $w THEN t3 END AS t3 FROM three),
            best AS (
                SELECT * FROM paths QUALIFY row_number() OVER (
                    PARTITION BY p ORDER BY (t2 IS NOT NULL)::int + (t3 IS NOT NULL)::int DESC,
                    t1) = 1)
            SELECT count(*), count(t2), count(t3), quantile_cont((t2 - t1) / 1e6, 0.5),
                quantile_cont((t3 - t2) / 1e6, 0.5)
            FROM best
            """,
            {"ws": ws, "s": s, "u": u, "w": 14 * DAY},
        ).fetchone()
        first, second, third, gap2, gap3 = row
        return [
            (first, round(1.0, 4) if first else None, None),
            (second, round(second / first, 4) if first else None, _r(gap2, 1)),
            (third, round(third / first, 4) if first else None, _r(gap3, 1)),
        ]
    if metric == "product":
        # Each active day of a person covers the `span` days from it; of those, the days
        # the person's previous active day did not cover start counting at max(day,
        # previous + span) and stop at day + span: a running sum of those edges per span.
        rows = q(
            """
            WITH seen AS (
                SELECT DISTINCT distinct_id, CAST(make_timestamp(ts) AS DATE) AS day
                FROM metric_activity WHERE workspace_id = $ws AND ts >= $from AND ts < $u),
            runs AS (
                SELECT day, lag(day) OVER (PARTITION BY distinct_id ORDER BY day) AS previous
                FROM seen),
            edges AS (
                SELECT span, greatest(day, coalesce(previous + span, day)) AS day, 1 AS n
                FROM runs, (VALUES (1), (7), (30)) spans(span)
                UNION ALL
                SELECT span, day + span, -1 FROM runs, (VALUES (1), (7), (30)) spans(span)),
            days AS (
                SELECT CAST(range AS DATE) AS day
                FROM range(make_timestamp($s), make_timestamp($u), INTERVAL 1 DAY)),
            counts AS (
                SELECT span, day, sum(sum(n)) OVER (PARTITION BY span ORDER BY day) AS value
                FROM edges GROUP BY span, day)
            SELECT d.day,
                (SELECT value FROM counts c WHERE c.span = 1 AND c.day <= d.day
                    ORDER BY c.day DESC LIMIT 1),
                (SELECT value FROM counts c WHERE c.span = 7 AND c.day <= d.day
                    ORDER BY c.day DESC LIMIT 1),
                (SELECT value FROM counts c WHERE c.span = 30 AND c.day <= d.day
                    ORDER BY c.day DESC LIMIT 1)
            FROM days d ORDER BY d.day
            """,
            {"ws": ws, "s": s, "u": u, "from": s - 29 * DAY},
        ).fetchall()
        rows = [(r[0], *(int(v or 0) for v in r[1:])) for r in rows]
        dau = [r[1] for r in rows]
        mau = [r[3] for r in rows]
        stickiness = (sum(dau) / len(dau)) / mau[-1] if mau and mau[-1] else None
        return {
            "dau": dau,
            "wau": [r[2] for r in rows],
            "mau": mau,
            "stickiness": _r(stickiness, 4),
        }
    if metric == "retention":
        rows = q(
            """
            WITH first AS (
                SELECT distinct_id, min(ts) AS started FROM metric_activity
                WHERE workspace_id = $ws AND name = 'Signed up' AND ts < $u GROUP BY 1),
            cohort AS (
                SELECT distinct_id, started,
                    date_trunc('week', make_timestamp(started))::DATE AS week
                FROM first WHERE started >= $s),
            back AS (
                SELECT DISTINCT c.week, c.distinct_id, date_diff('week', c.week,
                    date_trunc('week', make_timestamp(a.ts))::DATE) AS n
                FROM cohort c JOIN metric_activity a ON a.workspace_id = $ws
                    AND a.distinct_id = c.distinct_id AND a.name = 'Page viewed' AND a.ts < $u
                    AND date_trunc('week', make_timestamp(a.ts)) >= c.week)
            SELECT week, NULL AS n, count(*) FROM cohort GROUP BY week
            UNION ALL SELECT week, n, count(*) FROM back GROUP BY week, n
            """,
            {"ws": ws, "s": s, "u": u},
        ).fetchall()
        last_week = (END - timedelta(microseconds=1)).date()
        last_week -= timedelta(days=last_week.weekday())
        sizes = {w: c for w, n, c in rows if n is None}
        kept = {(w, n): c for w, n, c in rows if n is not None}
        return [
            (
                week.isoformat(),
                sizes[week],
                [kept.get((week, n), 0) for n in range((last_week - week).days // 7 + 1)],
            )
            for week in sorted(sizes)
        ]
    if metric == "dora":
        return duck_dora(duck, ws, s, u)
    return duck_revenue(duck, ws, s, u)


def _r(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def duck_dora(duck: duckdb.DuckDBPyConnection, ws: int, s: int, u: int) -> Any:
    params = {"ws": ws, "s": s, "u": u, "lookback": 30 * DAY}
    run(
        duck,
        """
        CREATE OR REPLACE TEMP TABLE prod AS
        SELECT key, service, environment, ts, sha, ref, lag(ts) OVER (
            PARTITION BY service, environment ORDER BY ts, key) AS previous
        FROM metric_deployments
        WHERE workspace_id = $ws AND ts < $u AND regexp_matches(environment, '(?i)prod')
        """,
        params,
    )
    count, lead_median, lead_p90 = run(
        duck,
        """
        WITH heads AS (
            SELECT service, head, min(ts) AS ts FROM metric_push_heads
            WHERE workspace_id = $ws AND ts < $u GROUP BY 1, 2),
        cut AS (
            SELECT p.*, coalesce(h.ts, p.ts) AS cut FROM prod p
            LEFT JOIN heads h ON h.service = p.service AND h.head = p.sha),
        brought AS (
            SELECT c.key, c.ts, c.service, c.environment, m.sha, m.committed_at FROM cut c
            JOIN metric_commits m ON m.workspace_id = $ws AND m.service = c.service
                AND m.ref = c.ref AND m.pushed_at <= c.cut AND m.pushed_at < $u
                AND ((c.previous IS NULL AND m.committed_at >= c.ts - $lookback)
                    OR m.pushed_at > c.previous)),
        counted AS (
            SELECT * FROM brought QUALIFY row_number() OVER (
                PARTITION BY service, environment, sha ORDER BY ts, key) = 1),
        leads AS (
            SELECT (ts - committed_at) / 6e7 AS minutes FROM counted
            WHERE ts >= $s AND ts - committed_at > 0)
        SELECT (SELECT count(*) FROM prod WHERE ts >= $s),
            quantile_cont(minutes, 0.5), quantile_cont(minutes, 0.9) FROM leads
        """,
        params,
    ).fetchone()
    failed, recovery, rework = run(
        duck,
        """
        WITH incidents AS (
            SELECT * FROM metric_incidents WHERE workspace_id = $ws AND start_at < $u),
        causes AS (
            SELECT i.key, p.key AS cause FROM incidents i
            ASOF JOIN prod p ON p.service = i.service AND i.start_at > p.ts)
        SELECT
            (SELECT count(DISTINCT cause) FROM causes c JOIN prod p ON p.key = c.cause
                WHERE p.ts >= $s),
            (SELECT quantile_cont((end_at - start_at) / 6e7, 0.5) FROM incidents
                WHERE end_at >= $s AND end_at < $u AND end_at > start_at),
            (SELECT count(*) FROM prod p WHERE p.ts >= $s AND EXISTS (
                SELECT 1 FROM incidents i WHERE i.service = p.service AND i.start_at <= p.ts
                    AND (i.end_at IS NULL OR p.ts < i.end_at)))
        """,
        params,
    ).fetchone()
    days = (u - s) / DAY
    return {
        "deployments": count,
        "per_week": round(count / days * 7, 4),
        "lead_median": _r(lead_median, 2),
        "lead_p90": _r(lead_p90, 2),
        "cfr": round(failed / count, 4) if count else None,
        "recovery_median": _r(recovery, 2),
        "rework": round(rework / count, 4) if count else None,
    }


def duck_revenue(duck: duckdb.DuckDBPyConnection, ws: int, s: int, u: int) -> Any:
    """MRR in 1/1200 of a cent per snapshot (exact for every billing interval of the
    workload), each customer's total rounded half up once, at the window's two edges."""
    params = {"ws": ws, "s": s, "u": u}
    run(
        duck,
        """
        CREATE OR REPLACE TEMP TABLE snap AS
        WITH items AS (
            SELECT key, unnest(from_json(items, '[["VARCHAR"]]')) AS item
            FROM metric_snapshots WHERE workspace_id = $ws AND currency = 'usd'),
        worth AS (
            SELECT key, sum(CASE WHEN item[5] IN ('true', '1') OR item[1] IS NULL THEN 0
                ELSE CAST(item[1] AS BIGINT) * CAST(item[2] AS BIGINT) * CASE item[3]
                    WHEN 'year' THEN 100 WHEN 'month' THEN 1200 WHEN 'week' THEN 5200
                    WHEN 'day' THEN 36500 END // CAST(item[4] AS BIGINT) END) AS units
            FROM items GROUP BY key)
        SELECT m.key, m.subscription, m.customer, m.status, m.created, m.event_id,
            CASE WHEN m.status NOT IN ('active', 'past_due') THEN 0
                WHEN json_extract_string(m.discount, '$[0]') = 'forever'
                    AND json_extract(m.discount, '$[1]') IS NOT NULL
                    AND CAST(json_extract(m.discount, '$[1]') AS DOUBLE) > 0
                THEN w.units * (100 - CAST(json_extract(m.discount, '$[1]') AS DOUBLE)) / 100
                ELSE w.units END AS units
        FROM metric_snapshots m JOIN worth w USING (key)
        WHERE m.workspace_id = $ws AND m.currency = 'usd' AND m.created < $u
        """,
        params,
    )
    rows = run(
        duck,
        """
        WITH edge AS (
            SELECT 'start' AS side, arg_max(customer, (created, event_id)) AS customer,
                arg_max(units, (created, event_id)) AS units
            FROM snap WHERE created < $s GROUP BY subscription
            UNION ALL
            SELECT 'end', arg_max(customer, (created, event_id)),
                arg_max(units, (created, event_id))
            FROM snap GROUP BY subscription),
        customers AS (
            SELECT side, customer, CAST(floor((sum(units) + 600) / 1200) AS BIGINT) AS mrr
            FROM edge GROUP BY 1, 2 HAVING mrr > 0),
        moved AS (
            SELECT coalesce(a.customer, b.customer) AS customer, coalesce(a.mrr, 0) AS before,
                coalesce(b.mrr, 0) AS after, EXISTS (
                    SELECT 1 FROM snap x WHERE x.customer = coalesce(a.customer, b.customer)
                        AND x.created < $s AND x.units > 0) AS had
            FROM (SELECT * FROM customers WHERE side = 'start') a
            FULL JOIN (SELECT * FROM customers WHERE side = 'end') b USING (customer))
        SELECT sum(before), sum(after),
            coalesce(sum(after) FILTER (WHERE before = 0 AND NOT had), 0),
            coalesce(sum(after) FILTER (WHERE before = 0 AND had), 0),
            coalesce(sum(after - before) FILTER (WHERE before > 0 AND after > before), 0),
            coalesce(sum(before - after) FILTER (WHERE after > 0 AND after < before), 0),
            coalesce(sum(before) FILTER (WHERE before > 0 AND after = 0), 0),
            count(*) FILTER (WHERE before > 0), count(*) FILTER (WHERE after > 0),
            count(*) FILTER (WHERE before > 0 AND after = 0)
        FROM moved
        """,
        params,
    ).fetchone()
    ended, converted = run(
        duck,
        """
        WITH steps AS (
            SELECT subscription, created, status, lag(status) OVER (
                PARTITION BY subscription ORDER BY created, event_id) AS before FROM snap),
        left_trial AS (
            SELECT * FROM steps WHERE before = 'trialing' AND status <> 'trialing'
            QUALIFY row_number() OVER (PARTITION BY subscription ORDER BY created) = 1)
        SELECT count(*), count(*) FILTER (WHERE status IN ('active', 'past_due'))
        FROM left_trial WHERE created >= $s AND created < $u
        """,
        params,
    ).fetchone()
    start, end, new, back, up, down, churn, n_start, n_end, churned = (int(v) for v in rows)
    return {
        "currency": "usd",
        "mrr": {"start": start, "end": end},
        "movements": {
            "new": new,
            "reactivation": back,
            "expansion": up,
            "contraction": down,
            "churn": churn,
        },
        "customers": {"start": n_start, "end": n_end, "churned": churned},
        "trial_conversion": round(converted / ended, 4) if ended else None,
    }


def duck_timed(
    duck: duckdb.DuckDBPyConnection, metric: str, ws: int, since: datetime, runs: int
) -> tuple[float, Any]:
    answer = duck_answer(duck, metric, ws, since)
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = duck_answer(duck, metric, ws, since)
        took.append(time.perf_counter() - started)
    return statistics.median(took), answer


# --- the run --------------------------------------------------------------------------------


async def open_sqlite(path: Path, seed: int, events: int, sample: list[WorkItem]) -> Store:
    if not path.exists():  # noqa: ASYNC240 (before anything runs)
        partial = path.with_suffix(".partial")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        store = SqliteStore(partial)
        await store.open()
        started = time.monotonic()
        items = sampled(workload(seed, events), max(1, events // SAMPLE), sample)
        await fill(store, items, events)
        await store.close()
        print(f"SQLite filled in {time.monotonic() - started:.0f} s: {path}", file=sys.stderr)
        conn = sqlite3.connect(partial)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
        conn.close()
        partial.rename(path)
    store = SqliteStore(path)
    await store.open()
    return store


async def open_postgres(seed: int, events: int, sample: list[WorkItem]) -> tuple[Store, str]:
    import asyncpg

    from echodash.store.postgres import PostgresStore

    name = f"echodash_bench_metrics_{os.getpid()}"
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    store = PostgresStore(f"{PG_SERVER}/{name}")
    await store.open()
    started = time.monotonic()
    items = workload(seed, events)
    if not sample:
        items = sampled(items, max(1, events // SAMPLE), sample)
    await fill(store, items, events)
    await store._run(lambda c: c.execute("VACUUM ANALYZE"))  # type: ignore[attr-defined]
    print(f"PostgreSQL filled in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return store, name


async def drop_postgres(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--only", help="comma-separated metrics (default: all)")
    parser.add_argument("--profile", help="profile this metric (EchoDash, 365 days) and stop")
    args = parser.parse_args()
    metrics = list(questions(0, END)) if not args.only else args.only.split(",")

    name = f"echodash-bench-metrics-v{WORKLOAD_VERSION}-s{args.seed}-n{args.events}.db"
    cache = args.cache / name
    sample: list[WorkItem] = []
    stores: dict[str, Store] = {}
    pg_name = None
    with tempfile.TemporaryDirectory(prefix="echodash-bench-metrics-") as tmp:
        folder = Path(tmp)
        stores["sqlite"] = await open_sqlite(cache, args.seed, args.events, sample)
        try:
            if args.database in ("postgres", "both"):
                stores["postgres"], pg_name = await open_postgres(args.seed, args.events, sample)
            if args.database == "postgres":
                await stores.pop("sqlite").close()
            if not sample:  # cached SQLite and no PostgreSQL: the sample alone
                items = sampled(workload(args.seed, args.events), args.events // SAMPLE, sample)
                for _ in items:
                    pass
            await check_bulk_path(sample, folder)
            ids = await workspaces(next(iter(stores.values())))
            ws = ids[MAIN]
            if args.profile:
                await profile(stores, args.profile, ws)
                return
            duck = duck_from(cache, folder)
            print(
                "DuckDB: the fact tables exported from the SQLite file into DuckDB in memory "
                "(not timed)"
            )
            await run_all(stores, duck, metrics, ws, args.runs)
        finally:
            for store in stores.values():
                await store.close()
            if pg_name:
                await drop_postgres(pg_name)


async def profile(stores: dict[str, Store], metric: str, ws: int) -> None:
    fn = questions(ws, END - timedelta(days=365))[metric]
    for backend, store in stores.items():
        await fn(store)
        profiler = cProfile.Profile()
        profiler.enable()
        await fn(store)
        profiler.disable()
        print(f"--- {metric} on {backend}, 365 days")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


async def run_all(
    stores: dict[str, Store], duck: duckdb.DuckDBPyConnection, metrics: list[str], ws: int,
    runs: int,
) -> None:  # fmt: skip
    load = os.getloadavg()
    header = (
        f"{'metric':<14} {'window':>6} {'SQLite ms':>10} {'PostgreSQL ms':>14} "
        f"{'DuckDB ms':>10} {'ratio':>7}  result"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for days in WINDOWS:
        since = END - timedelta(days=days)
        asked = questions(ws, since)
        for metric in metrics:
            duck_s, expected = duck_timed(duck, metric, ws, since, runs)
            figures: dict[str, float] = {}
            for backend, store in stores.items():
                seconds, answer = await timed(lambda: asked[metric](store), runs)  # noqa: B023
                got = checked(metric, answer)
                if got != expected:
                    raise SystemExit(
                        f"WRONG NUMBER: {metric} over {days} days on {backend}:\n"
                        f"  EchoDash {got}\n  DuckDB   {expected}"
                    )
                figures[backend] = seconds
            worst = max(figures.values())
            ratio = worst / duck_s if duck_s else float("inf")
            ok = worst <= 1.0 and ratio <= 3.0
            failures += not ok
            cells = [
                f"{figures[b] * 1000:,.1f}" if b in figures else "—" for b in ("sqlite", "postgres")
            ]
            print(
                f"{metric:<14} {days:>5}d {cells[0]:>10} {cells[1]:>14} {duck_s * 1000:>10,.1f} "
                f"{ratio:>6.1f}x  {'pass' if ok else 'FAIL'}"
            )
    print(
        f"\nmedians of {runs} warm runs; every answer equal to DuckDB's; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start, "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end; "
        f"{failures} of {len(metrics) * len(WINDOWS)} over target (≤ 1 s and ≤ 3 x DuckDB)"
    )


if __name__ == "__main__":
    asyncio.run(main())
