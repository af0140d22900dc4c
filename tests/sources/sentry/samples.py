"""Sentry deliveries shaped like the payloads in Sentry's integration-platform webhook docs:
one or more for every resource the sender builds a title for (`SAMPLES`, read by
tests/sources/test_events_doc.py), and the payload makers the unit tests vary."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from echodash.events import EventDraft
from echodash.sources.sentry import SentrySource

SECRET = "b2f4c1d0e9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2"

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
    drafts = SentrySource().parse(headers_for(resource, body), body)
    assert len(drafts) == 1
    return drafts[0]


def with_changes(document: dict[str, Any], **issue: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(document))
    copy["data"]["issue"].update(issue)
    return copy


def seer(action: str) -> dict[str, Any]:
    return {
        "action": action,
        "data": {"run_id": 42, "group_id": 1170820242, "title": "Null check missing"},
        "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }


def _metric(action: str, environment: str | None = "production") -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(METRIC_ALERT))
    copy["action"] = action
    copy["data"]["metric_alert"]["alert_rule"]["environment"] = environment
    return copy


DELIVERIES: list[tuple[str, dict[str, Any]]] = [
    ("issue", ISSUE),
    ("issue", with_changes(ISSUE, level="fatal")),
    ("issue", ISSUE | {"action": "resolved", "actor": ALICE}),
    ("issue", with_changes(ISSUE | {"action": "assigned", "actor": ALICE},
                           assignedTo={"type": "user", "name": "bob"})),
    ("issue", ISSUE | {"action": "archived", "actor": ALICE}),
    ("issue", with_changes(ISSUE | {"action": "unresolved"}, substatus="regressed")),
    ("issue", ISSUE | {"action": "unresolved", "actor": ALICE}),
    ("error", ERROR),
    ("event_alert", EVENT_ALERT),
    ("metric_alert", _metric("critical")),
    ("metric_alert", _metric("warning", None)),
    ("metric_alert", _metric("resolved")),
    ("comment", COMMENT),
    ("comment", COMMENT | {"action": "updated"}),
    ("comment", COMMENT | {"action": "deleted"}),
    ("installation", INSTALLATION),
    ("installation", INSTALLATION | {"action": "deleted"}),
    *(
        ("seer", seer(action))
        for action in ("root_cause_started", "root_cause_completed", "solution_started",
                       "solution_completed", "coding_started", "coding_completed", "pr_created")
    ),
    ("preprod_artifact", seer("size_analysis_completed")),
]  # fmt: skip
SAMPLES: list[tuple[dict[str, str], bytes]] = [
    (headers_for(resource, encode(document)), encode(document)) for resource, document in DELIVERIES
]
