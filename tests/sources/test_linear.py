"""Linear source: signatures, the signed webhookTimestamp, and parsing of Linear's payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError
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


def test_source_identity_and_entry_point() -> None:
    assert (LinearSource.kind, LinearSource.name) == ("linear", "Linear")
    assert LinearSource.secret_headers == frozenset({"linear-signature"})
    (entry,) = entry_points(group="echodash.sources", name="linear")
    assert entry.load() is LinearSource


# ---- verification ------------------------------------------------------------------------


def test_a_correct_signature_is_accepted() -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "234d1a4e-b617-4388-90fe-adc3633d6b72"


def test_the_index_of_the_matching_secret_is_returned() -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, ["old-secret", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "new-secret"]) == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("missing header", "missing_signature"),
        ("not hex", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii", "malformed_signature"),
        ("no timestamp", "malformed_body"),
        ("timestamp as text", "malformed_body"),
        ("not json", "malformed_body"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    if case == "wrong secret":
        headers["linear-signature"] = sign(body, "another-secret")
    elif case == "changed byte":
        body = body.replace(b"Fix login", b"Fix logon")
    elif case == "missing header":
        del headers["linear-signature"]
    elif case == "not hex":
        headers["linear-signature"] = "g" * 64
    elif case == "huge":
        headers["linear-signature"] = "a" * 1_000_000
    elif case == "non-ascii":
        headers["linear-signature"] = "é" * 64
    elif case == "no timestamp":
        body = json.dumps(ISSUE).encode()
        headers["linear-signature"] = sign(body)
    elif case == "timestamp as text":
        body = json.dumps(ISSUE | {"webhookTimestamp": str(int(time.time() * 1000))}).encode()
        headers["linear-signature"] = sign(body)
    elif case == "not json":
        body = b"webhookTimestamp=1"
        headers["linear-signature"] = sign(body)
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, [SECRET])
    assert refused.value.reason == reason


@pytest.mark.parametrize("offset_s", [-61, 61, -3600, 10**9])
def test_stale_or_future_timestamps_are_refused(offset_s: int) -> None:
    body = encode(ISSUE, at_ms=int((time.time() + offset_s) * 1000))
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers_for(body), body, [SECRET])
    assert refused.value.reason == "stale_timestamp"


@pytest.mark.parametrize("offset_s", [-55, 0, 55])
def test_timestamps_inside_the_window_are_accepted(offset_s: int) -> None:
    body = encode(ISSUE, at_ms=int((time.time() + offset_s) * 1000))
    assert SOURCE.verify(headers_for(body), body, [SECRET]) == 0


def test_the_window_follows_the_clock() -> None:
    sent = datetime(2024, 5, 2, 10, 15, 30, tzinfo=UTC)
    body = encode(ISSUE, at_ms=int(sent.timestamp() * 1000))
    with time_machine.travel(sent.timestamp() + 30, tick=False):
        assert SOURCE.verify(headers_for(body), body, [SECRET]) == 0
    with (
        time_machine.travel(sent.timestamp() + 61, tick=False),
        pytest.raises(SignatureError, match="stale_timestamp"),
    ):
        SOURCE.verify(headers_for(body), body, [SECRET])


def test_a_forged_stale_body_is_a_bad_signature() -> None:
    body = encode(ISSUE, at_ms=1)
    headers = headers_for(body, **{"linear-signature": sign(body, "nope")})
    with pytest.raises(SignatureError, match="bad_signature"):
        SOURCE.verify(headers, body, [SECRET])


# ---- parsing -----------------------------------------------------------------------------


def test_issue_created() -> None:
    draft = parse_one(ISSUE)
    assert draft.title == "alice created issue ENG-12 Fix login bug"
    assert draft.type == "Issue.create"
    assert draft.url == ISSUE_URL
    assert (draft.actor, draft.subject) == ("alice", "ENG")
    assert draft.occurred_at == datetime(2024, 5, 2, 10, 15, 30, tzinfo=UTC)
    assert draft.severity is Severity.INFO
    assert draft.tags == ("Bug",)
    assert draft.fields["issue"] == "ENG-12"
    assert draft.fields["priority"] == "High"


def test_urgent_issue_is_a_warning() -> None:
    document = json.loads(json.dumps(ISSUE))
    document["data"].update(priority=1, priorityLabel="Urgent")
    assert parse_one(document).severity is Severity.WARNING


def test_issue_moved_to_done() -> None:
    draft = parse_one(issue_update({"stateId": "a7c2"}, stateId="f3a1", state=DONE))
    assert draft.title == "alice moved ENG-12 Fix login bug to Done"
    assert draft.type == "Issue.update"
    assert draft.severity is Severity.SUCCESS


def test_issue_assigned_and_unassigned() -> None:
    bob = {"id": "b0b", "name": "bob", "email": "bob@acme.test"}
    assigned = parse_one(issue_update({"assigneeId": None}, assigneeId="b0b", assignee=bob))
    assert assigned.title == "alice assigned ENG-12 Fix login bug to bob"
    unassigned = parse_one(issue_update({"assigneeId": "b0b"}, assigneeId=None))
    assert unassigned.title == "alice unassigned ENG-12 Fix login bug"


def test_other_issue_updates_and_removal() -> None:
    edited = parse_one(issue_update({"description": "old"}))
    assert edited.title == "alice updated issue ENG-12 Fix login bug"
    removed = parse_one(ISSUE | {"action": "remove"})
    assert removed.title == "alice deleted issue ENG-12 Fix login bug"
    assert removed.type == "Issue.remove"


def test_comment() -> None:
    draft = parse_one(COMMENT)
    assert draft.title == "alice commented on ENG-12 Fix login bug"
    assert draft.type == "Comment.create"
    assert draft.summary == "Reproduced on staging."
    assert draft.url == ISSUE_URL + "#comment-2174add1"


def test_comment_without_actor_uses_the_author() -> None:
    document = {k: v for k, v in COMMENT.items() if k != "actor"}
    assert parse_one(document).title == "alice commented on ENG-12 Fix login bug"


def test_project_update_health() -> None:
    draft = parse_one(PROJECT_UPDATE)
    assert draft.title == "alice posted a project update on Mobile app (at risk)"
    assert draft.severity is Severity.WARNING
    assert draft.subject == "Mobile app"


def test_project_cycle_label_and_reaction() -> None:
    project = {
        "action": "create",
        "type": "Project",
        "actor": ALICE,
        "data": {"name": "Mobile app"},
    }
    assert parse_one(project).title == "alice created project Mobile app"
    assert parse_one(CYCLE).title == "alice created cycle 14 in ENG"
    label = {"action": "create", "type": "IssueLabel", "actor": ALICE, "data": {"name": "Bug"}}
    assert parse_one(label).title == "alice created label Bug"
    reaction = {
        "action": "create",
        "type": "Reaction",
        "actor": ALICE,
        "data": {"id": "r1", "emoji": "+1", "commentId": "2174add1"},
    }
    assert parse_one(reaction).title == "alice reacted with +1 to a comment"


def test_unknown_model_gets_a_generic_title() -> None:
    document = {
        "action": "set",
        "type": "IssueSLA",
        "actor": ALICE,
        "data": {"identifier": "ENG-12", "title": "Fix login bug"},
        "url": ISSUE_URL,
    }
    draft = parse_one(document)
    assert draft.type == "IssueSLA.set"
    assert draft.title == "alice set issue sla ENG-12"
    assert draft.url == ISSUE_URL


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1]", b"null", b'{"type": 3}', b'{"type": "Issue", "data": []}']
)
def test_odd_bodies_still_get_a_title(body: bytes) -> None:
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    assert drafts[0].title and "\n" not in drafts[0].title


# ---- anything at all ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["Issue", "Comment", "Project", "ProjectUpdate", "Cycle", "IssueLabel", "Reaction"]
        )
        | JSON,
        "action": st.sampled_from(["create", "update", "remove"]) | JSON,
        "data": JSON,
        "actor": JSON,
        "updatedFrom": JSON,
        "url": JSON,
        "createdAt": JSON,
        "webhookTimestamp": JSON | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    },
)
HEADER_VALUES = st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS | JSON,
    signature=HEADER_VALUES,
    secrets=st.lists(st.text(max_size=30), max_size=3),
    signed=st.booleans(),
)
def test_anything_is_refused_or_parsed_never_crashes(
    document: Any, signature: str, secrets: list[str], signed: bool
) -> None:
    body = json.dumps(document).encode()
    headers = {"linear-signature": signature}
    if signed:
        headers["linear-signature"] = sign(body)
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
