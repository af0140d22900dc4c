"""PostgreSQL: the demo's marks and its removal (one transaction, scratch tables of ids)."""

from __future__ import annotations

from datetime import datetime

from echodash.events import utcnow
from echodash.store.base.demo import DemoKind, DemoRemoval
from echodash.store.demo_sql import DEMO_WORKSPACE_NAME, FACT_TABLES
from echodash.store.postgres.connection import Conn, PgConnection

_MARKED = "SELECT ref::bigint FROM demo_marks WHERE workspace_id = $1 AND kind = '{}'"
_RULES = "(" + _MARKED.format("rule") + ")"
_ENDPOINTS = "(" + _MARKED.format("endpoint") + ")"


_EVENTS_OF_DELIVERIES = (
    "INSERT INTO demo_events SELECT id FROM events WHERE workspace_id = $1 "
    "AND delivery_id IN (SELECT id FROM demo_deliveries) ON CONFLICT DO NOTHING"
)


def _count(status: str) -> int:
    return int(str(status).rsplit(" ", 1)[-1])


class PgDemo(PgConnection):
    async def mark_demo(self, workspace_id: int, kind: DemoKind, ref: str) -> None:
        async def fn(conn: Conn) -> None:
            await conn.execute(
                "INSERT INTO demo_marks (workspace_id, kind, ref) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                workspace_id,
                kind,
                ref,
            )

        await self._tx(fn)

    async def demo_marks(self, workspace_id: int) -> dict[str, list[str]]:
        async def fn(conn: Conn) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for row in await conn.fetch(
                "SELECT kind, ref FROM demo_marks WHERE workspace_id = $1 ORDER BY kind, ref",
                workspace_id,
            ):
                found.setdefault(row["kind"], []).append(row["ref"])
            return found

        return await self._run(fn)

    async def remove_demo(self, workspace_id: int) -> DemoRemoval:
        now = utcnow()

        async def fn(conn: Conn) -> DemoRemoval:
            return await _remove(conn, workspace_id, now)

        return await self._tx(fn)


async def _remove(conn: Conn, w: int, now: datetime) -> DemoRemoval:
    async def run(sql: str, *args: object) -> int:
        return _count(await conn.execute(sql, w, *args))

    for table in ("demo_deliveries", "demo_events", "demo_alerts"):
        await conn.execute(f"CREATE TEMP TABLE {table} (id BIGINT PRIMARY KEY) ON COMMIT DROP")
    # The demo endpoints' deliveries and its custom events (by key prefix), and their events.
    await run(
        "INSERT INTO demo_deliveries SELECT id FROM deliveries "
        f"WHERE workspace_id = $1 AND endpoint_id IN {_ENDPOINTS} ON CONFLICT DO NOTHING"
    )
    await run(
        "INSERT INTO demo_deliveries SELECT d.id FROM deliveries d "
        "JOIN demo_marks m ON m.workspace_id = d.workspace_id AND m.kind = 'custom' "
        "WHERE d.workspace_id = $1 AND d.source = 'custom' "
        "AND left(d.key, length(m.ref)) = m.ref ON CONFLICT DO NOTHING"
    )
    await run(_EVENTS_OF_DELIVERIES)
    await run(
        "INSERT INTO demo_events SELECT id FROM events WHERE workspace_id = $1 AND "
        f"endpoint_id IN {_ENDPOINTS} ON CONFLICT DO NOTHING"
    )
    # The demo rules' alerts, and any alert that only demo events opened (a rule of the
    # user's watching the demo's deploys); then those alerts' feed items (keys
    # `outbox-<item>` and `alert-<id>-<status>`, alerts/feed_items.py) and their events.
    await run(
        f"INSERT INTO demo_alerts SELECT id FROM alerts WHERE workspace_id = $1 "
        f"AND rule_id IN {_RULES} ON CONFLICT DO NOTHING"
    )
    await run(
        "INSERT INTO demo_alerts SELECT a.id FROM alerts a WHERE a.workspace_id = $1 "
        "AND cardinality(a.event_ids) > 0 AND NOT EXISTS (SELECT 1 FROM unnest(a.event_ids) "
        "AS u(id) WHERE u.id NOT IN (SELECT id FROM demo_events)) ON CONFLICT DO NOTHING"
    )
    await run(
        "INSERT INTO demo_deliveries SELECT id FROM deliveries "
        "WHERE workspace_id = $1 AND source = 'alerts' AND ("
        "key IN (SELECT 'outbox-' || id FROM alert_outbox "
        "WHERE alert_id IN (SELECT id FROM demo_alerts)) "
        "OR key IN (SELECT 'alert-' || a.id || '-' || s.status FROM demo_alerts a, "
        "(VALUES ('acknowledged'), ('resolved')) AS s(status))) ON CONFLICT DO NOTHING"
    )
    await run(_EVENTS_OF_DELIVERIES)
    facts = 0
    for table in FACT_TABLES:
        facts += await run(
            f"DELETE FROM {table} WHERE workspace_id = $1 "
            "AND event_id IN (SELECT id FROM demo_events)"
        )
    facts += await run(
        "DELETE FROM metric_incidents WHERE workspace_id = $1 AND EXISTS (SELECT 1 FROM "
        "jsonb_array_elements_text(metric_incidents.event_ids::jsonb) j "
        "WHERE j.value::bigint IN (SELECT id FROM demo_events))"
    )
    await conn.execute("DELETE FROM alert_queue WHERE event_id IN (SELECT id FROM demo_events)")
    alerts = int(await conn.fetchval("SELECT count(*) FROM demo_alerts"))
    for table in ("alert_attempts", "alert_outbox"):
        await conn.execute(f"DELETE FROM {table} WHERE alert_id IN (SELECT id FROM demo_alerts)")
        await run(f"DELETE FROM {table} WHERE workspace_id = $1 AND rule_id IN {_RULES}")
    await conn.execute("DELETE FROM alert_timeline WHERE alert_id IN (SELECT id FROM demo_alerts)")
    await conn.execute("DELETE FROM alerts WHERE id IN (SELECT id FROM demo_alerts)")
    await run(f"DELETE FROM alert_states WHERE rule_id IN {_RULES}")
    rules = await run(f"DELETE FROM alert_rules WHERE workspace_id = $1 AND id IN {_RULES}")
    events = _count(
        await conn.execute("DELETE FROM events WHERE id IN (SELECT id FROM demo_events)")
    )
    deliveries = _count(
        await conn.execute("DELETE FROM deliveries WHERE id IN (SELECT id FROM demo_deliveries)")
    )
    owned = f"(SELECT id FROM endpoints WHERE workspace_id = $1 AND id IN {_ENDPOINTS})"
    for table in ("endpoint_secrets", "rejections", "refusal_log"):
        await run(f"DELETE FROM {table} WHERE endpoint_id IN {owned}")
    endpoints = await run(f"DELETE FROM endpoints WHERE workspace_id = $1 AND id IN {_ENDPOINTS}")
    tokens = await run(
        "UPDATE api_tokens SET revoked_at = $2 WHERE workspace_id = $1 AND revoked_at IS NULL "
        "AND id IN (" + _MARKED.format("token") + ")",
        now,
    )
    former = await conn.fetchval(
        "SELECT ref FROM demo_marks WHERE workspace_id = $1 AND kind = 'name'", w
    )
    if former is not None:
        await run("UPDATE workspaces SET name = $2 WHERE id = $1 AND name = $3", former,
                  DEMO_WORKSPACE_NAME)  # fmt: skip
    await run("DELETE FROM demo_marks WHERE workspace_id = $1")
    return DemoRemoval(
        events=events,
        deliveries=deliveries,
        endpoints=endpoints,
        rules=rules,
        alerts=alerts,
        facts=facts,
        tokens=tokens,
    )
