"""Linear deliveries for the tests: documents shaped as linear.app/developers/webhooks
describes them, signed with a test secret, and one sample (headers, body) per model and
action the sender titles (read by tests/sources/test_events_doc.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from echodash.events import EventDraft
from echodash.sources.linear import LinearSource

SECRET = "lin_wh_4f9b2c7e1a3d5f7b9c1e3a5d7f9b1c3e"
SOURCE = LinearSource()
ISSUE_URL = "https://linear.app/acme/issue/ENG-12/fix-login-bug"
ALICE = {
    "id": "2e8c5f14-2d5e-4c54-9a5b-1d4f3a1c2b7e",
    "name": "alice",
    "email": "alice@acme.test",
    "url": "https://linear.app/acme/profiles/alice",
    "type": "user",
}
DONE = {"id": "f3a1", "name": "Done", "type": "completed", "color": "#5e6ad2"}
TODO = {"id": "a7c2", "name": "Todo", "type": "unstarted", "color": "#e2e2e2"}

# Shapes from linear.app/developers/webhooks ("The webhook payload").
ISSUE: dict[str, Any] = {
    "action": "create",
    "type": "Issue",
    "actor": ALICE,
    "createdAt": "2024-05-02T10:15:30.000Z",
    "data": {
        "id": "9c2d1b6e-4f8a-4e1b-8c2d-7a6b5c4d3e2f",
        "createdAt": "2024-05-02T10:15:30.000Z",
        "updatedAt": "2024-05-02T10:15:30.000Z",
        "number": 12,
        "identifier": "ENG-12",
        "title": "Fix login bug",
        "description": "Users cannot log in with SSO.",
        "priority": 2,
        "priorityLabel": "High",
        "url": ISSUE_URL,
        "teamId": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a",
        "team": {"id": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "key": "ENG", "name": "Engineering"},
        "stateId": "a7c2",
        "state": TODO,
        "labels": [{"id": "l1", "name": "Bug", "color": "#eb5757"}],
        "labelIds": ["l1"],
    },
    "url": ISSUE_URL,
    "organizationId": "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b",
    "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
}
COMMENT: dict[str, Any] = {
    "action": "create",
    "type": "Comment",
    "actor": ALICE,
    "createdAt": "2024-05-02T11:00:00.000Z",
    "data": {
        "id": "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9",
        "createdAt": "2024-05-02T11:00:00.000Z",
        "updatedAt": "2024-05-02T11:00:00.000Z",
        "body": "Reproduced on staging.",
        "issueId": "9c2d1b6e-4f8a-4e1b-8c2d-7a6b5c4d3e2f",
        "issue": {
            "id": "9c2d1b6e-4f8a-4e1b-8c2d-7a6b5c4d3e2f",
            "identifier": "ENG-12",
            "title": "Fix login bug",
            "url": ISSUE_URL,
        },
        "userId": ALICE["id"],
        "user": {"id": ALICE["id"], "name": "alice"},
    },
    "url": ISSUE_URL + "#comment-2174add1",
    "organizationId": "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b",
    "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
}
PROJECT_UPDATE: dict[str, Any] = {
    "action": "create",
    "type": "ProjectUpdate",
    "actor": ALICE,
    "createdAt": "2024-05-03T09:00:00.000Z",
    "data": {
        "id": "5d1c",
        "body": "Backend is late by a week.",
        "health": "atRisk",
        "project": {
            "id": "p1",
            "name": "Mobile app",
            "url": "https://linear.app/acme/project/mobile",
        },
    },
    "url": "https://linear.app/acme/project/mobile/updates#5d1c",
}
CYCLE: dict[str, Any] = {
    "action": "create",
    "type": "Cycle",
    "actor": ALICE,
    "data": {
        "id": "c1",
        "number": 14,
        "name": None,
        "startsAt": "2024-05-06T00:00:00.000Z",
        "endsAt": "2024-05-20T00:00:00.000Z",
        "team": {"id": "t1", "key": "ENG", "name": "Engineering"},
    },
    "url": "https://linear.app/acme/team/ENG/cycle/14",
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(document: dict[str, Any], *, at_ms: int | None = None) -> bytes:
    stamp = int(time.time() * 1000) if at_ms is None else at_ms
    return json.dumps(document | {"webhookTimestamp": stamp}).encode()


def headers_for(body: bytes, **extra: str) -> dict[str, str]:
    headers = {
        "content-type": "application/json; charset=utf-8",
        "linear-signature": sign(body),
        "linear-delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
        "linear-event": "Issue",
    }
    headers.update(extra)
    return headers


def parse_one(document: dict[str, Any]) -> EventDraft:
    body = encode(document)
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    return drafts[0]


def issue_update(previous: dict[str, Any], **data: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(ISSUE))
    document["action"] = "update"
    document["data"].update(data)
    document["updatedFrom"] = previous
    return document


# ---- one delivery per model and action (tests/sources/test_events_doc.py) ---------------

ORG = "1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b"
TEAM = {"id": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "key": "ENG", "name": "Engineering"}
ISSUE_CHILD = {
    "id": "9c2d1b6e-4f8a-4e1b-8c2d-7a6b5c4d3e2f",
    "identifier": "ENG-12",
    "title": "Fix login bug",
    "url": ISSUE_URL,
    "teamId": TEAM["id"],
    "team": TEAM,
}
PROJECT = {
    "id": "p1",
    "name": "Mobile app",
    "url": "https://linear.app/acme/project/mobile-app-1f2e",
}
INITIATIVE = {"id": "i1", "name": "Q3 reliability", "url": "https://linear.app/acme/initiative/q3"}
CUSTOMER = {"id": "cu1", "name": "Globex", "domains": ["globex.test"]}


def change(model: str, action: str, data: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A data-change delivery as Linear sends it."""
    return {
        "action": action,
        "type": model,
        "actor": ALICE,
        "createdAt": "2024-05-02T12:00:00.000Z",
        "data": data,
        "url": more.pop("url", data.get("url")),
        "organizationId": ORG,
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
        **more,
    }


def sla(action: str) -> dict[str, Any]:
    return {
        "action": action,
        "type": "IssueSLA",
        "createdAt": "2024-05-02T12:00:00.000Z",
        "issueData": {
            **ISSUE_CHILD,
            "priority": 1,
            "priorityLabel": "Urgent",
            "slaType": "all",
            "slaStartedAt": "2024-05-01T12:00:00.000Z",
            "slaBreachesAt": "2024-05-03T12:00:00.000Z",
        },
        "url": ISSUE_URL,
        "organizationId": ORG,
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
    }


COMMENT_ON_UPDATE = change(
    "Comment",
    "create",
    {"id": "c2", "body": "Can we cut scope?", "projectUpdateId": "5d1c", "userId": ALICE["id"]},
    url="https://linear.app/acme/project/mobile-app-1f2e/updates#comment-c2",
)
ATTACHMENT = {
    "id": "a1",
    "title": "acme/web#481 Fix SSO callback",
    "subtitle": "Open · 2 checks passing",
    "url": "https://github.com/acme/web/pull/481",
    "issueId": ISSUE_CHILD["id"],
    "issue": ISSUE_CHILD,
    "source": {"type": "github"},
}
LABEL = {"id": "l2", "name": "Regression", "color": "#eb5757", "teamId": TEAM["id"], "team": TEAM}
DOCUMENT = {
    "id": "d1",
    "title": "Release runbook",
    "project": PROJECT,
    "url": PROJECT["url"] + "/docs",
}
NEED = {
    "id": "n1",
    "body": "Globex cannot sign in with Okta.",
    "customerId": CUSTOMER["id"],
    "customer": CUSTOMER,
    "issueId": ISSUE_CHILD["id"],
    "issue": ISSUE_CHILD,
}
BOB = {"id": "b0b", "name": "bob", "email": "bob@acme.test", "active": True, "admin": False}

CHANGES: list[dict[str, Any]] = [
    ISSUE,
    issue_update({"stateId": "a7c2"}, stateId="f3a1", state=DONE),
    issue_update({"assigneeId": None}, assigneeId="b0b", assignee=BOB),
    ISSUE | {"action": "remove"},
    COMMENT,
    COMMENT | {"action": "update", "data": COMMENT["data"] | {"issue": ISSUE_CHILD}},
    COMMENT | {"action": "remove"},
    COMMENT_ON_UPDATE,
    change(
        "Reaction", "create", {"id": "r1", "emoji": "+1", "commentId": "c1", "issue": ISSUE_CHILD}
    ),
    change("Reaction", "remove", {"id": "r1", "emoji": "+1", "commentId": "c1"}),
    change("Attachment", "create", ATTACHMENT, url=ISSUE_URL),
    change("Attachment", "update", ATTACHMENT, url=ISSUE_URL),
    change("Attachment", "remove", ATTACHMENT, url=ISSUE_URL),
    sla("set"),
    sla("highRisk"),
    sla("breached"),
    change("IssueLabel", "create", LABEL),
    change("IssueLabel", "update", LABEL, updatedFrom={"name": "Regresion"}),
    change("IssueLabel", "remove", {"id": "l3", "name": "Stale"}),
    change("Project", "create", PROJECT | {"state": "planned"}),
    change(
        "Project",
        "update",
        PROJECT | {"status": {"id": "s9", "name": "Completed", "type": "completed"}},
        updatedFrom={"statusId": "s2"},
    ),
    change("Project", "remove", PROJECT),
    PROJECT_UPDATE,
    PROJECT_UPDATE | {"action": "update"},
    PROJECT_UPDATE | {"action": "remove"},
    change("Initiative", "create", INITIATIVE | {"status": "Planned"}),
    change(
        "Initiative", "update", INITIATIVE | {"status": "Active"}, updatedFrom={"status": "Planned"}
    ),
    change("Initiative", "remove", INITIATIVE),
    change(
        "InitiativeUpdate",
        "create",
        {
            "id": "iu1",
            "body": "Two of three projects done.",
            "health": "onTrack",
            "initiative": INITIATIVE,
        },
    ),
    change(
        "InitiativeUpdate", "update", {"id": "iu1", "health": "offTrack", "initiative": INITIATIVE}
    ),
    change("InitiativeUpdate", "remove", {"id": "iu1", "initiative": INITIATIVE}),
    CYCLE,
    CYCLE | {"action": "update"},
    CYCLE | {"action": "remove"},
    change("Document", "create", DOCUMENT),
    change("Document", "update", DOCUMENT),
    change("Document", "remove", DOCUMENT),
    change("Customer", "create", CUSTOMER),
    change("Customer", "update", CUSTOMER),
    change("Customer", "remove", CUSTOMER),
    change("CustomerNeed", "create", NEED),
    change("CustomerNeed", "update", NEED),
    change("CustomerNeed", "remove", {"id": "n1", "customer": CUSTOMER, "project": PROJECT}),
    change("User", "create", BOB),
    change("User", "update", BOB | {"admin": True}, updatedFrom={"admin": False}),
    change("User", "update", BOB | {"active": False}, updatedFrom={"active": True}),
    change("User", "remove", BOB),
    {
        "action": "revoked",
        "type": "OAuthApp",
        "createdAt": "2024-05-02T12:00:00.000Z",
        "oauthClientId": "8d2f7c1a9b3e4d5f",
        "organizationId": ORG,
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
    },
    {
        "action": "create",
        "type": "AuditEntry",
        "createdAt": "2024-05-02T12:00:00.000Z",
        "data": {
            "id": "ae1",
            "type": "apiKeyCreated",
            "organizationId": ORG,
            "actorId": ALICE["id"],
            "ip": "203.0.113.7",
            "countryCode": "DE",
            "metadata": {"keyLabel": "ci"},
        },
        "organizationId": ORG,
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
    },
]


def _sample(document: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = encode(document)
    return headers_for(body, **{"linear-event": str(document["type"])}), body


SAMPLES: list[tuple[dict[str, str], bytes]] = [_sample(d) for d in CHANGES]
