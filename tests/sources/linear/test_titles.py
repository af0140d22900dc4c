"""Linear titles: what a person reads in the feed for each change, and that no delivery
is ever lost to the parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Category, Severity
from echodash.sources import SignatureError
from tests.sources.linear.samples import (
    ALICE,
    CHANGES,
    COMMENT,
    CYCLE,
    DONE,
    ISSUE,
    ISSUE_URL,
    PROJECT_UPDATE,
    SECRET,
    SOURCE,
    headers_for,
    issue_update,
    parse_one,
    sign,
)

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
        "type": "Roadmap",
        "actor": ALICE,
        "data": {"identifier": "ENG-12", "title": "Fix login bug"},
        "url": ISSUE_URL,
    }
    draft = parse_one(document)
    assert draft.type == "Roadmap.set"
    assert draft.title == "alice set roadmap ENG-12"
    assert draft.url == ISSUE_URL


# What a person reads for each sample delivery, in the order of samples.CHANGES.
SEEN = [
    ("alice created issue ENG-12 Fix login bug", Category.ISSUE, Severity.INFO),
    ("alice moved ENG-12 Fix login bug to Done", Category.ISSUE, Severity.SUCCESS),
    ("alice assigned ENG-12 Fix login bug to bob", Category.ISSUE, Severity.INFO),
    ("alice deleted issue ENG-12 Fix login bug", Category.ISSUE, Severity.INFO),
    ("alice commented on ENG-12 Fix login bug", Category.ISSUE, Severity.INFO),
    ("alice edited a comment on ENG-12 Fix login bug", Category.ISSUE, Severity.INFO),
    ("alice deleted a comment on ENG-12 Fix login bug", Category.ISSUE, Severity.INFO),
    ("alice commented on a project update", Category.ISSUE, Severity.INFO),
    ("alice reacted with +1 to a comment on ENG-12", Category.ISSUE, Severity.INFO),
    ("alice removed a reaction with +1 from a comment", Category.ISSUE, Severity.INFO),
    (
        "alice attached acme/web#481 Fix SSO callback to ENG-12 Fix login bug",
        Category.ISSUE,
        Severity.INFO,
    ),
    (
        "alice updated attachment acme/web#481 Fix SSO callback on ENG-12 Fix login bug",
        Category.ISSUE,
        Severity.INFO,
    ),
    (
        "alice removed acme/web#481 Fix SSO callback from ENG-12 Fix login bug",
        Category.ISSUE,
        Severity.INFO,
    ),
    ("SLA set on ENG-12 Fix login bug (due 2024-05-03 12:00 UTC)", Category.ISSUE, Severity.INFO),
    (
        "ENG-12 Fix login bug is about to breach its SLA (due 2024-05-03 12:00 UTC)",
        Category.ISSUE,
        Severity.WARNING,
    ),
    (
        "ENG-12 Fix login bug breached its SLA (due 2024-05-03 12:00 UTC)",
        Category.ISSUE,
        Severity.WARNING,
    ),
    ("alice created label Regression in ENG", Category.CONFIG, Severity.INFO),
    ("alice updated label Regression in ENG", Category.CONFIG, Severity.INFO),
    ("alice deleted label Stale", Category.CONFIG, Severity.INFO),
    ("alice created project Mobile app", Category.ACTIVITY, Severity.INFO),
    ("alice moved project Mobile app to Completed", Category.ACTIVITY, Severity.SUCCESS),
    ("alice deleted project Mobile app", Category.ACTIVITY, Severity.INFO),
    ("alice posted a project update on Mobile app (at risk)", Category.ACTIVITY, Severity.WARNING),
    ("alice updated a project update on Mobile app (at risk)", Category.ACTIVITY, Severity.WARNING),
    ("alice deleted a project update on Mobile app (at risk)", Category.ACTIVITY, Severity.INFO),
    ("alice created initiative Q3 reliability", Category.ACTIVITY, Severity.INFO),
    ("alice moved initiative Q3 reliability to Active", Category.ACTIVITY, Severity.INFO),
    ("alice deleted initiative Q3 reliability", Category.ACTIVITY, Severity.INFO),
    (
        "alice posted an initiative update on Q3 reliability (on track)",
        Category.ACTIVITY,
        Severity.SUCCESS,
    ),
    (
        "alice updated an initiative update on Q3 reliability (off track)",
        Category.ACTIVITY,
        Severity.ERROR,
    ),
    ("alice deleted an initiative update on Q3 reliability", Category.ACTIVITY, Severity.INFO),
    ("alice created cycle 14 in ENG", Category.ACTIVITY, Severity.INFO),
    ("alice updated cycle 14 in ENG", Category.ACTIVITY, Severity.INFO),
    ("alice deleted cycle 14 in ENG", Category.ACTIVITY, Severity.INFO),
    ("alice created document Release runbook in Mobile app", Category.ACTIVITY, Severity.INFO),
    ("alice updated document Release runbook in Mobile app", Category.ACTIVITY, Severity.INFO),
    ("alice deleted document Release runbook in Mobile app", Category.ACTIVITY, Severity.INFO),
    ("alice created customer Globex", Category.ACTIVITY, Severity.INFO),
    ("alice updated customer Globex", Category.ACTIVITY, Severity.INFO),
    ("alice deleted customer Globex", Category.ACTIVITY, Severity.INFO),
    (
        "alice added a customer request from Globex to ENG-12 Fix login bug",
        Category.ISSUE,
        Severity.INFO,
    ),
    (
        "alice updated a customer request from Globex on ENG-12 Fix login bug",
        Category.ISSUE,
        Severity.INFO,
    ),
    (
        "alice removed a customer request from Globex from project Mobile app",
        Category.ISSUE,
        Severity.INFO,
    ),
    ("bob joined the Linear workspace", Category.SIGNUP, Severity.INFO),
    ("bob is now an admin of the Linear workspace", Category.CONFIG, Severity.INFO),
    ("bob was deactivated in the Linear workspace", Category.CONFIG, Severity.INFO),
    ("bob left the Linear workspace", Category.CONFIG, Severity.INFO),
    (
        "The Linear workspace revoked OAuth app 8d2f7c1a9b3e4d5f's access",
        Category.CONFIG,
        Severity.WARNING,
    ),
    ("Linear audit log: api key created from 203.0.113.7 (DE)", Category.CONFIG, Severity.INFO),
]


@pytest.mark.parametrize(("document", "seen"), list(zip(CHANGES, SEEN, strict=True)))
def test_every_model_and_action_reads_as_its_own_line(
    document: dict[str, Any], seen: tuple[str, Category, Severity]
) -> None:
    draft = parse_one(document)
    assert (draft.title, draft.category, draft.severity) == seen
    assert draft.type == f"{document['type']}.{document['action']}"


def test_titles_name_the_issue_by_its_identifier() -> None:
    """Where a payload names an issue, its line starts from the identifier (`ENG-12`)."""
    for document in CHANGES:
        if "ENG-12" in json.dumps(document):
            assert "ENG-12" in parse_one(document).title, document["type"]


def test_the_service_is_the_team_key() -> None:
    assert parse_one(ISSUE).service == "linear:ENG"
    sla = next(d for d in CHANGES if d["type"] == "IssueSLA")
    assert parse_one(sla).service == "linear:ENG"
    project = next(d for d in CHANGES if d["type"] == "Project")
    assert parse_one(project).service is None


def test_an_issue_identifier_is_read_from_its_link_when_the_payload_has_none() -> None:
    document = json.loads(json.dumps(COMMENT))
    del document["data"]["issue"]["identifier"]
    assert parse_one(document).title == "alice commented on ENG-12 Fix login bug"


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
        # Every model with a title of its own, and the actions Linear sends.
        "type": st.sampled_from(SOURCE.titles.names()) | JSON,
        "action": st.sampled_from(
            ["create", "update", "remove", "set", "highRisk", "breached", "revoked"]
        )
        | JSON,
        "data": JSON,
        "issueData": JSON,
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
