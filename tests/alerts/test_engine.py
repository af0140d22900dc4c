"""The live evaluator: one alert per incident, resolved when the condition clears, state that
survives a restart, and the same answers as the dry run."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from echodash.alerts.conditions import would_fire
from echodash.alerts.engine import GroupState, counts_as_news, group_of, observe, replay, tick
from echodash.alerts.rules import Rule, parse_rule
from echodash.events import Event, Origin
from tests.alerts.events import T0, event


def rule(condition: dict[str, Any], **extra: Any) -> Rule:
    return parse_rule({"name": "r", "condition": condition} | extra)


def at(*seconds: float, service: str | None = None) -> list[Event]:
    return [event(at=T0 + timedelta(seconds=s), service=service) for s in seconds]


def kinds(decisions: list[Any]) -> list[tuple[str, datetime]]:
    return [(d.kind, d.at) for d in decisions if d.kind != "join"]


def test_a_burst_opens_one_alert_which_resolves_after_the_window() -> None:
    burst = rule({"kind": "count", "threshold": 5, "window_seconds": 60})
    events = at(*range(0, 20, 2))
    decisions = replay(burst, events, T0 + timedelta(minutes=10))
    assert kinds(decisions) == [
        ("open", events[4].occurred_at),
        # the fifth-newest event (at 10 s) leaves the window 60 s later
        ("resolve", T0 + timedelta(seconds=70)),
    ]
    opened = decisions[[d.kind for d in decisions].index("open")]
    assert opened.reason == "5 or more within 1 min"
    joined = [d for d in decisions if d.kind == "join"]
    assert len(joined) == 5  # the rest of the burst joins the open alert


def test_a_heartbeat_that_stops_opens_an_alert_and_one_that_returns_resolves_it() -> None:
    heartbeat = rule({"kind": "absence", "window_seconds": 600})
    beats = at(0, 300, 600, 3600)
    decisions = replay(heartbeat, beats, T0 + timedelta(hours=2))
    assert kinds(decisions) == [
        ("open", T0 + timedelta(seconds=1200)),
        ("resolve", T0 + timedelta(seconds=3600)),
        ("open", T0 + timedelta(seconds=4200)),
    ]
    assert decisions[0].reason == "nothing for 10 min"


@pytest.mark.parametrize(
    ("condition", "many"),
    [
        ({"kind": "count", "threshold": 4, "window_seconds": 120}, 300),
        ({"kind": "count", "threshold": 2, "window_seconds": 30}, 300),
        ({"kind": "every"}, 30),
    ],
)
def test_the_live_evaluator_opens_alerts_exactly_when_the_dry_run_says(
    condition: dict[str, Any], many: int
) -> None:
    chosen = rule(condition)
    rng = random.Random(4)
    moments = sorted(rng.uniform(0, 6 * 3600) for _ in range(many))
    events = at(*moments)
    until = T0 + timedelta(hours=7)
    live = [d.at for d in replay(chosen, events, until) if d.kind == "open"]
    dry = would_fire(chosen, [e.occurred_at for e in events], T0, until)
    assert live == dry
    assert len(live) > 3


def test_state_survives_a_restart_mid_burst() -> None:
    burst = rule({"kind": "count", "threshold": 5, "window_seconds": 60})
    events = at(*range(0, 20, 2))
    state = GroupState()
    first = [d for e in events[:3] for d in observe(burst, state, e, "")]
    restored = GroupState.from_json(state.to_json())  # what the store keeps
    rest = [d for e in events[3:] for d in observe(burst, restored, e, "")]
    assert first == [] and [d.kind for d in rest][:1] == ["open"]
    assert next(d for d in rest if d.kind == "open").at == events[4].occurred_at
    again = GroupState.from_json(restored.to_json())
    assert kinds(tick(burst, again, T0 + timedelta(seconds=71), "")) == [
        ("resolve", T0 + timedelta(seconds=70))
    ]
    assert tick(burst, again, T0 + timedelta(seconds=200), "") == []  # resolved once


def test_grouping_by_service_keeps_incidents_apart() -> None:
    grouped = rule({"kind": "count", "threshold": 2, "window_seconds": 60}, group_by="service")
    events = sorted(
        at(0, 5, service="github:acme/web") + at(1, 6, service="github:acme/api"),
        key=lambda e: e.occurred_at,
    )
    opened = [d for d in replay(grouped, events, T0 + timedelta(minutes=5)) if d.kind == "open"]
    assert sorted(d.group for d in opened) == ["github:acme/api", "github:acme/web"]
    assert group_of(rule({"kind": "every"}), events[0]) == ""


def test_replayed_backfilled_and_imported_events_are_not_news() -> None:
    from dataclasses import replace

    live = event()
    assert counts_as_news(live)
    for origin in (Origin.REPLAY, Origin.BACKFILL, Origin.IMPORT):
        assert not counts_as_news(replace(live, origin=origin))
    assert counts_as_news(replace(live, origin=Origin.API))


def test_an_anomaly_rule_opens_on_a_spike_and_resolves_when_the_hour_ends() -> None:
    spikes = rule({"kind": "anomaly", "factor": 3, "min_count": 10})
    state = GroupState()
    start = T0 - timedelta(weeks=3)
    seen = []
    # Three weeks of 10 events an hour, then 40 in one hour.
    moment = start
    while moment < T0:
        for n in range(10):
            seen += observe(spikes, state, event(at=moment + timedelta(minutes=5 * n)), "")
        moment += timedelta(hours=1)
    assert [d for d in seen if d.kind == "open"] == []
    burst = [
        d
        for n in range(40)
        for d in observe(spikes, state, event(at=T0 + timedelta(seconds=60 * n)), "")
    ]
    opened = [d for d in burst if d.kind == "open"]
    assert len(opened) == 1 and opened[0].at == T0 + timedelta(minutes=29)  # the 30th event
    assert "usually 10" in opened[0].reason
    assert kinds(tick(spikes, state, T0 + timedelta(hours=1, minutes=1), "")) == [
        ("resolve", T0 + timedelta(hours=1))
    ]
