"""Which events a rule looks at."""

from __future__ import annotations

from typing import Any

from echodash.alerts.matching import matches
from echodash.alerts.rules import Match, parse_rule
from echodash.events import Category, Outcome, Severity
from tests.alerts.events import event


def rule_match(**match: Any) -> Match:
    return parse_rule({"name": "r", "match": match, "condition": {"kind": "every"}}).match


def body(document: Any) -> Any:
    return lambda: document


RUN = {"workflow_run": {"conclusion": "failure", "name": "Deploy web", "run_attempt": 2}}


def test_type_globs_category_service_and_outcome() -> None:
    failed = event(
        "workflow_run.completed",
        category=Category.BUILD,
        service="github:acme/web",
        outcome=Outcome.FAILURE,
    )
    assert matches(rule_match(type="workflow_run.*"), failed, body(RUN))
    assert not matches(rule_match(type="workflow_job.*"), failed, body(RUN))
    assert matches(rule_match(category="build", outcome="failure"), failed, body(RUN))
    assert not matches(rule_match(outcome="success"), failed, body(RUN))
    assert matches(rule_match(service="github:acme/*"), failed, body(RUN))
    assert not matches(rule_match(service="github:acme/api"), failed, body(RUN))
    assert not matches(rule_match(service="github:acme/web"), event(), body(RUN))
    assert not matches(rule_match(source="gitlab"), failed, body(RUN))
    assert not matches(rule_match(endpoint=2), failed, body(RUN))


def test_severity_means_this_or_graver_for_warnings_and_errors() -> None:
    wanted = rule_match(severity="warning")
    assert matches(wanted, event(severity=Severity.ERROR), body({}))
    assert matches(wanted, event(severity=Severity.WARNING), body({}))
    assert not matches(wanted, event(severity=Severity.INFO), body({}))
    assert matches(rule_match(severity="success"), event(severity=Severity.SUCCESS), body({}))
    assert not matches(rule_match(severity="success"), event(severity=Severity.ERROR), body({}))


def where(op: str, field: str, value: Any = None) -> Match:
    condition: dict[str, Any] = {"field": field, "op": op}
    if value is not None or op != "exists":
        condition["value"] = value
    return rule_match(where=[condition])


def test_conditions_on_the_delivery_body() -> None:
    run = event()
    assert matches(where("eq", "workflow_run.conclusion", "failure"), run, body(RUN))
    assert not matches(where("ne", "workflow_run.conclusion", "failure"), run, body(RUN))
    assert matches(where("gte", "workflow_run.run_attempt", 2), run, body(RUN))
    assert not matches(where("gt", "workflow_run.run_attempt", 2), run, body(RUN))
    assert matches(where("contains", "workflow_run.name", "deploy"), run, body(RUN))
    assert matches(where("matches", "workflow_run.name", "^Deploy (web|api)$"), run, body(RUN))
    assert not matches(where("matches", "workflow_run.name", "^deploy"), run, body(RUN))
    assert matches(where("exists", "workflow_run.conclusion"), run, body(RUN))
    assert not matches(where("exists", "workflow_run.head_sha"), run, body(RUN))
    assert matches(where("exists", "workflow_run.head_sha", False), run, body(RUN))
    # A missing field never equals anything, and differs from everything.
    assert not matches(where("eq", "nothing.here", "failure"), run, body(RUN))
    assert matches(where("ne", "nothing.here", "failure"), run, body(RUN))


def test_numbers_compare_as_numbers_also_when_sent_as_text() -> None:
    charge = event("charge.failed", fields={"amount": 12000})
    assert matches(where("gt", "amount", 10000), charge, body({"data": {}}))
    assert matches(
        where("gt", "data.object.amount", 10000),
        charge,
        body({"data": {"object": {"amount": "25000"}}}),
    )
    assert not matches(
        where("gt", "data.object.amount", 10000),
        charge,
        body({"data": {"object": {"amount": "9000"}}}),
    )
    assert not matches(
        where("gt", "data.object.amount", 10000),
        charge,
        body({"data": {"object": {"amount": True}}}),
    )
    assert matches(where("eq", "data.n", 2), charge, body({"data": {"n": 2.0}}))
    assert not matches(where("eq", "data.n", "2"), charge, body({"data": {"n": "2.0"}}))


def test_event_attributes() -> None:
    deploy = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        environment="production",
        commits=("a" * 40,),
        fields={"plan": "pro"},
        title="Deploy of web failed",
    )
    assert matches(where("eq", "event.category", "deployment"), deploy, body({}))
    assert matches(where("contains", "event.title", "FAILED"), deploy, body({}))
    assert matches(where("eq", "event.fields.plan", "pro"), deploy, body({}))
    assert matches(where("contains", "event.commits", "a" * 40), deploy, body({}))
    assert not matches(where("eq", "event.secret_key", "x"), deploy, body({}))


def test_the_body_is_not_read_when_no_condition_needs_it() -> None:
    def unreadable() -> Any:
        raise AssertionError("the body was read")

    assert matches(rule_match(type="workflow_run.*"), event(), unreadable)


def test_a_hostile_pattern_runs_in_linear_time() -> None:
    """A backtracking engine would take longer than the age of the universe on this (and the
    test's time limit would fail it); RE2 answers at once."""
    hostile = where("matches", "text", "(a+)+$")
    assert not matches(hostile, event(), body({"text": "a" * 19_000 + "!"}))
    assert matches(hostile, event(), body({"text": "a" * 19_000}))


def test_alert_events_match_only_a_rule_naming_the_alerts_source() -> None:
    from echodash.alerts.matching import compile_match

    fired = event("alert.firing", source="alerts", category=Category.INCIDENT)
    for document, expected in [
        ({}, False),
        ({"category": "incident"}, False),
        ({"source": "alerts"}, True),
        ({"source": "alerts", "type": "alert.*"}, True),
        ({"source": "github"}, False),
    ]:
        match = parse_rule({"name": "r", "match": document, "condition": {"kind": "every"}}).match
        assert matches(match, fired, lambda: {}) is expected, document
        assert compile_match(match)(fired, lambda: {}) is expected, document
