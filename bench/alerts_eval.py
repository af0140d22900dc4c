"""Rule evaluation throughput: how many events a second one process matches against 100
active rules and feeds to the live evaluator (the work the processor adds per batch).

    .venv/bin/python bench/alerts_eval.py [--events 50000] [--rules 100]
    .venv/bin/python bench/alerts_eval.py --store [--events 30000]   # with a real SQLite store

Rules are a realistic mix: type globs, categories, services, severities, `where` conditions
on the delivery body (numbers, text, RE2 patterns), and every condition kind (every, count,
absence, anomaly), a third grouped by service. Events are a mix of GitHub, Stripe and custom
events whose bodies are parsed once per event (as the processor does) only when a rule needs
them. Prints events per second (median of --runs).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from echodash.alerts.engine import GroupState, group_of, observe
from echodash.alerts.evaluation import Evaluator
from echodash.alerts.index import RuleIndex
from echodash.alerts.rules import Rule, parse_rule
from echodash.events import Category, Delivery, Event, EventDraft, Outcome, Severity, utcnow
from echodash.store.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, tzinfo=UTC)
SERVICES = [f"github:acme/svc{n}" for n in range(20)]


def rules(count: int, rng: random.Random) -> list[Rule]:
    return [parse_rule(document) for document in rule_documents(count, rng)]


def rule_documents(count: int, rng: random.Random) -> list[dict[str, Any]]:
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
    found: list[dict[str, Any]] = []
    for n in range(count):
        document: dict[str, Any] = {
            "name": f"rule {n}",
            "match": matches_[n % len(matches_)],
            "condition": conditions[n % len(conditions)],
        }
        if n % 3 == 0:
            document["group_by"] = "service"
        found.append(document)
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


async def run_stored(
    documents: list[dict[str, Any]], stream: list[tuple[Event, bytes]], path: Path
) -> float:
    """The whole evaluation as `echodash serve` runs it: events stored by the processor's path
    (which queues them for evaluation), then the runner's loop — `store.evaluate` in batches
    of 500 with the real Evaluator: read the batch, rules, states and open alerts; match;
    decide; write states, alerts and outbox rows; take the events off the queue. Times the
    evaluation only, until the queue is empty."""
    store = SqliteStore(path)
    await store.open()
    try:
        ws = await store.ensure_default_workspace()
        for document in documents:
            await store.create_rule(ws, document["name"], document)
        # One endpoint per sender, so events carry their real source (rules match on it).
        endpoints = {
            kind: await store.create_endpoint(ws, kind, f"bench {kind}", f"slug-{kind}", {}, None)
            for kind in sorted({e.source for e, _ in stream})
        }
        for start in range(0, len(stream), 1000):
            chunk = stream[start : start + 1000]
            for n, (event, raw) in enumerate(chunk):
                endpoint = endpoints[event.source]
                key = f"d{start + n}"
                await store.append_delivery(
                    Delivery(endpoint.id, ws, event.source, key, {}, raw, utcnow(), None)
                )
            pending = await store.pending_deliveries(len(chunk))
            await store.save_events(
                [(d, [_draft(e)]) for d, (e, _) in zip(pending, chunk, strict=True)]
            )
        queued = await store.queued_events()
        evaluator = Evaluator()
        started = time.perf_counter()
        taken = 0
        while True:
            got = await store.evaluate(500, evaluator, now=T0 + timedelta(days=1))
            if not got:
                break
            taken += got
        seconds = time.perf_counter() - started
        assert taken == queued == len(stream), (taken, queued, len(stream))
        return taken / seconds
    finally:
        await store.close()


def _draft(event: Event) -> EventDraft:
    return EventDraft(
        type=event.type, title=event.title, severity=event.severity, occurred_at=event.occurred_at,
        category=event.category, service=event.service, outcome=event.outcome,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--store",
        action="store_true",
        help="the whole evaluation on a real SQLite store (reads, decisions, writes)",
    )
    args = parser.parse_args()
    rng = random.Random(1)
    if args.store:
        documents = rule_documents(args.rules, random.Random(1))
        stream = events(args.events, rng)
        rates = []
        for n in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="echodash-alerts-") as tmp:
                rates.append(asyncio.run(run_stored(documents, stream, Path(tmp) / "bench.db")))
            print(f"run {n + 1}: {rates[-1]:,.0f} events/s", flush=True)
        label = "stored, evaluated and written (SQLite)"
    else:
        active = rules(args.rules, rng)
        stream = events(args.events, rng)
        rates = [run(active, stream) for _ in range(args.runs)]
        label = "matched and observed in memory"
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    median = statistics.median(rates)
    print(f"{args.rules} rules, {args.events:,} events {label}: {median:,.0f} events/s ({runs})")


if __name__ == "__main__":
    main()
