"""PostgreSQL: alert rules, the evaluation queue, alerts with their timeline, the outbox.

An evaluation reads, waits for its callback and writes in one transaction holding an advisory
lock, so two nodes never evaluate at once; the outbox is claimed with SKIP LOCKED."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg

from echodash.events import utcnow
from echodash.store.alert_rows import (
    ALERT_COLUMNS,
    OUTBOX_COLUMNS,
    RULE_COLUMNS,
    RULE_DELETED,
    alert_from_row,
    attempt_detail,
    capped_ids,
    filled,
    json_value,
    rule_versions,
)
from echodash.store.base.alerts import (
    FEED_KIND,
    OPEN_STATUSES,
    AlertChange,
    AlertRecord,
    AlertStatus,
    Attempt,
    AttemptRecord,
    Evaluate,
    EvaluationBatch,
    EvaluationWork,
    NewNotification,
    OpenAlert,
    OutboxItem,
    QueuedEvent,
    RuleNameTakenError,
    RuleRecord,
    TimelineEntry,
)
from echodash.store.postgres.connection import Conn, PgConnection
from echodash.store.postgres.sql import (
    EVENT_COLUMNS,
    LOCK_ALERTS,
    LOCK_SPACE,
    clean,
    event_from_row,
    jsonb,
    prefixed,
)
from echodash.store.rows import as_is

_OPEN = "status IN ('firing', 'acknowledged')"


def _rule(row: Any) -> RuleRecord:
    return RuleRecord(row[0], row[1], row[2], json_value(row[3]), row[4], row[5], row[6])


def _alert(row: Any) -> AlertRecord:
    return alert_from_row(row, as_is)


async def _alert_by_id(conn: Conn, workspace_id: int, alert_id: int) -> AlertRecord | None:
    row = await conn.fetchrow(
        f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1 AND workspace_id = $2",
        alert_id,
        workspace_id,
    )
    return _alert(row) if row else None


async def _timeline(
    conn: Conn, alert_id: int, at: datetime, kind: str, detail: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO alert_timeline (alert_id, at, kind, detail) VALUES ($1, $2, $3, $4)",
        alert_id,
        at,
        kind,
        jsonb(detail),
    )


async def _queue_notifications(
    conn: Conn,
    workspace_id: int,
    alert_id: int,
    rule_id: int,
    notifications: list[NewNotification],
    now: datetime,
) -> None:
    if not notifications:
        return
    await conn.executemany(
        "INSERT INTO alert_outbox (workspace_id, alert_id, rule_id, action_index, kind, "
        "payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            (
                workspace_id,
                alert_id,
                rule_id,
                n.action_index,
                clean(n.kind),
                jsonb(filled(n, alert_id)),
                n.due_at,
                now,
            )
            for n in notifications
        ],
    )


class PgAlerts(PgConnection):
    # Rules

    async def create_rule(
        self, workspace_id: int, name: str, document: dict[str, Any], enabled: bool = True
    ) -> RuleRecord:
        now = utcnow()
        try:
            row = await self._run(
                lambda c: c.fetchrow(
                    "INSERT INTO alert_rules (workspace_id, name, document, enabled, "
                    f"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) "
                    f"RETURNING {RULE_COLUMNS}",
                    workspace_id,
                    clean(name),
                    jsonb(document),
                    enabled,
                    now,
                )
            )
        except asyncpg.UniqueViolationError:
            raise RuleNameTakenError(name) from None
        return _rule(row)

    async def list_rules(self, workspace_id: int) -> list[RuleRecord]:
        rows = await self._run(
            lambda c: c.fetch(
                f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE workspace_id = $1 ORDER BY id",
                workspace_id,
            )
        )
        return [_rule(r) for r in rows]

    async def get_rule(self, workspace_id: int, rule_id: int) -> RuleRecord | None:
        row = await self._run(
            lambda c: c.fetchrow(
                f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = $1 AND workspace_id = $2",
                rule_id,
                workspace_id,
            )
        )
        return _rule(row) if row else None

    async def update_rule(
        self,
        workspace_id: int,
        rule_id: int,
        name: str,
        document: dict[str, Any],
        enabled: bool,
    ) -> RuleRecord | None:
        now = utcnow()

        async def fn(conn: Conn) -> RuleRecord | None:
            row = await conn.fetchrow(
                "UPDATE alert_rules SET name = $1, document = $2, enabled = $3, "
                # Never the same updated_at twice: an evaluation that read the rule before
                # this change sees that it changed (and drops its work for it).
                "updated_at = greatest($4, updated_at + interval '1 microsecond') "
                f"WHERE id = $5 AND workspace_id = $6 RETURNING {RULE_COLUMNS}",
                clean(name),
                jsonb(document),
                enabled,
                now,
                rule_id,
                workspace_id,
            )
            if row is None:
                return None
            await conn.execute("DELETE FROM alert_states WHERE rule_id = $1", rule_id)
            return _rule(row)

        try:
            return await self._tx(fn)
        except asyncpg.UniqueViolationError:
            raise RuleNameTakenError(name) from None

    async def delete_rule(self, workspace_id: int, rule_id: int) -> bool:
        now = utcnow()

        async def fn(conn: Conn) -> bool:
            gone = await conn.fetchval(
                "DELETE FROM alert_rules WHERE id = $1 AND workspace_id = $2 RETURNING id",
                rule_id,
                workspace_id,
            )
            if gone is None:
                return False
            await conn.execute("DELETE FROM alert_states WHERE rule_id = $1", rule_id)
            await conn.execute(
                "DELETE FROM alert_outbox WHERE workspace_id = $1 AND rule_id = $2 "
                "AND status = 'pending'",
                workspace_id,
                rule_id,
            )
            resolved = await conn.fetch(
                "UPDATE alerts SET status = 'resolved', resolved_at = $1 "
                f"WHERE rule_id = $2 AND {_OPEN} RETURNING id",
                now,
                rule_id,
            )
            for row in resolved:
                await _timeline(conn, row[0], now, "resolved", {"reason": RULE_DELETED})
            return True

        return await self._tx(fn)

    # Evaluation

    async def evaluate(self, limit: int, evaluate: Evaluate, *, now: datetime) -> int:
        async def fn(conn: Conn) -> int:
            # Held to the end of the transaction: another node's evaluation waits here, and
            # then reads the state this one wrote.
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_SPACE, LOCK_ALERTS)
            batch, taken = await _load_batch(conn, limit, now)
            work = await evaluate(batch)  # raises: rolled back, the events stay queued
            await _store_work(conn, batch, work, taken)
            return len(taken)

        return await self._tx(fn)

    async def queued_events(self) -> int:
        return int(await self._run(lambda c: c.fetchval("SELECT count(*) FROM alert_queue")))

    # Alerts

    async def list_alerts(
        self,
        workspace_id: int,
        status: AlertStatus | None = None,
        rule_id: int | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[AlertRecord]:
        where = ["workspace_id = $1"]
        params: list[Any] = [workspace_id]
        for condition, value in (
            ("status = $", status),
            ("rule_id = $", rule_id),
            ("id < $", before_id),
        ):
            if value is not None:
                params.append(value)
                where.append(f"{condition}{len(params)}")
        params.append(limit)
        sql = (
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {' AND '.join(where)} "
            f"ORDER BY id DESC LIMIT ${len(params)}"
        )
        return [_alert(r) for r in await self._run(lambda c: c.fetch(sql, *params))]

    async def get_alert(self, workspace_id: int, alert_id: int) -> AlertRecord | None:
        return await self._run(lambda c: _alert_by_id(c, workspace_id, alert_id))

    async def alert_timeline(self, workspace_id: int, alert_id: int) -> list[TimelineEntry]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT t.alert_id, t.at, t.kind, t.detail FROM alert_timeline t "
                "JOIN alerts a ON a.id = t.alert_id "
                "WHERE t.alert_id = $1 AND a.workspace_id = $2 ORDER BY t.id",
                alert_id,
                workspace_id,
            )
        )
        return [TimelineEntry(r[0], r[1], r[2], json_value(r[3])) for r in rows]

    async def set_alert_status(
        self,
        workspace_id: int,
        alert_id: int,
        status: Literal["acknowledged", "resolved"],
        at: datetime,
        user_id: int | None,
    ) -> AlertRecord | None:
        async def fn(conn: Conn) -> AlertRecord | None:
            if status == "acknowledged":
                changed = await conn.fetchval(
                    "UPDATE alerts SET status = 'acknowledged', acknowledged_at = $1, "
                    "acknowledged_by = $2 WHERE id = $3 AND workspace_id = $4 "
                    "AND status = 'firing' RETURNING id",
                    at,
                    user_id,
                    alert_id,
                    workspace_id,
                )
            else:
                changed = await conn.fetchval(
                    "UPDATE alerts SET status = 'resolved', resolved_at = $1 "
                    f"WHERE id = $2 AND workspace_id = $3 AND {_OPEN} RETURNING id",
                    at,
                    alert_id,
                    workspace_id,
                )
            if changed is not None:
                await _timeline(conn, alert_id, at, status, {"user_id": user_id})
            return await _alert_by_id(conn, workspace_id, alert_id)

        return await self._tx(fn)

    async def count_open_alerts(self, workspace_id: int) -> dict[AlertStatus, int]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT status, count(*) FROM alerts WHERE workspace_id = $1 "
                "AND status = ANY($2::text[]) GROUP BY status",
                workspace_id,
                list(OPEN_STATUSES),
            )
        )
        counts: dict[AlertStatus, int] = dict.fromkeys(OPEN_STATUSES, 0)
        for status, count in rows:
            counts[status] = int(count)
        return counts

    # Linked services

    async def get_services(self, workspace_id: int) -> list[dict[str, Any]]:
        value = await self._run(
            lambda c: c.fetchval(
                "SELECT services FROM alert_services WHERE workspace_id = $1", workspace_id
            )
        )
        return [] if value is None else list(json_value(value))

    async def put_services(self, workspace_id: int, services: list[dict[str, Any]]) -> None:
        await self._run(
            lambda c: c.execute(
                "INSERT INTO alert_services (workspace_id, services) VALUES ($1, $2) "
                "ON CONFLICT (workspace_id) DO UPDATE SET services = excluded.services",
                workspace_id,
                jsonb(services),
            )
        )

    # The outbox

    async def claim_notifications(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxItem]:
        rows = await self._run(
            lambda c: c.fetch(
                # SKIP LOCKED: a node claiming at the same moment takes other rows, not these.
                "UPDATE alert_outbox SET next_attempt_at = $1 WHERE id IN (SELECT id "
                "FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= $2 "
                "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
                f"RETURNING {OUTBOX_COLUMNS}",
                now + timedelta(seconds=lease_seconds),
                now,
                limit,
            )
        )
        items = [
            OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5], json_value(r[6]), r[7], r[8])
            for r in rows
        ]
        return sorted(items, key=lambda item: item.id)

    async def finish_notification(
        self, item_id: int, attempt: Attempt, retry_at: datetime | None
    ) -> None:
        async def fn(conn: Conn) -> None:
            row = await conn.fetchrow(
                "SELECT workspace_id, alert_id, rule_id, action_index, kind, status "
                "FROM alert_outbox WHERE id = $1 FOR UPDATE",
                item_id,
            )
            if row is None:
                return  # its rule was deleted meanwhile: nothing is left to record it on
            workspace_id, alert_id, rule_id, action_index, kind, status = row
            if kind == FEED_KIND:
                await _finish_feed_item(conn, item_id, status, attempt, retry_at)
                return
            await conn.execute(
                "INSERT INTO alert_attempts (outbox_id, workspace_id, alert_id, rule_id, "
                "action_index, kind, at, ok, status_code, detail, seconds) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                item_id,
                workspace_id,
                alert_id,
                rule_id,
                action_index,
                kind,
                attempt.at,
                attempt.ok,
                attempt.status_code,
                clean(attempt.detail),
                attempt.seconds,
            )
            if status != "pending":
                return  # finished already (a lease ran out while this attempt went on)
            if attempt.ok:
                await conn.execute("UPDATE alert_outbox SET status = 'sent' WHERE id = $1", item_id)
                await conn.execute(
                    "UPDATE alerts SET last_notified_at = $1 WHERE id = $2", attempt.at, alert_id
                )
            elif retry_at is None:
                await conn.execute(
                    "UPDATE alert_outbox SET status = 'failed', attempts = attempts + 1 "
                    "WHERE id = $1",
                    item_id,
                )
            else:
                await conn.execute(
                    "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $1 "
                    "WHERE id = $2",
                    retry_at,
                    item_id,
                )
            entry, detail = attempt_detail(item_id, kind, action_index, attempt, retry_at)
            await _timeline(conn, alert_id, attempt.at, entry, detail)

        await self._tx(fn)

    async def notification_attempts(
        self, workspace_id: int, rule_id: int | None = None, limit: int = 50
    ) -> list[AttemptRecord]:
        where = "workspace_id = $1" + ("" if rule_id is None else " AND rule_id = $3")
        params: list[Any] = [workspace_id, limit] + ([] if rule_id is None else [rule_id])
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT outbox_id, alert_id, rule_id, action_index, kind, at, ok, "
                f"status_code, detail, seconds FROM alert_attempts WHERE {where} "
                "ORDER BY id DESC LIMIT $2",
                *params,
            )
        )
        return [
            AttemptRecord(r[0], r[1], r[2], r[3], r[4], Attempt(r[5], r[6], r[7], r[8], r[9]))
            for r in rows
        ]

    async def pending_notifications(self, workspace_id: int | None = None) -> int:
        return int(
            await self._run(
                lambda c: c.fetchval(
                    "SELECT count(*) FROM alert_outbox WHERE status = 'pending' "
                    "AND ($1::bigint IS NULL OR workspace_id = $1)",
                    workspace_id,
                )
            )
        )


async def _load_batch(conn: Conn, limit: int, now: datetime) -> tuple[EvaluationBatch, list[int]]:
    """What one evaluation sees (inside its locked transaction), and the queued event ids it
    takes (an event pruned while queued is taken without being seen)."""
    taken = [
        int(r[0])
        for r in await conn.fetch(
            "SELECT event_id FROM alert_queue ORDER BY event_id LIMIT $1", limit
        )
    ]
    columns = len(EVENT_COLUMNS.split(","))
    events = [
        QueuedEvent(event_from_row(r[:columns]), None if r[columns] is None else bytes(r[columns]))
        for r in await conn.fetch(
            f"SELECT {prefixed(EVENT_COLUMNS)}, d.body FROM events e "
            "LEFT JOIN deliveries d ON d.id = e.delivery_id "
            "WHERE e.id = ANY($1::bigint[]) ORDER BY e.id",
            taken,
        )
    ]
    if limit:
        rule_rows = await conn.fetch(
            f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE enabled "
            "AND workspace_id = ANY($1::bigint[]) ORDER BY id",
            sorted({q.event.workspace_id for q in events}),
        )
    else:
        rule_rows = await conn.fetch(
            f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE enabled ORDER BY id"
        )
    rules: dict[int, list[RuleRecord]] = {}
    for row in rule_rows:
        rule = _rule(row)
        rules.setdefault(rule.workspace_id, []).append(rule)
    rule_ids = [r[0] for r in rule_rows]
    states = {
        (r[0], r[1]): json_value(r[2])
        for r in await conn.fetch(
            "SELECT rule_id, group_key, state FROM alert_states WHERE rule_id = ANY($1::bigint[])",
            rule_ids,
        )
    }
    open_alerts = {
        (a.rule_id, a.group): a
        for a in (
            _alert(r)
            for r in await conn.fetch(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE rule_id = ANY($1::bigint[]) AND {_OPEN}",
                rule_ids,
            )
        )
    }
    return EvaluationBatch(now, events, rules, states, open_alerts), taken


async def _store_work(
    conn: Conn, batch: EvaluationBatch, work: EvaluationWork, taken: list[int]
) -> None:
    """Everything one evaluation decided, and the events it took off the queue."""
    read = rule_versions(batch)
    # Rules are changed without the evaluation lock: work for one changed meanwhile goes.
    live = {
        rule_id
        for rule_id, updated in await conn.fetch(
            "SELECT id, updated_at FROM alert_rules WHERE id = ANY($1::bigint[])", list(read)
        )
        if updated == read[rule_id]
    }
    forget = [key for key, state in work.states.items() if state is None]
    keep = [
        (key, state) for key, state in work.states.items() if state is not None and key[0] in live
    ]
    if forget:
        await conn.execute(
            "DELETE FROM alert_states s USING unnest($1::bigint[], $2::text[]) AS f(r, g) "
            "WHERE s.rule_id = f.r AND s.group_key = f.g",
            [k[0] for k in forget],
            [clean(k[1]) for k in forget],
        )
    if keep:
        await conn.execute(
            "INSERT INTO alert_states (rule_id, group_key, state) "
            "SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[]) "
            "ON CONFLICT (rule_id, group_key) DO UPDATE SET state = excluded.state",
            [k[0] for k, _ in keep],
            [clean(k[1]) for k, _ in keep],
            [jsonb(s) for _, s in keep],
        )
    for opened in work.opened:
        if opened.rule_id in live:
            await _open_alert(conn, opened, batch.now)
    for change in work.changed:
        await _change_alert(conn, change, batch.now)
    await conn.execute("DELETE FROM alert_queue WHERE event_id = ANY($1::bigint[])", taken)


async def _open_alert(conn: Conn, opened: OpenAlert, now: datetime) -> None:
    alert_id = await conn.fetchval(
        "INSERT INTO alerts (workspace_id, rule_id, group_key, status, reason, opened_at, "
        "event_ids, event_count, suspects) VALUES ($1, $2, $3, 'firing', $4, $5, $6, $7, $8) "
        "RETURNING id",
        opened.workspace_id,
        opened.rule_id,
        clean(opened.group),
        clean(opened.reason),
        opened.opened_at,
        capped_ids((), opened.event_ids),
        len(opened.event_ids),
        jsonb(opened.suspects),
    )
    await _timeline(
        conn,
        alert_id,
        opened.opened_at,
        "opened",
        {"reason": opened.reason, "count": len(opened.event_ids)},
    )
    await _queue_notifications(
        conn,
        opened.workspace_id,
        alert_id,
        opened.rule_id,
        [*opened.notifications, *opened.feed],
        now,
    )


async def _finish_feed_item(
    conn: Conn, item_id: int, status: str, attempt: Attempt, retry_at: datetime | None
) -> None:
    """A feed item is no notification: done, or due again (see FEED_KIND)."""
    if status != "pending":
        return
    if attempt.ok:
        await conn.execute("UPDATE alert_outbox SET status = 'sent' WHERE id = $1", item_id)
    else:
        await conn.execute(
            "UPDATE alert_outbox SET attempts = attempts + 1, status = $1, next_attempt_at = $2 "
            "WHERE id = $3",
            "failed" if retry_at is None else "pending",
            retry_at or attempt.at,
            item_id,
        )


async def _change_alert(conn: Conn, change: AlertChange, now: datetime) -> None:
    row = await conn.fetchrow(
        f"SELECT workspace_id, rule_id, event_ids, event_count FROM alerts "
        f"WHERE id = $1 AND {_OPEN} FOR UPDATE",
        change.alert_id,
    )
    if row is None:
        return  # resolved (by hand, or its rule deleted) since the evaluation read it
    workspace_id, rule_id, held, count = row
    if change.event_ids:
        count += len(change.event_ids)
        await conn.execute(
            "UPDATE alerts SET event_ids = $1, event_count = $2 WHERE id = $3",
            capped_ids(held, change.event_ids),
            count,
            change.alert_id,
        )
        await _timeline(
            conn,
            change.alert_id,
            change.at,
            "event",
            {"count": count, "added": len(change.event_ids)},
        )
    if change.resolve:
        await conn.execute(
            "UPDATE alerts SET status = 'resolved', resolved_at = $1 WHERE id = $2",
            change.at,
            change.alert_id,
        )
        await _timeline(conn, change.alert_id, change.at, "resolved", {"reason": change.reason})
    await _queue_notifications(
        conn, workspace_id, change.alert_id, rule_id, [*change.notifications, *change.feed], now
    )
