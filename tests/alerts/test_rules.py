"""A rule's JSON: what is accepted, what comes back, and the error a person sees for each
mistake (the field named, the allowed values given)."""

from __future__ import annotations

from typing import Any

import pytest

from echodash.alerts.rules import Absence, Anomaly, Count, Every, RuleError, parse_rule
from echodash.events import Category, Outcome, Severity

FULL: dict[str, Any] = {
    "name": "Failed deploys of web",
    "match": {
        "source": "github",
        "endpoint": 3,
        "type": "workflow_run.*",
        "category": "build",
        "service": "github:acme/web",
        "environment": "production",
        "outcome": "failure",
        "severity": "warning",
        "where": [
            {"field": "workflow_run.conclusion", "op": "eq", "value": "failure"},
            {"field": "workflow_run.name", "op": "matches", "value": "^[Dd]eploy"},
            {"field": "workflow_run.pull_requests", "op": "exists"},
        ],
    },
    "condition": {"kind": "count", "threshold": 3, "window_seconds": 600},
    "actions": [
        {"kind": "webhook", "url": "https://hooks.example.com/x", "secret": "whsec_c2VjcmV0"},
        {"kind": "apprise", "url": "slack://T000/B000/XXX"},
        {"kind": "email", "to": ["oncall@example.com"]},
        {"kind": "browser"},
    ],
    "repeat_seconds": 3600,
    "muted_until": "2026-12-24T00:00:00Z",
    "group_by": "service",
    "resolve_after_seconds": 300,
    "suspect_window_seconds": 3600,
}


def test_a_full_rule_reads_and_comes_back_as_the_same_json() -> None:
    rule = parse_rule(FULL)
    assert rule.match.category is Category.BUILD
    assert rule.match.outcome is Outcome.FAILURE
    assert rule.match.severity is Severity.WARNING
    assert rule.condition == Count(3, 600)
    assert [a.kind for a in rule.actions] == ["webhook", "apprise", "email", "browser"]
    assert rule.to_json(reveal=True) == FULL
    # Secrets are not shown back unless asked for.
    assert rule.to_json()["actions"][0]["secret"] == "whsec_…"


def test_the_smallest_rule_gets_the_documented_defaults() -> None:
    rule = parse_rule({"name": "Any error", "condition": {"kind": "every"}})
    assert rule.condition == Every()
    assert rule.suspect_window_seconds == 7200
    assert rule.actions == () and rule.group_by is None and rule.repeat_seconds is None
    assert parse_rule({"name": "x", "condition": {"kind": "absence", "window_seconds": 3600}})
    assert parse_rule(
        {"name": "x", "condition": {"kind": "anomaly", "factor": 5}}
    ).condition == Anomaly(5.0, 10)


@pytest.mark.parametrize(
    ("change", "path", "says"),
    [
        ({"name": ""}, "name", "non-empty"),
        ({"name": None}, "name", "required"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"match": {"category": "deploy"}}, "match.category", "deployment"),
        ({"match": {"outcome": "failed"}}, "match.outcome", "failure"),
        ({"match": {"severity": "fatal"}}, "match.severity", "critical"),
        ({"match": {"endpoint": 2**63}}, "match.endpoint", "endpoint id"),
        ({"match": {"endpoint": True}}, "match.endpoint", "endpoint id"),
        (
            {"match": {"where": [{"field": "a", "op": "like", "value": 1}]}},
            "match.where.0.op",
            "eq",
        ),
        (
            {"match": {"where": [{"field": "a..b", "op": "eq", "value": 1}]}},
            "match.where.0.field",
            "dotted",
        ),
        ({"match": {"where": [{"field": "a", "op": "eq"}]}}, "match.where.0.value", "required"),
        (
            {"match": {"where": [{"field": "a", "op": "gt", "value": [1]}]}},
            "match.where.0.value",
            "number",
        ),
        (
            {"match": {"where": [{"field": "a", "op": "matches", "value": "(?<=x)y"}]}},
            "match.where.0.value",
            "pattern",
        ),
        (
            {"match": {"where": [{"field": "a", "op": "matches", "value": "x" * 501}]}},
            "match.where.0.value",
            "500",
        ),
        ({"condition": {"kind": "sometimes"}}, "condition.kind", "anomaly"),
        (
            {"condition": {"kind": "count", "threshold": 0, "window_seconds": 60}},
            "condition.threshold",
            "between",
        ),
        ({"condition": {"kind": "count", "threshold": 3}}, "condition.window_seconds", "required"),
        (
            {"condition": {"kind": "count", "threshold": 3, "window_seconds": 10**9}},
            "condition.window_seconds",
            "between",
        ),
        (
            {"condition": {"kind": "absence", "window_seconds": 5}},
            "condition.window_seconds",
            "between 60",
        ),
        ({"condition": {"kind": "anomaly", "factor": 1.1}}, "condition.factor", "spikes"),
        ({"actions": [{"kind": "webhook", "url": "ftp://x"}]}, "actions.0.url", "https"),
        (
            {"actions": [{"kind": "webhook", "url": "https://x", "secret": "hunter2"}]},
            "actions.0.secret",
            "whsec_",
        ),
        ({"actions": [{"kind": "email", "to": ["not an address"]}]}, "actions.0.to.0", "e-mail"),
        ({"actions": [{"kind": "pager"}]}, "actions.0.kind", "apprise"),
        ({"group_by": "endpoint"}, "group_by", "service"),
        ({"muted_until": "tomorrow"}, "muted_until", "ISO-8601"),
        ({"muted_until": "9999-12-31T23:59:59-23:59"}, "muted_until", "before the year 9999"),
        ({"suspect_window_seconds": 10**7}, "suspect_window_seconds", "between"),
    ],
)
def test_each_mistake_is_named_with_what_would_do(
    change: dict[str, Any], path: str, says: str
) -> None:
    document = {"name": "r", "condition": {"kind": "every"}} | change
    with pytest.raises(RuleError) as refused:
        parse_rule(document)
    assert refused.value.path == path
    assert says in str(refused.value)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(RuleError, match="JSON object"):
        parse_rule(["name"])


def test_absence_needs_at_least_a_minute() -> None:
    assert parse_rule(
        {"name": "heartbeat", "condition": {"kind": "absence", "window_seconds": 60}}
    ).condition == Absence(60)
