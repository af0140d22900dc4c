"""SQLite: alert rules, the evaluation queue, alerts with their timeline, the outbox."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta
from typing import Any, Literal

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
from echodash.store.rows import EVENT_COLUMNS, dumps, event_from_row, from_micros, to_micros
from echodash.store.sqlite.connection import SqliteConnection
from echodash.store.sqlite.sql import prefixed

# Stored with each event in the same transaction (one statement per event): queued only when
# its workspace has an enabled rule, which the partial index alert_rules_enabled answers.
QUEUE_EVENT = (
    "INSERT INTO alert_queue (event_id, workspace_id) SELECT ?, ? "
    "WHERE EXISTS (SELECT 1 FROM alert_rules WHERE workspace_id = ? AND enabled = 1)"
)

_OPEN = "status IN ('firing', 'acknowledged')"
_IDS = "(SELECT value FROM json_each(?))"  # a list of ids as one JSON parameter


def queue_for_alerts(conn: sqlite3.Connection, event_id: int, workspace_id: int) -> None:
    """Queue a just-stored event for evaluation (inside the transaction that stored it)."""
    conn.execute(QUEUE_EVENT, (event_id, workspace_id, workspace_id))


def queue_restored(conn: sqlite3.Connection, workspace_id: int, after_id: int) -> None:
    """Queue the events a restore just stored (every id above `after_id`: the writer is the
    only one inserting, so they are the restore's)."""
    conn.execute(
        "INSERT INTO alert_queue (event_id, workspace_id) SELECT id, workspace_id FROM events "
        "WHERE id > ? AND EXISTS (SELECT 1 FROM alert_rules WHERE workspace_id = ? "
        "AND enabled = 1)",
        (after_id, workspace_id),
    )


def _rule(row: Any) -> RuleRecord:
    return RuleRecord(
        row[0],
        row[1],
        row[2],
        json_value(row[3]),
        bool(row[4]),
        from_micros(row[5]),
        from_micros(row[6]),
    )


def _alert(row: Any) -> AlertRecord:
    return alert_from_row(row, from_micros)


def _alert_by_id(conn: sqlite3.Connection, workspace_id: int, alert_id: int) -> AlertRecord | None:
    row = conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ? AND workspace_id = ?",
        (alert_id, workspace_id),
    ).fetchone()
    return _alert(row) if row else None


def _timeline(
    conn: sqlite3.Connection, alert_id: int, at: datetime, kind: str, detail: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO alert_timeline (alert_id, at, kind, detail) VALUES (?, ?, ?, ?)",
        (alert_id, to_micros(at), kind, dumps(detail)),
    )


def _queue_notifications(
    conn: sqlite3.Connection,
    workspace_id: int,
    alert_id: int,
    rule_id: int,
    notifications: list[NewNotification],
    now: datetime,
) -> None:
    conn.executemany(
        "INSERT INTO alert_outbox (workspace_id, alert_id, rule_id, action_index, kind, "
        "payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                workspace_id,
                alert_id,
                rule_id,
                n.action_index,
                n.kind,
                dumps(filled(n, alert_id)),
                to_micros(n.due_at),
                to_micros(now),
            )
            for n in notifications
        ],
    )


def _finish_feed_item(
    conn: sqlite3.Connection,
    item_id: int,
    status: str,
    attempt: Attempt,
    retry_at: datetime | None,
) -> None:
    """A feed item is no notification: done, or due again (see FEED_KIND)."""
    if status != "pending":
        return
    if attempt.ok:
        conn.execute("UPDATE alert_outbox SET status = 'sent' WHERE id = ?", (item_id,))
    else:
        conn.execute(
            "UPDATE alert_outbox SET attempts = attempts + 1, status = ?, next_attempt_at = ? "
            "WHERE id = ?",
            (
                "failed" if retry_at is None else "pending",
                to_micros(retry_at or attempt.at),
                item_id,
            ),
        )


class SqliteAlerts(SqliteConnection):
    # One evaluation at a time (one process owns a SQLite database): the state it reads is
    # not changed by another evaluation before its work is written.
    _evaluating: asyncio.Lock

    # Rules

    async def create_rule(
        self, workspace_id: int, name: str, document: dict[str, Any], enabled: bool = True
    ) -> RuleRecord:
        now = to_micros(utcnow())

        def fn(conn: sqlite3.Connection) -> RuleRecord | None:
            # Checked before inserting: a refused INSERT is this job's error, not the group's,
            # but asking first keeps the answer plain.
            if _name_taken(conn, workspace_id, name, None):
                return None
            row = conn.execute(
                "INSERT INTO alert_rules (workspace_id, name, document, enabled, created_at, "
                f"updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {RULE_COLUMNS}",
                (workspace_id, name, dumps(document), int(enabled), now, now),
            ).fetchone()
            return _rule(row)

        rule = await self._write(fn)
        if rule is None:
            raise RuleNameTakenError(name)
        return rule

    async def list_rules(self, workspace_id: int) -> list[RuleRecord]:
        return await self._read(
            lambda c: [
                _rule(r)
                for r in c.execute(
                    f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE workspace_id = ? ORDER BY id",
                    (workspace_id,),
                )
            ]
        )

    async def get_rule(self, workspace_id: int, rule_id: int) -> RuleRecord | None:
        def fn(conn: sqlite3.Connection) -> RuleRecord | None:
            row = conn.execute(
                f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = ? AND workspace_id = ?",
                (rule_id, workspace_id),
            ).fetchone()
            return _rule(row) if row else None

        return await self._read(fn)

    async def update_rule(
        self,
        workspace_id: int,
        rule_id: int,
        name: str,
        document: dict[str, Any],
        enabled: bool,
    ) -> RuleRecord | None:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> RuleRecord | Literal[False] | None:
            if _name_taken(conn, workspace_id, name, rule_id):
                return False
            row = conn.execute(
                "UPDATE alert_rules SET name = ?, document = ?, enabled = ?, "
                # Never the same updated_at twice: an evaluation that read the rule before
                # this change sees that it changed (and drops its work for it).
                "updated_at = max(?, updated_at + 1) WHERE id = ? AND workspace_id = ? "
                f"RETURNING {RULE_COLUMNS}",
                (name, dumps(document), int(enabled), to_micros(now), rule_id, workspace_id),
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM alert_states WHERE rule_id = ?", (rule_id,))
            return _rule(row)

        rule = await self._write(fn)
        if rule is False:
            raise RuleNameTakenError(name)
        return rule

    async def delete_rule(self, workspace_id: int, rule_id: int) -> bool:
        now = utcnow()

        def fn(conn: sqlite3.Connection) -> bool:
            gone = conn.execute(
                "DELETE FROM alert_rules WHERE id = ? AND workspace_id = ?",
                (rule_id, workspace_id),
            ).rowcount
            if not gone:
                return False
            conn.execute("DELETE FROM alert_states WHERE rule_id = ?", (rule_id,))
            conn.execute(
                "DELETE FROM alert_outbox WHERE workspace_id = ? AND rule_id = ? "
                "AND status = 'pending'",
                (workspace_id, rule_id),
            )
            resolved = conn.execute(
                f"UPDATE alerts SET status = 'resolved', resolved_at = ? "
                f"WHERE rule_id = ? AND {_OPEN} RETURNING id",
                (to_micros(now), rule_id),
            ).fetchall()
            for (alert_id,) in resolved:
                _timeline(conn, alert_id, now, "resolved", {"reason": RULE_DELETED})
            return True

        return await self._write(fn)

    # Evaluation

    async def evaluate(self, limit: int, evaluate: Evaluate, *, now: datetime) -> int:
        async with self._evaluating:
            batch, taken = await self._read(lambda c: _load_batch(c, limit, now))
            work = await evaluate(batch)  # raises: nothing written, the events stay queued
            await self._write(lambda c: _store_work(c, batch, work, taken))
            return len(taken)

    async def queued_events(self) -> int:
        return await self._read(
            lambda c: int(c.execute("SELECT count(*) FROM alert_queue").fetchone()[0])
        )

    # Alerts

    async def list_alerts(
        self,
        workspace_id: int,
        status: AlertStatus | None = None,
        rule_id: int | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[AlertRecord]:
        where = ["workspace_id = ?"]
        params: list[Any] = [workspace_id]
        for condition, value in (("status = ?", status), ("rule_id = ?", rule_id)):
            if value is not None:
                where.append(condition)
                params.append(value)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        params.append(limit)
        sql = (
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {' AND '.join(where)} "
            "ORDER BY id DESC LIMIT ?"
        )
        return await self._read(lambda c: [_alert(r) for r in c.execute(sql, params)])

    async def get_alert(self, workspace_id: int, alert_id: int) -> AlertRecord | None:
        return await self._read(lambda c: _alert_by_id(c, workspace_id, alert_id))

    async def alert_timeline(self, workspace_id: int, alert_id: int) -> list[TimelineEntry]:
        return await self._read(
            lambda c: [
                TimelineEntry(r[0], from_micros(r[1]), r[2], json_value(r[3]))
                for r in c.execute(
                    "SELECT t.alert_id, t.at, t.kind, t.detail FROM alert_timeline t "
                    "JOIN alerts a ON a.id = t.alert_id "
                    "WHERE t.alert_id = ? AND a.workspace_id = ? ORDER BY t.id",
                    (alert_id, workspace_id),
                )
            ]
        )

    async def set_alert_status(
        self,
        workspace_id: int,
        alert_id: int,
        status: Literal["acknowledged", "resolved"],
        at: datetime,
        user_id: int | None,
    ) -> AlertRecord | None:
        def fn(conn: sqlite3.Connection) -> AlertRecord | None:
            if status == "acknowledged":
                changed = conn.execute(
                    "UPDATE alerts SET status = 'acknowledged', acknowledged_at = ?, "
                    "acknowledged_by = ? WHERE id = ? AND workspace_id = ? AND status = 'firing'",
                    (to_micros(at), user_id, alert_id, workspace_id),
                ).rowcount
            else:
                changed = conn.execute(
                    f"UPDATE alerts SET status = 'resolved', resolved_at = ? "
                    f"WHERE id = ? AND workspace_id = ? AND {_OPEN}",
                    (to_micros(at), alert_id, workspace_id),
                ).rowcount
            if changed:
                _timeline(conn, alert_id, at, status, {"user_id": user_id})
            return _alert_by_id(conn, workspace_id, alert_id)

        return await self._write(fn)

    async def count_open_alerts(self, workspace_id: int) -> dict[AlertStatus, int]:
        def fn(conn: sqlite3.Connection) -> dict[AlertStatus, int]:
            counts: dict[AlertStatus, int] = dict.fromkeys(OPEN_STATUSES, 0)
            for status, count in conn.execute(
                f"SELECT status, count(*) FROM alerts WHERE workspace_id = ? AND {_OPEN} "
                "GROUP BY status",
                (workspace_id,),
            ):
                counts[status] = int(count)
            return counts

        return await self._read(fn)

    # Linked services

    async def get_services(self, workspace_id: int) -> list[dict[str, Any]]:
        def fn(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            row = conn.execute(
                "SELECT services FROM alert_services WHERE workspace_id = ?", (workspace_id,)
            ).fetchone()
            return [] if row is None else list(json_value(row[0]))

        return await self._read(fn)

    async def put_services(self, workspace_id: int, services: list[dict[str, Any]]) -> None:
        await self._write(
            lambda c: c.execute(
                "INSERT INTO alert_services (workspace_id, services) VALUES (?, ?) "
                "ON CONFLICT (workspace_id) DO UPDATE SET services = excluded.services",
                (workspace_id, dumps(services)),
            )
        )

    # The outbox

    async def claim_notifications(
        self, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxItem]:
        until = to_micros(now + timedelta(seconds=lease_seconds))

        def fn(conn: sqlite3.Connection) -> list[OutboxItem]:
            rows = conn.execute(
                "UPDATE alert_outbox SET next_attempt_at = ? WHERE id IN (SELECT id "
                "FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                f"ORDER BY next_attempt_at, id LIMIT ?) RETURNING {OUTBOX_COLUMNS}",
                (until, to_micros(now), limit),
            ).fetchall()
            items = [
                OutboxItem(
                    r[0], r[1], r[2], r[3], r[4], r[5], json_value(r[6]), r[7], from_micros(r[8])
                )
                for r in rows
            ]
            return sorted(items, key=lambda item: item.id)

        return await self._write(fn)

    async def finish_notification(
        self, item_id: int, attempt: Attempt, retry_at: datetime | None
    ) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT workspace_id, alert_id, rule_id, action_index, kind, status "
                "FROM alert_outbox WHERE id = ?",
                (item_id,),
            ).fetchone()
            if row is None:
                return  # its rule was deleted meanwhile: nothing is left to record it on
            workspace_id, alert_id, rule_id, action_index, kind, status = row
            if kind == FEED_KIND:
                _finish_feed_item(conn, item_id, status, attempt, retry_at)
                return
            conn.execute(
                "INSERT INTO alert_attempts (outbox_id, workspace_id, alert_id, rule_id, "
                "action_index, kind, at, ok, status_code, detail, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id,
                    workspace_id,
                    alert_id,
                    rule_id,
                    action_index,
                    kind,
                    to_micros(attempt.at),
                    int(attempt.ok),
                    attempt.status_code,
                    attempt.detail,
                    attempt.seconds,
                ),
            )
            if status != "pending":
                return  # finished already (a lease ran out while this attempt went on)
            if attempt.ok:
                conn.execute("UPDATE alert_outbox SET status = 'sent' WHERE id = ?", (item_id,))
                conn.execute(
                    "UPDATE alerts SET last_notified_at = ? WHERE id = ?",
                    (to_micros(attempt.at), alert_id),
                )
            elif retry_at is None:
                conn.execute(
                    "UPDATE alert_outbox SET status = 'failed', attempts = attempts + 1 "
                    "WHERE id = ?",
                    (item_id,),
                )
            else:
                conn.execute(
                    "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ? "
                    "WHERE id = ?",
                    (to_micros(retry_at), item_id),
                )
            entry, detail = attempt_detail(item_id, kind, action_index, attempt, retry_at)
            _timeline(conn, alert_id, attempt.at, entry, detail)

        await self._write(fn)

    async def notification_attempts(
        self, workspace_id: int, rule_id: int | None = None, limit: int = 50
    ) -> list[AttemptRecord]:
        where = "workspace_id = ?" + ("" if rule_id is None else " AND rule_id = ?")
        params: list[Any] = [workspace_id] + ([] if rule_id is None else [rule_id]) + [limit]
        return await self._read(
            lambda c: [
                AttemptRecord(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    Attempt(from_micros(r[5]), bool(r[6]), r[7], r[8], r[9]),
                )
                for r in c.execute(
                    "SELECT outbox_id, alert_id, rule_id, action_index, kind, at, ok, "
                    f"status_code, detail, seconds FROM alert_attempts WHERE {where} "
                    "ORDER BY id DESC LIMIT ?",
                    params,
                )
            ]
        )

    async def pending_notifications(self, workspace_id: int | None = None) -> int:
        where = "status = 'pending'" + ("" if workspace_id is None else " AND workspace_id = ?")
        params = () if workspace_id is None else (workspace_id,)
        return await self._read(
            lambda c: int(
                c.execute(f"SELECT count(*) FROM alert_outbox WHERE {where}", params).fetchone()[0]
            )
        )


def _name_taken(
    conn: sqlite3.Connection, workspace_id: int, name: str, rule_id: int | None
) -> bool:
    row = conn.execute(
        "SELECT id FROM alert_rules WHERE workspace_id = ? AND name = ?", (workspace_id, name)
    ).fetchone()
    return row is not None and row[0] != rule_id


def _load_batch(
    conn: sqlite3.Connection, limit: int, now: datetime
) -> tuple[EvaluationBatch, list[int]]:
    """What one evaluation sees, read in one snapshot; and the queued event ids it takes
    (an event pruned while queued is taken without being seen)."""
    conn.execute("BEGIN")
    try:
        taken = [
            int(r[0])
            for r in conn.execute(
                "SELECT event_id FROM alert_queue ORDER BY event_id LIMIT ?", (limit,)
            )
        ]
        columns = len(EVENT_COLUMNS.split(","))
        events = [
            QueuedEvent(
                event_from_row(r[:columns]), None if r[columns] is None else bytes(r[columns])
            )
            for r in conn.execute(
                f"SELECT {prefixed(EVENT_COLUMNS)}, d.body FROM events e "
                "LEFT JOIN deliveries d ON d.id = e.delivery_id "
                f"WHERE e.id IN {_IDS} ORDER BY e.id",
                (dumps(taken),),
            )
        ]
        if limit:
            workspaces = sorted({q.event.workspace_id for q in events})
            rule_rows = conn.execute(
                f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE enabled = 1 "
                f"AND workspace_id IN {_IDS} ORDER BY id",
                (dumps(workspaces),),
            ).fetchall()
        else:
            rule_rows = conn.execute(
                f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE enabled = 1 ORDER BY id"
            ).fetchall()
        rules: dict[int, list[RuleRecord]] = {}
        for row in rule_rows:
            rule = _rule(row)
            rules.setdefault(rule.workspace_id, []).append(rule)
        rule_ids = dumps([r[0] for r in rule_rows])
        states = {
            (r[0], r[1]): json_value(r[2])
            for r in conn.execute(
                f"SELECT rule_id, group_key, state FROM alert_states WHERE rule_id IN {_IDS}",
                (rule_ids,),
            )
        }
        open_alerts = {
            (a.rule_id, a.group): a
            for a in (
                _alert(r)
                for r in conn.execute(
                    f"SELECT {ALERT_COLUMNS} FROM alerts WHERE rule_id IN {_IDS} AND {_OPEN}",
                    (rule_ids,),
                )
            )
        }
    finally:
        conn.execute("COMMIT")
    return EvaluationBatch(now, events, rules, states, open_alerts), taken


def _store_work(
    conn: sqlite3.Connection, batch: EvaluationBatch, work: EvaluationWork, taken: list[int]
) -> None:
    """Everything one evaluation decided, and the events it took off the queue."""
    read = rule_versions(batch)
    live = {
        rule_id
        for rule_id, updated in conn.execute(
            f"SELECT id, updated_at FROM alert_rules WHERE id IN {_IDS}", (dumps(list(read)),)
        )
        if updated == to_micros(read[rule_id])
    }
    for (rule_id, group), state in work.states.items():
        if state is None:
            conn.execute(
                "DELETE FROM alert_states WHERE rule_id = ? AND group_key = ?", (rule_id, group)
            )
        elif rule_id in live:
            conn.execute(
                "INSERT INTO alert_states (rule_id, group_key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (rule_id, group_key) DO UPDATE SET state = excluded.state",
                (rule_id, group, dumps(state)),
            )
    for opened in work.opened:
        if opened.rule_id in live:
            _open_alert(conn, opened, batch.now)
    for change in work.changed:
        _change_alert(conn, change, batch.now)
    conn.execute(f"DELETE FROM alert_queue WHERE event_id IN {_IDS}", (dumps(taken),))


def _open_alert(conn: sqlite3.Connection, opened: OpenAlert, now: datetime) -> None:
    ids = capped_ids((), opened.event_ids)
    (alert_id,) = conn.execute(
        "INSERT INTO alerts (workspace_id, rule_id, group_key, status, reason, opened_at, "
        "event_ids, event_count, suspects) VALUES (?, ?, ?, 'firing', ?, ?, ?, ?, ?) RETURNING id",
        (
            opened.workspace_id,
            opened.rule_id,
            opened.group,
            opened.reason,
            to_micros(opened.opened_at),
            dumps(ids),
            len(opened.event_ids),
            dumps(opened.suspects),
        ),
    ).fetchone()
    _timeline(
        conn,
        alert_id,
        opened.opened_at,
        "opened",
        {"reason": opened.reason, "count": len(opened.event_ids)},
    )
    _queue_notifications(
        conn,
        opened.workspace_id,
        alert_id,
        opened.rule_id,
        [*opened.notifications, *opened.feed],
        now,
    )


def _change_alert(conn: sqlite3.Connection, change: AlertChange, now: datetime) -> None:
    row = conn.execute(
        f"SELECT workspace_id, rule_id, event_ids, event_count FROM alerts "
        f"WHERE id = ? AND {_OPEN}",
        (change.alert_id,),
    ).fetchone()
    if row is None:
        return  # resolved (by hand, or its rule deleted) since the evaluation read it
    workspace_id, rule_id, held, count = row
    if change.event_ids:
        count += len(change.event_ids)
        conn.execute(
            "UPDATE alerts SET event_ids = ?, event_count = ? WHERE id = ?",
            (dumps(capped_ids(json_value(held), change.event_ids)), count, change.alert_id),
        )
        _timeline(
            conn,
            change.alert_id,
            change.at,
            "event",
            {"count": count, "added": len(change.event_ids)},
        )
    if change.resolve:
        conn.execute(
            "UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ?",
            (to_micros(change.at), change.alert_id),
        )
        _timeline(conn, change.alert_id, change.at, "resolved", {"reason": change.reason})
    _queue_notifications(
        conn, workspace_id, change.alert_id, rule_id, [*change.notifications, *change.feed], now
    )
