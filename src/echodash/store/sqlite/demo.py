"""SQLite: the demo's marks and its removal (one write transaction, scratch tables of ids)."""

from __future__ import annotations

import sqlite3

from echodash.events import utcnow
from echodash.store.base.demo import DemoKind, DemoRemoval
from echodash.store.demo_sql import DEMO_WORKSPACE_NAME, FACT_TABLES
from echodash.store.rows import to_micros
from echodash.store.sqlite.connection import SqliteConnection

_MARKED = "SELECT CAST(ref AS INTEGER) FROM demo_marks WHERE workspace_id = ? AND kind = ?"


class SqliteDemo(SqliteConnection):
    async def mark_demo(self, workspace_id: int, kind: DemoKind, ref: str) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO demo_marks (workspace_id, kind, ref) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (workspace_id, kind, ref),
            )

        await self._write(fn)

    async def demo_marks(self, workspace_id: int) -> dict[str, list[str]]:
        def fn(conn: sqlite3.Connection) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for kind, ref in conn.execute(
                "SELECT kind, ref FROM demo_marks WHERE workspace_id = ? ORDER BY kind, ref",
                (workspace_id,),
            ):
                found.setdefault(kind, []).append(ref)
            return found

        return await self._read(fn)

    async def remove_demo(self, workspace_id: int) -> DemoRemoval:
        now = to_micros(utcnow())
        return await self._write(lambda conn: _remove(conn, workspace_id, now))


def _remove(conn: sqlite3.Connection, w: int, now: int) -> DemoRemoval:
    run = conn.execute
    run("CREATE TEMP TABLE IF NOT EXISTS demo_deliveries (id INTEGER PRIMARY KEY)")
    run("CREATE TEMP TABLE IF NOT EXISTS demo_events (id INTEGER PRIMARY KEY)")
    run("CREATE TEMP TABLE IF NOT EXISTS demo_alerts (id INTEGER PRIMARY KEY)")
    for table in ("demo_deliveries", "demo_events", "demo_alerts"):
        run(f"DELETE FROM temp.{table}")
    rules = f"({_MARKED})"
    # The demo endpoints' deliveries and its custom events (by key prefix), and their events.
    run(
        "INSERT OR IGNORE INTO temp.demo_deliveries SELECT id FROM deliveries "
        f"WHERE workspace_id = ? AND endpoint_id IN ({_MARKED})",
        (w, w, "endpoint"),
    )
    run(
        "INSERT OR IGNORE INTO temp.demo_deliveries SELECT d.id FROM deliveries d "
        "JOIN demo_marks m ON m.workspace_id = d.workspace_id AND m.kind = 'custom' "
        "WHERE d.workspace_id = ? AND d.source = 'custom' "
        "AND substr(d.key, 1, length(m.ref)) = m.ref",
        (w,),
    )
    _events_of_deliveries(conn, w)
    run(
        "INSERT OR IGNORE INTO temp.demo_events SELECT id FROM events "
        f"WHERE workspace_id = ? AND endpoint_id IN ({_MARKED})",
        (w, w, "endpoint"),
    )
    # The demo rules' alerts, and any alert that only demo events opened (a rule of the
    # user's watching the demo's deploys); then those alerts' feed items (keys
    # `outbox-<item>` and `alert-<id>-<status>`, alerts/feed_items.py) and their events.
    run(
        "INSERT OR IGNORE INTO temp.demo_alerts SELECT id FROM alerts "
        f"WHERE workspace_id = ? AND rule_id IN {rules}",
        (w, w, "rule"),
    )
    run(
        "INSERT OR IGNORE INTO temp.demo_alerts SELECT a.id FROM alerts a "
        "WHERE a.workspace_id = ? AND json_array_length(a.event_ids) > 0 AND NOT EXISTS "
        "(SELECT 1 FROM json_each(a.event_ids) j "
        "WHERE j.value NOT IN (SELECT id FROM temp.demo_events))",
        (w,),
    )
    run(
        "INSERT OR IGNORE INTO temp.demo_deliveries SELECT id FROM deliveries "
        "WHERE workspace_id = ? AND source = 'alerts' AND ("
        "key IN (SELECT 'outbox-' || id FROM alert_outbox "
        "WHERE alert_id IN (SELECT id FROM temp.demo_alerts)) "
        "OR key IN (SELECT 'alert-' || a.id || '-' || s.status FROM temp.demo_alerts a, "
        "(SELECT 'acknowledged' AS status UNION ALL SELECT 'resolved') s))",
        (w,),
    )
    _events_of_deliveries(conn, w)
    facts = 0
    for table in FACT_TABLES:
        facts += run(
            f"DELETE FROM {table} WHERE workspace_id = ? "
            "AND event_id IN (SELECT id FROM temp.demo_events)",
            (w,),
        ).rowcount
    facts += run(
        "DELETE FROM metric_incidents WHERE workspace_id = ? AND EXISTS (SELECT 1 FROM "
        "json_each(metric_incidents.event_ids) j WHERE j.value IN "
        "(SELECT id FROM temp.demo_events))",
        (w,),
    ).rowcount
    run("DELETE FROM alert_queue WHERE event_id IN (SELECT id FROM temp.demo_events)")
    alerts = run("SELECT count(*) FROM temp.demo_alerts").fetchone()[0]
    for table in ("alert_attempts", "alert_outbox"):
        run(f"DELETE FROM {table} WHERE alert_id IN (SELECT id FROM temp.demo_alerts)")
        run(f"DELETE FROM {table} WHERE workspace_id = ? AND rule_id IN {rules}", (w, w, "rule"))
    run("DELETE FROM alert_timeline WHERE alert_id IN (SELECT id FROM temp.demo_alerts)")
    run("DELETE FROM alerts WHERE id IN (SELECT id FROM temp.demo_alerts)")
    run(f"DELETE FROM alert_states WHERE rule_id IN {rules}", (w, "rule"))
    rule_count = run(
        f"DELETE FROM alert_rules WHERE workspace_id = ? AND id IN {rules}", (w, w, "rule")
    ).rowcount
    events = run("DELETE FROM events WHERE id IN (SELECT id FROM temp.demo_events)").rowcount
    deliveries = run(
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM temp.demo_deliveries)"
    ).rowcount
    endpoints = f"(SELECT id FROM endpoints WHERE workspace_id = ? AND id IN ({_MARKED}))"
    for table in ("endpoint_secrets", "rejections", "refusal_log"):
        run(f"DELETE FROM {table} WHERE endpoint_id IN {endpoints}", (w, w, "endpoint"))
    endpoint_count = run(
        f"DELETE FROM endpoints WHERE workspace_id = ? AND id IN ({_MARKED})",
        (w, w, "endpoint"),
    ).rowcount
    tokens = run(
        "UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND revoked_at IS NULL "
        f"AND id IN ({_MARKED})",
        (now, w, w, "token"),
    ).rowcount
    former = run(
        "SELECT ref FROM demo_marks WHERE workspace_id = ? AND kind = 'name'", (w,)
    ).fetchone()
    if former is not None:
        run(
            "UPDATE workspaces SET name = ? WHERE id = ? AND name = ?",
            (former[0], w, DEMO_WORKSPACE_NAME),
        )
    run("DELETE FROM demo_marks WHERE workspace_id = ?", (w,))
    return DemoRemoval(
        events=events,
        deliveries=deliveries,
        endpoints=endpoint_count,
        rules=rule_count,
        alerts=int(alerts),
        facts=facts,
        tokens=tokens,
    )


def _events_of_deliveries(conn: sqlite3.Connection, w: int) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO temp.demo_events SELECT id FROM events WHERE workspace_id = ? "
        "AND delivery_id IN (SELECT id FROM temp.demo_deliveries)",
        (w,),
    )
