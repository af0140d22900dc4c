"""The function the store's `evaluate()` runs: queued events (or the time alone) in, the
alerts to open, join and resolve, with their notifications, out.

Everything here works on the batch the store hands over; the only reads it makes (through
`Reads`) are for suspect changes and linked services when an alert opens, and for the
suspects' events that notifications show. Compiled rules and each workspace's rule index are
kept between batches, keyed by the rules' `updated_at`, so a steady stream of events costs a
lookup per batch, not a parse per event; a delivery's body is parsed only for a rule whose
`where` asks, and once.

State is the engine's `GroupState` JSON plus a few keys of this module's own (`EXTRA`): a
resolve that could not be written yet (the alert opened in the same batch had no id), when
the last repeat was queued, and a count rule's events building up to its threshold.

Muting and maintenance windows silence notifications, not evaluation: the alert still opens,
and its reason says that nobody was notified. Each opened and resolved alert also queues its
record in the feed (a `feed` item: see feed_items.py), muted or not: the feed is a record of
what happened, not a notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson

from echodash.alerts import engine, suspects
from echodash.alerts.engine import Decision, GroupState
from echodash.alerts.index import RuleIndex
from echodash.alerts.matching import ALERTS_SOURCE
from echodash.alerts.notices import (
    Kind,
    alert_json,
    payload,
    rule_json,
    suspect_ids,
    with_suspect_events,
)
from echodash.alerts.rules import Absence, Count, Every, Rule, RuleError, parse_rule
from echodash.alerts.windows import Window, WindowError, parse_window, quiet
from echodash.events import Event, iso
from echodash.sources.kit.payload import dig
from echodash.store.base.alerts import (
    FEED_ACTION,
    FEED_KIND,
    MAX_ALERT_EVENTS,
    AlertChange,
    AlertRecord,
    EvaluationBatch,
    EvaluationWork,
    NewNotification,
    OpenAlert,
    QueuedEvent,
    RuleRecord,
)

log = logging.getLogger("echodash.alerts")

# This module's keys in a state's JSON (the engine ignores keys it does not know).
EXTRA = "hub"
# Rules may carry maintenance windows under this key (parse_rule does not know it, so it is
# read and removed here before the rule is parsed).
MAINTENANCE = "maintenance"
# Count rules: the ids of matching events that build up to the threshold (see _with_build_up).
BUILD_UP = "build_up"


class Reads(Protocol):
    """What evaluation reads besides its batch (the store's feed, in production)."""

    async def changes(self, workspace_id: int, since: datetime, until: datetime) -> list[Event]:
        """Change events (deployment, release, config, change) that occurred in [since, until]."""

    async def services(self, workspace_id: int) -> list[dict[str, Any]]:
        """The workspace's linked services: [{"name", "members": [...]}]."""

    async def events(self, ids: list[int]) -> list[Event]:
        """Events by id, of any workspace (the suspects named in notifications)."""


class NoReads:
    """No suspects and no linked services (tests of the rest, and a store that cannot say)."""

    async def changes(self, workspace_id: int, since: datetime, until: datetime) -> list[Event]:
        return []

    async def services(self, workspace_id: int) -> list[dict[str, Any]]:
        return []

    async def events(self, ids: list[int]) -> list[Event]:
        return []


@dataclass(frozen=True, slots=True)
class Compiled:
    id: int
    workspace_id: int
    rule: Rule
    windows: tuple[Window, ...]
    json: dict[str, Any]  # for payloads, secrets masked


@dataclass
class _Opening:
    """An alert opened in this batch: it has no id yet, so joins add to it directly."""

    compiled: Compiled
    group: str
    at: datetime
    reason: str
    event_ids: list[int]
    notify: bool
    silenced: str  # why nobody is told, when nobody is


@dataclass
class _Pass:
    """The working set of one batch."""

    batch: EvaluationBatch
    states: dict[tuple[int, str], GroupState] = field(default_factory=dict)
    extras: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    openings: dict[tuple[int, str], _Opening] = field(default_factory=dict)
    # joins of alerts opened before this batch: alert id → (last moment, event ids)
    joins: dict[int, tuple[datetime, list[int]]] = field(default_factory=dict)
    changes: list[AlertChange] = field(default_factory=list)
    resolved: set[int] = field(default_factory=set)  # alert ids resolved in this batch
    repeated: set[int] = field(default_factory=set)
    # count rules: the events building up to the threshold, kept as the state's BUILD_UP
    build_up: dict[tuple[int, str], list[tuple[datetime, int]]] = field(default_factory=dict)


class Evaluator:
    """Callable as the store's `Evaluate`; keeps compiled rules between batches."""

    def __init__(self, reads: Reads | None = None) -> None:
        self._reads: Reads = reads or NoReads()
        self._compiled: dict[int, tuple[datetime, Compiled | None]] = {}
        self._indexes: dict[int, tuple[tuple[tuple[int, datetime], ...], RuleIndex[int]]] = {}
        self._broken: set[tuple[int, datetime]] = set()

    async def __call__(self, batch: EvaluationBatch) -> EvaluationWork:
        run = _Pass(batch)
        rules = {ws: self._compile_all(records) for ws, records in batch.rules.items()}
        by_id = {c.id: c for compiled in rules.values() for c in compiled}
        self._forget_gone(by_id)
        for key, saved in batch.states.items():
            # A resolve left by the last pass is written now, whether or not events come.
            if key[0] in by_id and "resolve" in (saved.get(EXTRA) or {}):
                self._state(run, by_id[key[0]], key[1])
        if batch.events:
            # Each workspace's index and rules by id, looked up once per batch, not per event.
            filed = {
                ws: (self._index(ws, compiled), {c.id: c for c in compiled})
                for ws, compiled in rules.items()
                if compiled
            }
            for queued in batch.events:
                self._observe(run, filed, queued)
        else:
            self._tick(run, by_id)
        return await self._work(run, by_id)

    # -- rules -------------------------------------------------------------------------------

    def _compile_all(self, records: Sequence[RuleRecord]) -> list[Compiled]:
        found = []
        for record in records:
            cached = self._compiled.get(record.id)
            if cached is None or cached[0] != record.updated_at:
                cached = (record.updated_at, _compile(record))
                self._compiled[record.id] = cached
            if cached[1] is not None:
                found.append(cached[1])
        return found

    def _index(self, workspace_id: int, compiled: list[Compiled]) -> RuleIndex[int]:
        signature = tuple((c.id, self._compiled[c.id][0]) for c in compiled)
        held = self._indexes.get(workspace_id)
        if held is None or held[0] != signature:
            held = (signature, RuleIndex((c.id, c.rule) for c in compiled))
            self._indexes[workspace_id] = held
        return held[1]

    def _forget_gone(self, live: dict[int, Compiled]) -> None:
        # Only rules the store handed over are known to exist; a batch hands over every
        # enabled rule of the workspaces it covers, so others are forgotten when many pile up.
        if len(self._compiled) > 4 * max(len(live), 256):
            self._compiled = {k: v for k, v in self._compiled.items() if k in live}

    # -- state -------------------------------------------------------------------------------

    def _state(self, run: _Pass, compiled: Compiled, group: str) -> GroupState:
        key = (compiled.id, group)
        state = run.states.get(key)
        if state is not None:
            return state
        saved = run.batch.states.get(key)
        state = GroupState.from_json(saved) if saved else GroupState()
        extra = dict(saved.get(EXTRA) or {}) if saved else {}
        run.states[key] = state
        run.extras[key] = extra
        alert = run.batch.open_alerts.get(key)
        if alert is None:
            # Nothing open: a resolve kept for it or a repeat time has no alert to act on.
            extra.pop("resolve", None)
            extra.pop("repeat_at", None)
            if state.open_since is not None:
                # Resolved by hand since: the next match opens a new alert.
                state.open_since = state.clears_at = None
        elif state.open_since is None:
            pending = extra.pop("resolve", None)
            if pending is not None:
                # Opened and cleared within one batch: the resolve is written now that the
                # alert has an id.
                at = datetime.fromisoformat(pending["at"])
                self._resolve(run, compiled, alert, at, str(pending.get("reason", "")))
            else:
                # An alert the state does not know (the rule was edited, its state forgotten):
                # adopt it so it resolves by the rule's own terms instead of staying open.
                state.open_since = alert.opened_at
                if not isinstance(compiled.rule.condition, Absence):
                    state.clears_at = run.batch.now
        return state

    # -- events ------------------------------------------------------------------------------

    def _observe(
        self,
        run: _Pass,
        filed: dict[int, tuple[RuleIndex[int], dict[int, Compiled]]],
        queued: QueuedEvent,
    ) -> None:
        event = queued.event
        if not engine.counts_as_news(event):
            return
        found = filed.get(event.workspace_id)
        if found is None:
            return
        index, by_id = found
        body = _lazy_body(queued.body)
        if event.source == ALERTS_SOURCE and _about_alerts(body):
            # The record of an alert about alerts is news to no rule: rules on source
            # `alerts` would otherwise open, resolve and open again on each other's records.
            return
        for rule_id, _ in index.matching(event, body):
            rule = by_id[rule_id]
            try:
                self._observe_one(run, rule, event)
            except Exception:
                self._failed(rule, f"event {event.id}")

    def _observe_one(self, run: _Pass, rule: Compiled, event: Event) -> None:
        group = engine.group_of(rule.rule, event)
        state = self._state(run, rule, group)
        decisions = engine.observe(rule.rule, state, event, group)
        if isinstance(rule.rule.condition, Count):
            key = (rule.id, group)
            held = run.build_up.get(key)
            if held is None:
                held = run.build_up[key] = _held(run.extras[key])
            decisions = _with_build_up(rule.rule.condition, held, event, decisions)
        for decision in decisions:
            self._decide(run, rule, decision)

    def _failed(self, rule: Compiled, what: str) -> None:
        """One rule's failure costs that rule the event, not the batch: a batch that raised
        would stay queued and stop every other rule. Logged once per rule version."""
        version = (rule.id, self._compiled[rule.id][0])
        if version not in self._broken:
            self._broken.add(version)
            log.exception(
                "alert rule %s failed on %s; it skips what it cannot evaluate", rule.id, what
            )

    # -- time --------------------------------------------------------------------------------

    def _tick(self, run: _Pass, by_id: dict[int, Compiled]) -> None:
        now = run.batch.now
        groups: dict[int, set[str]] = {rule_id: set() for rule_id in by_id}
        for rule_id, group in [*run.batch.states, *run.batch.open_alerts]:
            if rule_id in groups:
                groups[rule_id].add(group)
        for rule_id, known in groups.items():
            compiled = by_id[rule_id]
            rule = compiled.rule
            if not known and isinstance(rule.condition, Absence) and rule.group_by is None:
                known.add(engine.NO_GROUP)  # start watching: nothing came yet
            for group in sorted(known):
                try:
                    state = self._state(run, compiled, group)
                    for decision in engine.tick(compiled.rule, state, now, group):
                        self._decide(run, compiled, decision)
                    self._repeat_open(run, compiled, group, now)
                except Exception:
                    self._failed(compiled, "a time-based pass")

    # -- decisions ---------------------------------------------------------------------------

    def _decide(self, run: _Pass, compiled: Compiled, decision: Decision) -> None:
        key = (compiled.id, decision.group)
        opening = run.openings.get(key)
        alert = run.batch.open_alerts.get(key)
        if alert is not None and alert.id in run.resolved:
            alert = None
        if decision.kind == "open":
            if opening is not None and run.extras[key].pop("resolve", None) is not None:
                # Cleared and holding again within one batch: still the same incident.
                opening.event_ids += decision.event_ids
            elif alert is not None:
                self._join(run, compiled, alert, decision)
            elif opening is None:
                run.openings[key] = self._open(run, compiled, decision)
        elif decision.kind == "join":
            if opening is not None:
                opening.event_ids += decision.event_ids
            elif alert is not None:
                self._join(run, compiled, alert, decision)
        elif decision.kind == "resolve":
            if opening is not None:
                # No id to resolve yet: kept in the state and written by the next pass.
                run.extras[key]["resolve"] = {"at": iso(decision.at), "reason": decision.reason}
            elif alert is not None:
                self._resolve(run, compiled, alert, decision.at, decision.reason)

    def _open(self, run: _Pass, compiled: Compiled, decision: Decision) -> _Opening:
        silenced = _silenced(compiled, run.batch.now)
        return _Opening(
            compiled,
            decision.group,
            decision.at,
            decision.reason,
            list(decision.event_ids),
            notify=not silenced,
            silenced=silenced,
        )

    def _join(self, run: _Pass, compiled: Compiled, alert: AlertRecord, decision: Decision) -> None:
        last, ids = run.joins.get(alert.id, (decision.at, []))
        ids += decision.event_ids
        run.joins[alert.id] = (max(last, decision.at), ids)
        self._repeat(run, compiled, alert, decision.at)

    def _repeat_open(self, run: _Pass, compiled: Compiled, group: str, now: datetime) -> None:
        alert = run.batch.open_alerts.get((compiled.id, group))
        if alert is not None and alert.id not in run.resolved:
            self._repeat(run, compiled, alert, now)

    def _repeat(self, run: _Pass, compiled: Compiled, alert: AlertRecord, at: datetime) -> None:
        """Tell again while the alert stays open, every `repeat_seconds`."""
        every = compiled.rule.repeat_seconds
        if every is None or alert.id in run.repeated or alert.status != "firing":
            return
        key = (alert.rule_id, alert.group)
        extra = run.extras.setdefault(key, {})
        queued = _time(extra.get("repeat_at"))
        # The last notification sent, or the last repeat queued (one still being retried
        # must not be queued again on every pass).
        last = max(t for t in (alert.last_notified_at, alert.opened_at, queued) if t is not None)
        now = run.batch.now
        if now - last < timedelta(seconds=every) or _silenced(compiled, now):
            return
        run.repeated.add(alert.id)
        extra["repeat_at"] = iso(now)
        body = _record_json(compiled, alert, alert.status, None)
        notes = _notifications(compiled, "alert.firing", body, now)
        run.changes.append(AlertChange(alert.id, at, reason="repeat", notifications=notes))

    def _resolve(
        self, run: _Pass, compiled: Compiled, alert: AlertRecord, at: datetime, reason: str
    ) -> None:
        run.resolved.add(alert.id)
        run.extras.setdefault((alert.rule_id, alert.group), {}).pop("repeat_at", None)
        self._flush_join(run, alert.id)
        now = run.batch.now
        body = _record_json(compiled, alert, "resolved", at)
        notes = (
            []
            if _silenced(compiled, now)
            else _notifications(compiled, "alert.resolved", body, now)
        )
        feed = [_feed_item("alert.resolved", body, compiled, now)]
        run.changes.append(
            AlertChange(alert.id, at, resolve=True, reason=reason, notifications=notes, feed=feed)
        )

    def _flush_join(self, run: _Pass, alert_id: int) -> None:
        joined = run.joins.pop(alert_id, None)
        if joined is not None:
            run.changes.append(AlertChange(alert_id, joined[0], event_ids=tuple(joined[1])))

    # -- the work ----------------------------------------------------------------------------

    async def _work(self, run: _Pass, by_id: dict[int, Compiled]) -> EvaluationWork:
        work = EvaluationWork()
        for alert_id in list(run.joins):
            self._flush_join(run, alert_id)
        work.changed = run.changes
        services: dict[int, list[dict[str, Any]]] = {}
        events = {q.event.id: q.event for q in run.batch.events}
        for opening in run.openings.values():
            work.opened.append(await self._opened(opening, run.batch.now, events, services))
        await self._show_suspects(work, events, by_id)
        for key, held in run.build_up.items():
            if held:
                run.extras[key][BUILD_UP] = [[iso(moment), event_id] for moment, event_id in held]
            else:
                run.extras[key].pop(BUILD_UP, None)
        for key, state in run.states.items():
            compiled = by_id.get(key[0])
            if compiled is not None and _idle(compiled.rule, state, run.extras[key], run):
                if key in run.batch.states:
                    work.states[key] = None
                continue
            saved = state.to_json()
            if run.extras[key]:
                saved[EXTRA] = run.extras[key]
            if saved != run.batch.states.get(key):  # a pass over many quiet groups writes few
                work.states[key] = saved
        return work

    async def _show_suspects(
        self, work: EvaluationWork, events: dict[int, Event], by_id: dict[int, Compiled]
    ) -> None:
        """Notifications show suspects as the alerts API does: with their events."""
        notes = [n for o in work.opened for n in (*o.notifications, *o.feed)]
        notes += [n for c in work.changed for n in (*c.notifications, *c.feed)]
        # The actions of one alert share its JSON: each is expanded once.
        alerts = list({id(n.payload["alert"]): n.payload["alert"] for n in notes}.values())
        wanted = {i for alert in alerts for i in suspect_ids(alert)} - set(events)
        if wanted:
            events.update({e.id: e for e in await self._reads.events(sorted(wanted))})
        for alert in alerts:
            rule = by_id.get(alert["rule_id"])
            workspace = rule.workspace_id if rule is not None else None
            with_suspect_events(
                alert, {i: e for i, e in events.items() if e.workspace_id == workspace}
            )

    async def _opened(
        self,
        opening: _Opening,
        now: datetime,
        events: dict[int, Event],
        services: dict[int, list[dict[str, Any]]],
    ) -> OpenAlert:
        compiled = opening.compiled
        found = await self._suspects(opening, events, services)
        reason = opening.reason + (f" ({opening.silenced})" if opening.silenced else "")
        body = alert_json(
            alert_id=None,
            rule_id=compiled.id,
            rule_name=compiled.rule.name,
            group=opening.group,
            status="firing",
            reason=reason,
            opened_at=opening.at,
            event_ids=tuple(opening.event_ids),
            event_count=len(opening.event_ids),
            suspects=found,
        )
        notes = _notifications(compiled, "alert.firing", body, now) if opening.notify else []
        return OpenAlert(
            workspace_id=compiled.workspace_id,
            rule_id=compiled.id,
            group=opening.group,
            opened_at=opening.at,
            reason=reason,
            event_ids=tuple(opening.event_ids),
            suspects=found,
            notifications=notes,
            feed=[_feed_item("alert.firing", body, compiled, now)],
        )

    async def _suspects(
        self,
        opening: _Opening,
        events: dict[int, Event],
        services: dict[int, list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        compiled = opening.compiled
        window = compiled.rule.suspect_window_seconds
        if window <= 0:
            return []
        workspace = compiled.workspace_id
        if workspace not in services:
            services[workspace] = await self._reads.services(workspace)
        own = [events[i] for i in opening.event_ids if i in events]
        context = suspects.context_of(own, opening.at)
        if not own and compiled.rule.group_by == "service" and opening.group:
            # An absence has no events of its own: its group still names the service.
            context = replace(context, services=frozenset({opening.group}))
        since = opening.at - timedelta(seconds=window)
        taken = set(opening.event_ids)
        candidates = [
            e for e in await self._reads.changes(workspace, since, opening.at) if e.id not in taken
        ]
        groups = [list(s.get("members") or []) for s in services[workspace]]
        ranked = suspects.rank(context, candidates, groups, window)
        events.update((s.event.id, s.event) for s in ranked)  # shown in the notifications
        return [{"event_id": s.event.id, "reason": s.reason, "score": s.score} for s in ranked]


def _record_json(
    compiled: Compiled, alert: AlertRecord, status: str, resolved_at: datetime | None
) -> dict[str, Any]:
    return alert_json(
        alert_id=alert.id,
        rule_id=alert.rule_id,
        rule_name=compiled.rule.name,
        group=alert.group,
        status=status,
        reason=alert.reason,
        opened_at=alert.opened_at,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=resolved_at,
        event_ids=alert.event_ids,
        event_count=alert.event_count,
        suspects=[dict(s) for s in alert.suspects],
    )


def rule_of(document: dict[str, Any]) -> tuple[Rule, tuple[Window, ...]]:
    """A stored rule and its maintenance windows; RuleError or WindowError."""
    document = dict(document)
    windows = tuple(parse_window(item) for item in document.pop(MAINTENANCE, None) or [])
    return parse_rule(document), windows


def _compile(record: RuleRecord) -> Compiled | None:
    try:
        rule, windows = rule_of(record.document)
    except (RuleError, WindowError) as error:
        # Saved rules were checked when saved; one that no longer parses is skipped, not fatal.
        log.warning("alert rule %s cannot be evaluated: %s", record.id, error)
        return None
    return Compiled(
        record.id, record.workspace_id, rule, tuple(windows), rule_json(record.id, rule)
    )


def _lazy_body(raw: bytes | None) -> Callable[[], Any]:
    """The delivery's JSON, parsed on the first `where` condition that asks, once."""
    parsed: list[Any] = []

    def body() -> Any:
        if not parsed:
            try:
                parsed.append(orjson.loads(raw) if raw else None)
            except orjson.JSONDecodeError:
                parsed.append(None)
        return parsed[0]

    return body


def _about_alerts(body: Callable[[], Any]) -> bool:
    """Whether an `alerts` event records an alert of a rule that looks at alert events."""
    document = body()
    return bool(dig(document, "rule.match.source") == ALERTS_SOURCE)


def _silenced(compiled: Compiled, now: datetime) -> str:
    """Why notifications are held at `now` ("" when they are not)."""
    rule = compiled.rule
    if not quiet(list(compiled.windows), rule.muted_until, now):
        return ""
    if rule.muted_until is not None and now < rule.muted_until:
        return f"muted until {iso(rule.muted_until)}: nobody notified"
    return "in a maintenance window: nobody notified"


def _notifications(
    compiled: Compiled, kind: Kind, alert: dict[str, Any], due: datetime
) -> list[NewNotification]:
    return [
        NewNotification(index, action.kind, payload(kind, alert, compiled.json), due)
        for index, action in enumerate(compiled.rule.actions)
    ]


def _feed_item(
    kind: Kind, alert: dict[str, Any], compiled: Compiled, due: datetime
) -> NewNotification:
    """The alert's record in the feed: the notifications' payload, queued whatever the rule's
    actions, muting and maintenance windows."""
    return NewNotification(FEED_ACTION, FEED_KIND, payload(kind, alert, compiled.json), due)


def _idle(rule: Rule, state: GroupState, extra: dict[str, Any], run: _Pass) -> bool:
    """Whether a state holds nothing worth keeping: the groups of a grouped rule would
    otherwise pile up one row per service ever seen."""
    if state.open_since is not None or set(extra) - {BUILD_UP}:
        return False
    condition = rule.condition
    if isinstance(condition, Every):
        return True
    if isinstance(condition, Count) and not run.batch.events:
        # Only on a time-based pass: events are counted in their own time, and a backlog's
        # next batch may still fall inside this one's window.
        edge = run.batch.now - timedelta(seconds=condition.window_seconds)
        return all(t <= edge for t in state.recent)
    return False  # absence and anomaly states are their memory


def _with_build_up(
    condition: Count, held: list[tuple[datetime, int]], event: Event, decisions: list[Decision]
) -> list[Decision]:
    """A count alert lists the events that reached the threshold, not only the last one: the
    ids of the events still in the window (`held`, updated in place) are kept with the state
    until it opens."""
    edge = event.occurred_at - timedelta(seconds=condition.window_seconds)
    while held and held[0][0] <= edge:
        del held[0]
    if any(d.kind == "open" for d in decisions):
        before = tuple(event_id for _, event_id in held)
        held.clear()
        return [
            replace(d, event_ids=before + d.event_ids) if d.kind == "open" else d for d in decisions
        ]
    held.append((event.occurred_at, event.id))
    del held[: max(0, len(held) - min(condition.threshold - 1, MAX_ALERT_EVENTS))]
    return decisions


def _held(extra: dict[str, Any]) -> list[tuple[datetime, int]]:
    return [(datetime.fromisoformat(str(m)), int(i)) for m, i in extra.get(BUILD_UP, [])]


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
