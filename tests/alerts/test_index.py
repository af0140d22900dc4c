"""The rule index finds exactly the rules that trying every rule would find."""

from __future__ import annotations

import random
from typing import Any

import pytest

from echodash.alerts.index import RuleIndex
from echodash.alerts.matching import matches
from echodash.alerts.rules import parse_rule
from echodash.events import Category, Severity
from tests.alerts.events import event

MATCHES: list[dict[str, Any]] = [
    {},
    {"source": "github"},
    {"source": "github", "type": "push"},
    {"type": "push"},
    {"type": "workflow_*"},
    {"source": "stripe", "type": "charge.*"},
    {"type": "charge.failed", "severity": "warning"},
    {"category": "deployment"},
    {"source": "gitlab", "type": "[pd]*"},
]


def test_the_index_finds_what_trying_every_rule_finds() -> None:
    rules = [
        parse_rule({"name": f"r{n}", "match": m, "condition": {"kind": "every"}})
        for n, m in enumerate(MATCHES)
    ]
    index = RuleIndex(enumerate(rules))
    rng = random.Random(3)
    for _ in range(500):
        candidate = event(
            rng.choice(
                [
                    "push",
                    "workflow_run.completed",
                    "charge.failed",
                    "charge.refunded",
                    "deployment",
                    "pipeline",
                ]
            ),
            source=rng.choice(["github", "stripe", "gitlab", "custom"]),
            category=rng.choice([Category.DEPLOYMENT, Category.OTHER]),
            severity=rng.choice([Severity.INFO, Severity.WARNING]),
        )
        expected = {n for n, rule in enumerate(rules) if matches(rule.match, candidate, lambda: {})}
        found = {key for key, _rule in index.matching(candidate, lambda: {})}
        assert found == expected, candidate.type


def test_alert_events_reach_only_the_rules_that_name_their_source() -> None:
    rules = [
        parse_rule({"name": f"r{n}", "match": m, "condition": {"kind": "every"}})
        for n, m in enumerate(
            [
                {},
                {"type": "alert.*"},
                {"category": "incident"},
                {"source": "alerts"},
                {"source": "alerts", "type": "alert.firing"},
            ]
        )
    ]
    index = RuleIndex(enumerate(rules))
    fired = event("alert.firing", source="alerts", category=Category.INCIDENT)
    assert [key for key, _ in index.matching(fired, lambda: {})] == [4, 3]
    assert {n for n, r in enumerate(rules) if matches(r.match, fired, lambda: {})} == {3, 4}
    # the same type and category from any other source: the rules that name none see it
    other = event("alert.firing", source="custom", category=Category.INCIDENT)
    assert {key for key, _ in index.matching(other, lambda: {})} == {0, 1, 2}


def test_remembered_candidates_stay_right_when_the_memory_fills_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("echodash.alerts.index.MAX_PAIRS", 2)
    rules = [
        parse_rule({"name": f"r{n}", "match": m, "condition": {"kind": "every"}})
        for n, m in enumerate(MATCHES)
    ]
    index = RuleIndex(enumerate(rules))
    kinds = [("github", "push"), ("stripe", "charge.failed"), ("gitlab", "pipeline")] * 5
    for source, type_ in kinds:  # more pairs than remembered, again and again
        candidate = event(type_, source=source)
        expected = {n for n, rule in enumerate(rules) if matches(rule.match, candidate, lambda: {})}
        assert {key for key, _ in index.matching(candidate, lambda: {})} == expected
