"""Rule evaluation throughput: how many events a second one process matches against 100
active rules and feeds to the live evaluator (the work the processor adds per batch).

    .venv/bin/python bench/alerts_eval.py [--events 50000] [--rules 100]

Rules are a realistic mix: type globs, categories, services, severities, `where` conditions
on the delivery body (numbers, text, RE2 patterns), and every condition kind (every, count,
absence, anomaly), a third grouped by service. Events are a mix of GitHub, Stripe and custom
events whose bodies are parsed once per event (as the processor does) only when a rule needs
them. Prints events per second (median of --runs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from echodash.alerts.engine import GroupState, group_of, observe
from echodash.alerts.index import RuleIndex
from echodash.alerts.rules import Rule, parse_rule
from echodash.events import Category, Event, Outcome, Severity

T0 = datetime(2026, 11, 2, tzinfo=UTC)
SERVICES = [f"github:acme/svc{n}" for n in range(20)]


def rules(count: int, rng: random.Random) -> list[Rule]:
    conditions: list[dict[str, Any]] = [
        {"kind": "every"},
        {"kind": "count", "threshold": 5, "window_seconds": 300},
        {"kind": "absence", "window_seconds": 3600},
        {"kind": "anomaly", "factor": 3, "min_count": 20},
    ]
    matches_: list[dict[str, Any]] = [
        {"type": "workflow_run.*", "outcome": "failure"},
        {"category": "deployment", "service": "github:acme/*"},
        {"source": "stripe", "type": "charge.failed"},
        {"severity": "error"},
        {
            "type": "charge.*",
            "where": [{"field": "data.object.amount", "op": "gt", "value": 10000}],
        },
        {
            "type": "workflow_run.*",
            "where": [
                {"field": "workflow_run.name", "op": "matches", "value": "^(Deploy|Release) "}
            ],
        },
        {"source": "custom", "type": "Signed up"},
        {"service": rng.choice(SERVICES), "category": "build"},
    ]
    found = []
    for n in range(count):
        document = {
            "name": f"rule {n}",
            "match": matches_[n % len(matches_)],
            "condition": conditions[n % len(conditions)],
        }
        if n % 3 == 0:
            document["group_by"] = "service"
        found.append(parse_rule(document))
    return found


def events(count: int, rng: random.Random) -> list[tuple[Event, bytes]]:
    found = []
    for n in range(count):
        moment = T0 + timedelta(seconds=n * 0.02)
        kind = n % 3
        if kind == 0:
            body = {
                "workflow_run": {
                    "name": rng.choice(["Deploy web", "CI", "Release api"]),
                    "conclusion": rng.choice(["success", "failure"]),
                }
            }
            event = _event(
                n,
                "github",
                "workflow_run.completed",
                Category.BUILD,
                rng.choice(SERVICES),
                Outcome.FAILURE
                if body["workflow_run"]["conclusion"] == "failure"
                else Outcome.SUCCESS,
                moment,
            )
        elif kind == 1:
            body = {
                "type": "charge.failed",
                "data": {"object": {"amount": rng.randint(100, 50000)}},
            }
            event = _event(
                n,
                "stripe",
                "charge.failed",
                Category.PAYMENT,
                None,
                Outcome.FAILURE,
                moment,
                Severity.WARNING,
            )
        else:
            body = {"event": "Signed up", "distinct_id": f"u{n}", "values": {"plan": "team"}}
            event = _event(n, "custom", "Signed up", Category.SIGNUP, None, None, moment)
        found.append((event, orjson.dumps(body)))
    return found


def _event(
    n: int,
    source: str,
    type: str,
    category: Category,
    service: str | None,
    outcome: Outcome | None,
    at: datetime,
    severity: Severity = Severity.INFO,
) -> Event:
    return Event(
        id=n + 1, workspace_id=1, endpoint_id=1, delivery_id=n + 1, source=source, type=type,
        title=type, summary="", actor=None, subject=None, url=None, occurred_at=at,
        received_at=at, severity=Severity.INFO, tags=(), fields={}, category=category,
        service=service, outcome=outcome,
    )  # fmt: skip


def run(active: list[Rule], stream: list[tuple[Event, bytes]]) -> float:
    states: dict[tuple[int, str], GroupState] = {}
    index = RuleIndex(enumerate(active))
    started = time.perf_counter()
    for event, raw in stream:
        parsed: list[Any] = []

        def body(raw: bytes = raw, parsed: list[Any] = parsed) -> Any:
            if not parsed:
                parsed.append(orjson.loads(raw))
            return parsed[0]

        for key, rule in index.matching(event, body):
            group = group_of(rule, event)
            state = states.setdefault((key, group), GroupState())
            observe(rule, state, event, group)
    return len(stream) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1)
    active = rules(args.rules, rng)
    stream = events(args.events, rng)
    rates = [run(active, stream) for _ in range(args.runs)]
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    median = statistics.median(rates)
    print(f"{args.rules} rules, {args.events:,} events: {median:,.0f} events/s ({runs})")


if __name__ == "__main__":
    main()
