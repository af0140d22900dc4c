"""Sentry events carry the change vocabulary (category, service, environment): new and
regressed issues, errors and alerts are alerts; what people do with issues is `issue`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from echodash.events import Category, Severity
from echodash.sources.sentry import SentrySource
from tests.sources.sentry.samples import (
    ALICE,
    COMMENT,
    DELIVERIES,
    ERROR,
    EVENT_ALERT,
    INSTALLATION,
    ISSUE,
    METRIC_ALERT,
    parse_one,
    seer,
    with_changes,
)


@pytest.mark.parametrize(
    ("document", "category"),
    [
        (ISSUE, Category.ALERT),
        (with_changes(ISSUE | {"action": "unresolved"}, substatus="regressed"), Category.ALERT),
        (ISSUE | {"action": "unresolved", "actor": ALICE}, Category.ALERT),
        (ISSUE | {"action": "resolved", "actor": ALICE}, Category.ISSUE),
        (ISSUE | {"action": "assigned", "actor": ALICE}, Category.ISSUE),
        (ISSUE | {"action": "archived", "actor": ALICE}, Category.ISSUE),
    ],
)
def test_issues(document: dict[str, Any], category: Category) -> None:
    draft = parse_one("issue", document)
    assert (draft.category, draft.service) == (category, "sentry:acme-web")
    assert (draft.environment, draft.outcome, draft.commits) == (None, None, ())


def test_errors_and_alerts_are_alerts() -> None:
    error = parse_one("error", ERROR)
    assert (error.category, error.service) == (Category.ALERT, None)  # only a numeric project id
    event = json.loads(json.dumps(EVENT_ALERT))
    event["data"]["event"]["environment"] = "production"
    alert = parse_one("event_alert", event)
    assert (alert.category, alert.environment) == (Category.ALERT, "production")
    metric = json.loads(json.dumps(METRIC_ALERT))
    metric["data"]["metric_alert"]["alert_rule"]["environment"] = "staging"
    draft = parse_one("metric_alert", metric)
    assert (draft.category, draft.service, draft.environment) == (
        Category.ALERT,
        "sentry:acme-web",
        "staging",
    )


def test_comments_installations_and_seer() -> None:
    comment = parse_one("comment", COMMENT)
    assert (comment.category, comment.service) == (Category.ISSUE, "sentry:acme-web")
    installed = parse_one("installation", INSTALLATION)
    assert (installed.category, installed.service) == (Category.CONFIG, None)
    fix = parse_one("seer", seer("pr_created"))
    assert fix.title == "Seer opened a pull request to fix issue 1170820242: Null check missing"
    assert (fix.category, fix.severity) == (Category.ISSUE, Severity.SUCCESS)
    started = parse_one("seer", seer("root_cause_started"))
    assert started.title == (
        "Seer started looking for the root cause of issue 1170820242: Null check missing"
    )
    assert started.severity is Severity.INFO


def test_another_resource_is_other() -> None:
    draft = parse_one("preprod_artifact", seer("size_analysis_completed"))
    assert draft.category is Category.OTHER


def test_every_built_resource_has_a_sample() -> None:
    sent = {resource for resource, _ in DELIVERIES}
    assert set(SentrySource.titles.names()) <= sent
