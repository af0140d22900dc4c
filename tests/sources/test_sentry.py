"""Sentry source: signatures, delivery ids and parsing, on payloads shaped like Sentry's docs."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError
from echodash.sources.sentry import SentrySource

SECRET = "b2f4c1d0e9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2"
SOURCE = SentrySource()
WEB_URL = "https://sentry.io/organizations/acme/issues/1170820242/"

# Shapes from docs.sentry.io/organization/integrations/integration-platform/webhooks/.
ISSUE: dict[str, Any] = {
    "action": "created",
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
    "data": {
        "issue": {
            "id": "1170820242",
            "shortId": "ACME-WEB-1A",
            "title": "TypeError: x is undefined",
            "culprit": "app/components/Cart in render",
            "level": "error",
            "status": "unresolved",
            "substatus": "new",
            "firstSeen": "2024-03-04T12:00:01.000000Z",
            "lastSeen": "2024-03-04T12:00:01.000000Z",
            "count": "1",
            "project": {
                "id": "2",
                "name": "acme-web",
                "slug": "acme-web",
                "platform": "javascript",
            },
            "url": "https://sentry.io/api/0/organizations/acme/issues/1170820242/",
            "web_url": WEB_URL,
            "project_url": "https://sentry.io/organizations/acme/issues/?project=2",
        }
    },
    "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
}
ALICE = {"type": "user", "id": 1, "name": "alice"}
ERROR: dict[str, Any] = {
    "action": "created",
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
    "data": {
        "error": {
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "title": "ReferenceError: heck is not defined",
            "culprit": "?(<anonymous>)",
            "level": "error",
            "platform": "javascript",
            "project": 1,
            "datetime": "2019-08-19T21:06:17.677000Z",
            "issue_id": "1117540176",
            "issue_url": "https://sentry.io/api/0/issues/1117540176/",
            "web_url": "https://sentry.io/organizations/acme/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/",
            "url": "https://sentry.io/api/0/projects/acme/web/events/e4874d664c3540c1a32eab185f12c5ab/",
        }
    },
    "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
}
EVENT_ALERT: dict[str, Any] = {
    "action": "triggered",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "event": {
            "event_id": "e4874d664c3540c1a32eab185f12c5ab",
            "title": "ReferenceError: heck is not defined",
            "culprit": "?(<anonymous>)",
            "level": "fatal",
            "datetime": "2019-08-19T21:06:17.677000Z",
            "issue_id": "1117540176",
            "issue_url": "https://sentry.io/api/0/issues/1117540176/",
            "web_url": "https://sentry.io/organizations/acme/issues/1117540176/events/e4874d/",
        },
        "triggered_rule": "Send a notification for new issues",
    },
    "installation": {"uuid": "a60e1ef7-1d6c-4e5d-ab1e-e61a8c3fb3b6"},
}
METRIC_ALERT: dict[str, Any] = {
    "action": "critical",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
        "description_title": "Critical: High error rate",
        "metric_alert": {
            "alert_rule": {
                "aggregate": "count()",
                "dataset": "events",
                "id": "7",
                "name": "High error rate",
                "projects": ["acme-web"],
                "query": "level:error",
                "time_window": 10,
                "triggers": [],
            },
            "date_closed": None,
            "date_created": "2020-09-13T12:26:40.000000Z",
            "date_detected": "2020-09-13T12:26:40.000000Z",
            "id": "53",
            "identifier": "3",
            "status": 1,
            "title": "High error rate",
        },
        "web_url": "https://sentry.io/organizations/acme/alerts/rules/details/7/",
    },
    "installation": {"uuid": "7a485448-a9e2-4c85-8a3c-4f44175783c9"},
}
COMMENT: dict[str, Any] = {
    "action": "created",
    "data": {
        "comment": "adding a comment",
        "project_slug": "acme-web",
        "comment_id": 1234,
        "issue_id": 100,
        "timestamp": "2022-03-02T21:51:44.118160Z",
    },
    "installation": {"uuid": "eac5a0ae-60ec-418f-9318-46dc5e7e52ec"},
    "actor": {"type": "user", "id": 1, "name": "colleen"},
}
INSTALLATION: dict[str, Any] = {
    "action": "created",
    "data": {
        "installation": {
            "app": {"uuid": "64b2bd6c-8bba-4b3a-8c66-2e9bc3ee4c79", "slug": "echodash"},
            "organization": {"slug": "acme"},
            "uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de",
            "status": "installed",
        }
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
    "actor": ALICE,
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def headers_for(resource: str | None, body: bytes, **extra: str) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "sentry-hook-signature": sign(body),
        "sentry-hook-timestamp": "1709553601",
        "request-id": "7b5e8d1c-8d9f-4d7e-9a4b-6b2c3d4e5f60",
    }
    if resource is not None:
        headers["sentry-hook-resource"] = resource
    headers.update(extra)
    return headers


def parse_one(resource: str | None, document: dict[str, Any]) -> EventDraft:
    body = encode(document)
    drafts = SOURCE.parse(headers_for(resource, body), body)
    assert len(drafts) == 1
    return drafts[0]


def with_changes(document: dict[str, Any], **issue: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(document))
    copy["data"]["issue"].update(issue)
    return copy


def test_source_identity_and_entry_point() -> None:
    assert (SentrySource.kind, SentrySource.name) == ("sentry", "Sentry")
    assert SentrySource.secret_headers == frozenset({"sentry-hook-signature"})
    (entry,) = entry_points(group="echodash.sources", name="sentry")
    assert entry.load() is SentrySource


# ---- verification ------------------------------------------------------------------------


def test_a_correct_signature_is_accepted() -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "7b5e8d1c-8d9f-4d7e-9a4b-6b2c3d4e5f60"


def test_the_index_of_the_matching_secret_is_returned() -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    assert SOURCE.verify(headers, body, ["old-secret", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "new-secret"]) == 0
    upper = dict(headers, **{"sentry-hook-signature": sign(body).upper()})
    assert SOURCE.verify(upper, body, ["", SECRET]) == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("missing header", "missing_signature"),
        ("empty header", "missing_signature"),
        ("not hex", "malformed_signature"),
        ("too short", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii digits", "malformed_signature"),
        ("sha256= prefix", "malformed_signature"),
        ("only empty secrets", "bad_signature"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    secrets = [SECRET]
    good = headers["sentry-hook-signature"]
    if case == "wrong secret":
        headers["sentry-hook-signature"] = sign(body, "another-secret")
    elif case == "changed byte":
        body = body.replace(b"TypeError", b"TypeErrot")
    elif case == "missing header":
        del headers["sentry-hook-signature"]
    elif case == "empty header":
        headers["sentry-hook-signature"] = "  "
    elif case == "not hex":
        headers["sentry-hook-signature"] = "z" * 64
    elif case == "too short":
        headers["sentry-hook-signature"] = good[:-2]
    elif case == "huge":
        headers["sentry-hook-signature"] = good * 10_000
    elif case == "non-ascii digits":
        headers["sentry-hook-signature"] = "\u0661" * 64  # Arabic-Indic digit one: a digit, not hex
    elif case == "sha256= prefix":
        headers["sentry-hook-signature"] = "sha256=" + good
    elif case == "only empty secrets":
        secrets = ["", ""]
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, secrets)
    assert refused.value.reason == reason


def test_no_secrets_accepts_nothing() -> None:
    body = encode(ISSUE)
    with pytest.raises(SignatureError):
        SOURCE.verify(headers_for("issue", body), body, [])


def test_delivery_id_is_absent_without_the_header() -> None:
    assert SOURCE.delivery_id({}, b"{}") is None
    assert SOURCE.delivery_id({"request-id": "  "}, b"{}") is None


# ---- parsing -----------------------------------------------------------------------------


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
        "action": "root_cause_completed",
        "data": {"run_id": 42, "group_id": 1170820242, "title": "Null check missing"},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }
    draft = parse_one("seer", document)
    assert draft.type == "seer.root_cause_completed"
    assert draft.title.startswith("Sentry seer.root cause completed")
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


# ---- anything at all ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
KNOWN = st.sampled_from(
    ["issue", "error", "event_alert", "metric_alert", "comment", "installation", "seer"]
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "action": JSON | st.sampled_from(["created", "resolved", "critical", "deleted"]),
        "data": st.dictionaries(
            st.sampled_from(["issue", "error", "event", "metric_alert", "installation", "comment"])
            | st.text(),
            JSON,
            max_size=3,
        ),
        "actor": JSON,
    },
)
HEADER_VALUES = st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS | JSON,
    resource=KNOWN | HEADER_VALUES,
    signature=HEADER_VALUES,
    secrets=st.lists(st.text(max_size=30), max_size=3),
    signed=st.booleans(),
)
def test_anything_is_refused_or_parsed_never_crashes(
    document: Any, resource: str, signature: str, secrets: list[str], signed: bool
) -> None:
    body = json.dumps(document).encode()
    headers = {"sentry-hook-resource": resource, "sentry-hook-signature": signature}
    if signed:
        headers["sentry-hook-signature"] = sign(body)
        secrets = [*secrets, SECRET]
    try:
        index = SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass
    else:
        assert 0 <= index < len(secrets)
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) == 1
    assert isinstance(drafts[0].title, str) and drafts[0].title
    assert drafts[0].url is None or drafts[0].url.startswith(("https://", "http://"))
