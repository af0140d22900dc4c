"""The dry run's reading of the store: what it asks the store to filter, what it decides in
Python, and how it bounds its work (a small in-memory feed stands in for the store's reads)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from echodash import rule_dry_run
from echodash.alerts.rules import parse_rule
from echodash.events import Category, Event, Origin, Severity
from echodash.store.base import EventFilter
from tests.alerts.events import T0, event


class Feed:
    """`list_events` and `get_delivery` over a list, as the store answers them."""

    def __init__(self, events: list[Event], bodies: dict[int, Any] | None = None) -> None:
        self.events = events
        self.bodies = bodies or {}
        self.filters: list[EventFilter] = []
        self.bodies_read = 0

    async def list_events(
        self, workspace_id: int, filters: EventFilter, limit: int, before_id: int | None = None
    ) -> list[Event]:
        self.filters.append(filters)
        found = [
            e
            for e in sorted(self.events, key=lambda e: -e.id)
            if (before_id is None or e.id < before_id)
            and (filters.since is None or e.occurred_at >= filters.since)
            and (filters.until is None or e.occurred_at < filters.until)
            and (filters.source is None or e.source == filters.source)
            and (filters.type is None or e.type == filters.type)
            and (filters.severity is None or e.severity.value == filters.severity)
        ]
        return found[:limit]

    async def get_delivery(self, workspace_id: int, delivery_id: int) -> Any:
        self.bodies_read += 1
        return SimpleNamespace(body=orjson.dumps(self.bodies[delivery_id]))


def _run(feed: Feed, document: dict[str, Any], since: datetime, until: datetime) -> Any:
    rule = parse_rule({"name": "t", **document})
    return asyncio.run(rule_dry_run.dry_run(feed, 1, rule, since, until))  # type: ignore[arg-type]


def test_the_store_filters_by_exact_values_and_globs_are_matched_in_python() -> None:
    rule = parse_rule(
        {"name": "t", "match": {"source": "github", "type": "workflow_run.*",
         "service": "github:acme/web", "severity": "error", "category": "build"},
         "condition": {"kind": "every"}}
    )  # fmt: skip
    found = rule_dry_run.store_filter(rule.match, T0, T0 + timedelta(days=1))
    assert found.source == "github" and found.type is None  # a glob: not the store's
    assert found.service == "github:acme/web" and found.category == "build"
    assert found.severity == "error+"  # error or graver, as `matches` reads it
    info = parse_rule({"name": "t", "match": {"severity": "info"}, "condition": {"kind": "every"}})
    assert rule_dry_run.store_filter(info.match, T0, T0).severity == "info"


def test_where_conditions_read_each_delivery_body_once_and_replays_are_left_out() -> None:
    events = [
        dataclasses.replace(event(at=T0 + timedelta(minutes=i)), delivery_id=100 + i)
        for i in range(4)
    ]
    events[3] = dataclasses.replace(events[3], origin=Origin.REPLAY)
    bodies = {100 + i: {"workflow_run": {"conclusion": c}}
              for i, c in enumerate(["failure", "success", "failure", "failure"])}  # fmt: skip
    feed = Feed(events, bodies)
    document = {
        "match": {"where": [{"field": "workflow_run.conclusion", "op": "eq", "value": "failure"}]},
        "condition": {"kind": "every"},
        "resolve_after_seconds": 0,
    }
    run = _run(feed, document, T0, T0 + timedelta(hours=1))
    assert run.moments == [T0, T0 + timedelta(minutes=2)]
    assert run.matched == 2 and run.scanned == 4 and not run.truncated
    assert feed.bodies_read == 3  # the replay's body is never read


def test_a_rule_grouped_by_service_fires_once_per_service() -> None:
    events = [
        event(at=T0, service="github:acme/web"),
        event(at=T0 + timedelta(seconds=30), service="github:acme/api"),
        event(at=T0 + timedelta(seconds=60), service="github:acme/web"),
    ]
    document = {"condition": {"kind": "every"}, "group_by": "service"}
    run = _run(Feed(events), document, T0, T0 + timedelta(hours=1))
    assert run.moments == [T0, T0 + timedelta(seconds=30)]
    ungrouped = _run(Feed(events), {"condition": {"kind": "every"}}, T0, T0 + timedelta(hours=1))
    assert ungrouped.moments == [T0]


def _covers_exactly(run: Any, events: list[Event]) -> None:
    """A truncated answer is still exact for the span it reports: every event from its
    `since` on was looked at."""
    assert run.truncated
    assert run.since > T0
    expected = sorted(e.occurred_at for e in events if run.since <= e.occurred_at < run.until)
    assert run.moments == expected


def test_past_the_bound_only_the_newest_events_count_and_the_answer_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rule_dry_run, "MAX_EVENTS", 10)
    monkeypatch.setattr(rule_dry_run, "PAGE", 5)
    events = [event(at=T0 + timedelta(hours=i)) for i in range(30)]
    document = {"condition": {"kind": "every"}, "resolve_after_seconds": 0}
    run = _run(Feed(events), document, T0, T0 + timedelta(hours=30))
    assert run.scanned <= 10 and len(run.moments) >= 5
    _covers_exactly(run, events)


def test_old_events_stored_late_are_not_lost_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import or a backfill stores old events with new ids: reading by id alone would
    take the newest ids for the newest times."""
    monkeypatch.setattr(rule_dry_run, "MAX_EVENTS", 10)
    monkeypatch.setattr(rule_dry_run, "PAGE", 5)
    events = [event(at=T0 + timedelta(hours=30 - i)) for i in range(30)]  # ids run backwards
    document = {"condition": {"kind": "every"}, "resolve_after_seconds": 0}
    run = _run(Feed(events), document, T0, T0 + timedelta(hours=31))
    assert len(run.moments) >= 5
    _covers_exactly(run, events)


def test_body_reads_are_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_dry_run, "MAX_BODIES", 3)
    events = [
        dataclasses.replace(event(at=T0 + timedelta(minutes=i)), delivery_id=i + 1)
        for i in range(8)
    ]
    feed = Feed(events, {i + 1: {"ok": True} for i in range(8)})
    document = {
        "match": {"where": [{"field": "ok", "op": "eq", "value": True}]},
        "condition": {"kind": "every"},
        "resolve_after_seconds": 0,
    }
    run = _run(feed, document, T0, T0 + timedelta(minutes=8))
    assert feed.bodies_read == 3
    _covers_exactly(run, events)


def test_body_bytes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_dry_run, "MAX_BODY_BYTES", 100)
    events = [
        dataclasses.replace(event(at=T0 + timedelta(minutes=i)), delivery_id=i + 1)
        for i in range(4)
    ]
    feed = Feed(events, {i + 1: {"ok": True, "pad": "x" * 60} for i in range(4)})
    document = {
        "match": {"where": [{"field": "ok", "op": "eq", "value": True}]},
        "condition": {"kind": "every"},
    }
    run = _run(feed, document, T0, T0 + timedelta(hours=1))
    assert run.truncated and feed.bodies_read == 2  # two bodies of 80 bytes pass 100 bytes


def test_anomaly_rules_read_five_weeks_of_history_before_the_span() -> None:
    feed = Feed([event(at=T0, severity=Severity.ERROR, category=Category.BUILD)])
    document = {"condition": {"kind": "anomaly", "factor": 3}}
    _run(feed, document, T0, T0 + timedelta(days=1))
    assert min(f.since for f in feed.filters if f.since) == T0 - timedelta(weeks=5)
    feed.filters.clear()
    _run(feed, {"condition": {"kind": "every"}}, T0, T0 + timedelta(days=1))
    assert min(f.since for f in feed.filters if f.since) == T0


def test_a_burst_that_began_before_the_span_is_no_new_incident_inside_it() -> None:
    events = [event(at=T0 + timedelta(seconds=s)) for s in (-50, -40, -30, 10, 20)]
    document = {"condition": {"kind": "count", "threshold": 3, "window_seconds": 120}}
    feed = Feed(events)
    run = _run(feed, document, T0, T0 + timedelta(hours=1))
    assert min(f.since for f in feed.filters if f.since) == T0 - timedelta(seconds=120)
    assert run.moments == []  # the alert opened at -30 s would still be open
    assert run.matched == 5
