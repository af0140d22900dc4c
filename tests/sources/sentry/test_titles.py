"""Sentry source: titles, on payloads shaped like Sentry's docs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from echodash.events import Severity
from echodash.sources.sentry import SentrySource
from tests.sources.sentry.samples import (
    ALICE,
    COMMENT,
    ERROR,
    EVENT_ALERT,
    INSTALLATION,
    ISSUE,
    METRIC_ALERT,
    WEB_URL,
    headers_for,
    parse_one,
    with_changes,
)

SOURCE = SentrySource()


def test_new_issue() -> None:
    draft = parse_one("issue", ISSUE)
    assert draft.title == "New issue in acme-web: TypeError: x is undefined"
    assert draft.type == "issue.created"
    assert draft.severity is Severity.ERROR
    assert draft.url == WEB_URL
    assert draft.subject == "acme-web"
    assert draft.occurred_at == datetime(2024, 3, 4, 12, 0, 1, tzinfo=UTC)
    assert draft.fields["issue"] == "ACME-WEB-1A"
    assert draft.fields["level"] == "error"


def test_new_fatal_and_warning_issues() -> None:
    fatal = parse_one("issue", with_changes(ISSUE, level="fatal"))
    assert fatal.severity is Severity.CRITICAL
    warning = parse_one("issue", with_changes(ISSUE, level="warning"))
    assert warning.severity is Severity.WARNING


def test_resolved_issue() -> None:
    document = with_changes(ISSUE, status="resolved") | {"action": "resolved", "actor": ALICE}
    draft = parse_one("issue", document)
    assert draft.title == "alice resolved issue ACME-WEB-1A: TypeError: x is undefined"
    assert draft.type == "issue.resolved"
    assert draft.severity is Severity.SUCCESS
    assert draft.actor == "alice"
    assert draft.url == WEB_URL


def test_assigned_issue() -> None:
    assigned = with_changes(ISSUE, assignedTo={"type": "user", "id": "2", "name": "bob"})
    draft = parse_one("issue", assigned | {"action": "assigned", "actor": ALICE})
    assert draft.title == "alice assigned issue ACME-WEB-1A to bob: TypeError: x is undefined"
    assert draft.severity is Severity.INFO


def test_archived_and_regressed_issues() -> None:
    archived = parse_one("issue", ISSUE | {"action": "archived", "actor": ALICE})
    assert archived.title == "alice archived issue ACME-WEB-1A: TypeError: x is undefined"
    regressed = with_changes(ISSUE, substatus="regressed") | {"action": "unresolved"}
    draft = parse_one("issue", regressed)
    assert draft.title == "Issue ACME-WEB-1A regressed in acme-web: TypeError: x is undefined"
    assert draft.severity is Severity.ERROR
    reopened = parse_one("issue", ISSUE | {"action": "unresolved", "actor": ALICE})
    assert reopened.title == "alice reopened issue ACME-WEB-1A: TypeError: x is undefined"


def test_error_event() -> None:
    draft = parse_one("error", ERROR)
    assert draft.title == "New error event: ReferenceError: heck is not defined"
    assert draft.type == "error.created"
    assert draft.severity is Severity.ERROR
    assert draft.url is not None and "/events/e4874d664c3540c1a32eab185f12c5ab/" in draft.url
    assert draft.occurred_at == datetime(2019, 8, 19, 21, 6, 17, 677000, tzinfo=UTC)


def test_issue_alert() -> None:
    draft = parse_one("event_alert", EVENT_ALERT)
    assert draft.title == (
        "Alert Send a notification for new issues triggered: ReferenceError: heck is not defined"
    )
    assert draft.type == "event_alert.triggered"
    assert draft.severity is Severity.CRITICAL
    assert draft.fields["rule"] == "Send a notification for new issues"


@pytest.mark.parametrize(
    ("action", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("warning", Severity.WARNING),
        ("resolved", Severity.SUCCESS),
    ],
)
def test_metric_alerts(action: str, severity: Severity) -> None:
    draft = parse_one("metric_alert", METRIC_ALERT | {"action": action})
    assert draft.title == f"Metric alert {action}: High error rate"
    assert draft.type == f"metric_alert.{action}"
    assert draft.severity is severity
    assert draft.url == "https://sentry.io/organizations/acme/alerts/rules/details/7/"
    assert draft.subject == "acme-web"
    assert draft.summary.startswith("1000 events in the last 10 minutes")


def test_comment() -> None:
    draft = parse_one("comment", COMMENT)
    assert draft.title == "colleen commented on issue 100 in acme-web"
    assert draft.type == "comment.created"
    assert draft.summary == "adding a comment"
    deleted = parse_one("comment", COMMENT | {"action": "deleted"})
    assert deleted.title == "colleen deleted a comment on issue 100 in acme-web"


def test_installation() -> None:
    draft = parse_one("installation", INSTALLATION)
    assert draft.title == "alice installed echodash in acme"
    removed = parse_one("installation", INSTALLATION | {"action": "deleted"})
    assert removed.title == "alice uninstalled echodash in acme"
    assert removed.severity is Severity.WARNING


def test_resource_is_guessed_without_the_header() -> None:
    draft = parse_one(None, ISSUE)
    assert draft.type == "issue.created"
    assert draft.title.startswith("New issue in acme-web")


def test_unknown_resource_gets_a_generic_title() -> None:
    document = {
        "action": "size_analysis_completed",
        "data": {"run_id": 42, "group_id": 1170820242, "title": "Bundle grew by 2 MB"},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }
    draft = parse_one("preprod_artifact", document)
    assert draft.type == "preprod_artifact.size_analysis_completed"
    assert draft.title.startswith("Sentry preprod artifact.size analysis completed")
    assert "Bundle grew by 2 MB" in draft.title


def test_seer_reads_as_its_own_sentence() -> None:
    document = {
        "action": "root_cause_completed",
        "data": {"run_id": 42, "group_id": 1170820242, "title": "Null check missing"},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }
    draft = parse_one("seer", document)
    assert draft.type == "seer.root_cause_completed"
    assert draft.title == "Seer found the root cause of issue 1170820242: Null check missing"
    assert "Null check missing" in draft.title


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'"text"', b"null", b'{"data": 5}', b'{"data": {"issue": 3}}'],
)
def test_odd_bodies_still_get_a_title(body: bytes) -> None:
    drafts = SOURCE.parse(headers_for("issue", body), body)
    assert len(drafts) == 1
    assert drafts[0].title and "\n" not in drafts[0].title


def test_a_broken_issue_falls_back_to_a_readable_title() -> None:
    document = {"action": "created", "data": {"issue": {"title": ["x"], "project": "p"}}}
    draft = parse_one("issue", document)
    assert draft.type == "issue.created"
    assert draft.title
