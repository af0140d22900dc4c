"""The rule editor's form: documents built from fields, fields filled from stored rules, errors
placed next to the field they name, rules in words."""

from __future__ import annotations

from typing import Any

import pytest

from echodash.alerts.rules import RuleError, parse_rule
from echodash.web import rule_form

FIELDS = {
    "name": "Deploys failing",
    "match_source": "github",
    "match_type": "workflow_run.*",
    "match_severity": "error",
    "where_field_1": "workflow_run.conclusion",
    "where_op_1": "eq",
    "where_value_1": "failure",
    "cond_kind": "count",
    "count_threshold": "3",
    "count_window": "10",
    "webhook_url": "https://hooks.example.com/a",
    "webhook_secret": "whsec_c2VjcmV0",
    "email_to": "a@example.com; b@example.com",
    "browser": "on",
    "resolve_after": "30",
    "group_by": "service",
}


def _error(fields: dict[str, str], stored: dict[str, Any] | None = None) -> tuple[str, str]:
    document, origin = rule_form.build_document(fields, stored)
    with pytest.raises(RuleError) as caught:
        parse_rule(document)
    return caught.value.path, rule_form.field_of(caught.value, document, origin)


def test_the_form_makes_the_rule_people_meant() -> None:
    document, _ = rule_form.build_document(FIELDS, None)
    rule = parse_rule(document)
    assert rule.match.where[0].field == "workflow_run.conclusion"  # the empty row 0 skipped
    assert rule.condition.to_json() == {"kind": "count", "threshold": 3, "window_seconds": 600}
    assert [a.kind for a in rule.actions] == ["webhook", "email", "browser"]
    assert rule.actions[1].to == ("a@example.com", "b@example.com")
    assert rule.resolve_after_seconds == 1800 and rule.group_by == "service"
    assert rule_form.condition_words(rule) == "3 or more within 10 min"
    assert rule_form.match_words(rule.match) == (
        "github · workflow_run.* · error or worse · 1 condition"
    )
    assert rule_form.action_words(rule) == [
        "webhook to hooks.example.com", "e-mail to 2 addresses", "browser"
    ]  # fmt: skip


def test_a_stored_rule_fills_the_form_without_its_secret() -> None:
    rule = parse_rule(rule_form.build_document(FIELDS, None)[0])
    form = rule_form.form_of(rule.to_json(reveal=True))
    assert form.get("count_window") == "10" and form.get("match_type") == "workflow_run.*"
    assert form.where == [("workflow_run.conclusion", "eq", "failure")]
    assert form.secret_saved and "whsec_c2VjcmV0" not in repr(form)
    assert [row[1:] for row in form.where_rows()][:2] == [
        ("workflow_run.conclusion", "eq", "failure"), ("", "eq", "")
    ]  # fmt: skip


def test_an_empty_secret_keeps_the_saved_one_unless_removed() -> None:
    stored = rule_form.build_document(FIELDS, None)[0]
    kept, _ = rule_form.build_document({**FIELDS, "webhook_secret": ""}, stored)
    assert kept["actions"][0]["secret"] == "whsec_c2VjcmV0"
    removed, _ = rule_form.build_document(
        {**FIELDS, "webhook_secret": "", "remove_secret": "on"}, stored
    )
    assert "secret" not in removed["actions"][0]


@pytest.mark.parametrize(
    ("change", "path", "field"),
    [
        ({"count_threshold": "0"}, "condition.threshold", "count_threshold"),
        ({"where_op_1": "like"}, "match.where.0.op", "where_op_0"),
        ({"webhook_url": "ftp://x.example.com"}, "actions.0.url", "webhook_url"),
        ({"email_to": "not an address"}, "actions.1.to.0", "email_to"),
        ({"match_category": "weather"}, "match.category", "match_category"),
        (
            {"cond_kind": "absence", "absence_window": "0.5"},
            "condition.window_seconds",
            "absence_window",
        ),
    ],
)
def test_an_error_is_put_next_to_its_field(change: dict[str, str], path: str, field: str) -> None:
    assert _error({**FIELDS, **change}) == (path, field)


def test_a_window_that_is_no_number_is_named() -> None:
    with pytest.raises(rule_form.FormError) as caught:
        rule_form.build_document({**FIELDS, "count_window": "ten"}, None)
    assert caught.value.name == "count_window"


def test_true_and_false_are_booleans_in_conditions() -> None:
    document, _ = rule_form.build_document(
        {**FIELDS, "where_value_1": "true", "where_op_1": "eq"}, None
    )
    assert document["match"]["where"][0]["value"] is True


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (45, "45 s"),
        (600, "10 min"),
        (5400, "1 h 30 min"),
        (7200, "2 h"),
        (86400, "1 day"),
        (3 * 86400, "3 days"),
    ],
)
def test_durations_in_words(seconds: int, words: str) -> None:
    assert rule_form.duration(seconds) == words


def test_a_new_rule_starts_as_a_count_with_numbers_in_every_box() -> None:
    form = rule_form.new_form()
    assert form.get("cond_kind") == "count" and form.browser
    assert [form.get(n) for n in ("count_threshold", "count_window", "absence_window")] == [
        "5", "10", "60"
    ]  # fmt: skip
