"""GitHub titles for pushes, pull requests, issues and their comments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from echodash.events import EventDraft, Severity
from tests.sources.github.helpers import (
    edited,
    fixture,
    parse_one,
)

# ---- pushes ------------------------------------------------------------------------------

PUSH = "push/with-new-branch.payload.json"
COMMIT = json.loads(fixture(PUSH))["commits"][0]
COMPARE = "https://github.com/Codertocat/Hello-World/compare/6113728f27ae...f95f852bd8fc"


def _push(**changes: Any) -> EventDraft:
    base = {
        "ref": "refs/heads/main",
        "created": False,
        "deleted": False,
        "forced": False,
        "commits": [COMMIT, COMMIT, COMMIT],
        "compare": COMPARE,
        "after": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
    }
    return parse_one("push", edited(PUSH, base | changes))


def test_push_to_a_branch() -> None:
    draft = _push()
    assert draft.title == "Codertocat pushed 3 commits to main in Codertocat/Hello-World"
    assert draft.type == "push"
    assert (draft.actor, draft.subject) == ("Codertocat", "Codertocat/Hello-World")
    assert draft.url == COMPARE
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 19, 25, tzinfo=UTC)
    assert draft.severity is Severity.INFO
    assert draft.tags == ("main",)
    assert draft.fields == {
        "branch": "main",
        "commits": 3,
        "sha": "f95f852",
        "forced": False,
        "message": "Initial commit",
    }


def test_push_variants() -> None:
    one = _push(commits=[COMMIT])
    assert one.title == "Codertocat pushed 1 commit to main in Codertocat/Hello-World"
    empty = _push(commits=[])
    assert empty.title == "Codertocat pushed to main in Codertocat/Hello-World (no new commits)"
    forced = _push(forced=True)
    assert forced.title == "Codertocat force-pushed 3 commits to main in Codertocat/Hello-World"
    assert forced.severity is Severity.WARNING
    assert "force-push" in forced.tags
    assert forced.fields["forced"] is True
    forced_empty = _push(forced=True, commits=[])
    assert forced_empty.title == "Codertocat force-pushed main in Codertocat/Hello-World"
    tag = _push(ref="refs/tags/v1.2.0", created=True, commits=[])
    assert tag.title == "Codertocat pushed tag v1.2.0 in Codertocat/Hello-World"
    assert tag.fields["tag"] == "v1.2.0"
    gone = _push(ref="refs/heads/feature/x", deleted=True, commits=[])
    assert gone.title == "Codertocat deleted branch feature/x in Codertocat/Hello-World"
    assert gone.url == "https://github.com/Codertocat/Hello-World"


def test_push_fixtures_new_branch_and_deleted_tag() -> None:
    created = parse_one("push", fixture(PUSH))
    assert (
        created.title == "Codertocat created branch master with 1 commit in Codertocat/Hello-World"
    )
    deleted = parse_one("push", fixture("push/payload.json"))
    assert deleted.title == "Codertocat deleted tag simple-tag in Codertocat/Hello-World"
    assert deleted.fields["sha"] == "6113728"


# ---- pull requests, issues, comments ------------------------------------------------------

PR_TITLE = "#2 Update the README with new information."


def test_pull_request_merged() -> None:
    body = edited(
        "pull_request/closed.payload.json",
        {"pull_request.merged": True, "pull_request.merged_at": "2019-05-15T15:21:20Z"},
    )
    draft = parse_one("pull_request", body)
    assert draft.type == "pull_request.closed"
    assert draft.title == f"Codertocat merged {PR_TITLE} into master in Codertocat/Hello-World"
    assert draft.severity is Severity.SUCCESS
    assert draft.url == "https://github.com/Codertocat/Hello-World/pull/2"
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 21, 20, tzinfo=UTC)
    assert draft.fields["state"] == "merged"
    assert draft.fields["number"] == 2
    assert {"master", "bug"} <= set(draft.tags)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("closed", f"Codertocat closed {PR_TITLE} without merging in Codertocat/Hello-World"),
        ("opened", f"Codertocat opened {PR_TITLE} in Codertocat/Hello-World"),
        ("reopened", f"Codertocat reopened {PR_TITLE} in Codertocat/Hello-World"),
        (
            "review_requested",
            f"Codertocat requested a review from octocat on {PR_TITLE} in Codertocat/Hello-World",
        ),
        ("labeled", f"Codertocat labeled {PR_TITLE} with bug in Codertocat/Hello-World"),
        ("synchronize", f"Codertocat pushed new commits to {PR_TITLE} in Codertocat/Hello-World"),
        (
            "ready_for_review",
            f"Codertocat marked {PR_TITLE} ready for review in Codertocat/Hello-World",
        ),
    ],
)
def test_pull_request_actions(name: str, title: str) -> None:
    draft = parse_one("pull_request", fixture(f"pull_request/{name}.payload.json"))
    assert draft.type == f"pull_request.{name}"
    assert draft.title == title
    assert draft.severity is Severity.INFO


def test_pull_request_unknown_action_gets_a_generic_pr_sentence() -> None:
    body = edited("pull_request/opened.payload.json", {"action": "frobnicated"})
    draft = parse_one("pull_request", body)
    assert draft.type == "pull_request.frobnicated"
    assert draft.title == f"Codertocat frobnicated {PR_TITLE} in Codertocat/Hello-World"


def test_issue_opened() -> None:
    draft = parse_one("issues", fixture("issues/opened.payload.json"))
    assert draft.type == "issues.opened"
    assert draft.title == (
        "Codertocat opened issue #1 Spelling error in the README file in Codertocat/Hello-World"
    )
    assert (draft.actor, draft.subject) == ("Codertocat", "Codertocat/Hello-World")
    assert draft.url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert draft.fields["number"] == 1
    assert draft.fields["state"] == "open"


def test_issue_comment_on_issue_and_on_pull_request() -> None:
    name = "issue_comment/created.1.payload.json"
    on_issue = parse_one("issue_comment", fixture(name))
    assert on_issue.title == (
        "Codertocat commented on issue #1 Spelling error in the README file"
        " in Codertocat/Hello-World"
    )
    assert on_issue.url.endswith("#issuecomment-492700400")  # type: ignore[union-attr]
    pr_link = {"html_url": "https://github.com/Codertocat/Hello-World/pull/1"}
    on_pr = parse_one("issue_comment", edited(name, {"issue.pull_request": pr_link}))
    assert on_pr.title.startswith("Codertocat commented on pull request #1 ")
