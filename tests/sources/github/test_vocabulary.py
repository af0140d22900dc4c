"""GitHub events carry the change vocabulary: category, service, environment, outcome and
commits, as docs/events.md gives them."""

from __future__ import annotations

import pytest

from echodash.events import Category, Outcome, Severity
from tests.sources.github.helpers import edited, fixture, parse_one

HELLO = "github:Codertocat/Hello-World"
DEPLOY = "deployment_status/payload.json"
DEPLOY_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
RUN = "workflow_run/completed.with-pull-requests.payload.json"


def test_a_deployment_status_is_a_deployment_with_its_environment_outcome_and_sha() -> None:
    draft = parse_one("deployment_status", fixture(DEPLOY))
    assert draft.category is Category.DEPLOYMENT
    assert (draft.service, draft.environment) == (HELLO, "production")
    assert draft.outcome is Outcome.SUCCESS
    assert draft.commits == (DEPLOY_SHA,)
    pages = parse_one("deployment_status", fixture("deployment_status/gh-pages.payload.json"))
    assert (pages.environment, pages.outcome) == ("github-pages", Outcome.STARTED)


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ("success", Outcome.SUCCESS),
        ("failure", Outcome.FAILURE),
        ("error", Outcome.FAILURE),
        ("pending", Outcome.STARTED),
        ("queued", Outcome.STARTED),
        ("in_progress", Outcome.STARTED),
        ("waiting", Outcome.STARTED),
        ("inactive", None),
    ],
)
def test_deployment_states_map_to_outcomes(state: str, outcome: Outcome | None) -> None:
    draft = parse_one("deployment_status", edited(DEPLOY, {"deployment_status.state": state}))
    assert draft.outcome is outcome
    assert draft.category is Category.DEPLOYMENT


def test_a_new_deployment_has_started() -> None:
    draft = parse_one("deployment", fixture("deployment/payload.json"))
    assert (draft.category, draft.outcome) == (Category.DEPLOYMENT, Outcome.STARTED)
    assert (draft.environment, draft.commits) == ("production", (DEPLOY_SHA,))


def test_a_push_to_a_branch_is_a_change_with_its_commits() -> None:
    draft = parse_one("push", fixture("push/with-new-branch.payload.json"))
    assert (draft.category, draft.service) == (Category.CHANGE, HELLO)
    assert draft.commits == ("6113728f27ae82c7b1a177c8d03f9e96e0adf246",)
    assert draft.outcome is None and draft.environment is None
    two = edited(
        "push/with-new-branch.payload.json",
        {"commits": [{"id": "a" * 40}, {"id": "b" * 40}], "created": False},
    )
    assert parse_one("push", two).commits == ("a" * 40, "b" * 40)


def test_a_tag_is_a_release() -> None:
    deleted_tag = parse_one("push", fixture("push/payload.json"))
    assert deleted_tag.category is Category.RELEASE
    assert deleted_tag.commits == ()  # a deleted ref points at no commit
    pushed = edited("push/payload.json", {"deleted": False, "created": True, "after": "c" * 40})
    assert parse_one("push", pushed).commits == ("c" * 40,)
    assert parse_one("create", fixture("create/payload.json")).category is Category.RELEASE
    branch = edited("create/payload.json", {"ref_type": "branch", "ref": "feature/login"})
    assert parse_one("create", branch).category is Category.CHANGE
    release = parse_one("release", fixture("release/published.with-discussion-url.payload.json"))
    assert (release.category, release.service) == (Category.RELEASE, HELLO)


def test_a_merged_pull_request_is_a_change_and_the_rest_review() -> None:
    merged = edited(
        "pull_request/closed.payload.json",
        {"pull_request.merged": True, "pull_request.merge_commit_sha": "d" * 40},
    )
    draft = parse_one("pull_request", merged)
    assert (draft.category, draft.commits) == (Category.CHANGE, ("d" * 40,))
    closed = parse_one("pull_request", fixture("pull_request/closed.payload.json"))
    assert (closed.category, closed.commits) == (Category.REVIEW, ())
    opened = parse_one("pull_request", fixture("pull_request/opened.payload.json"))
    assert opened.category is Category.REVIEW
    review = parse_one("pull_request_review", fixture("pull_request_review/submitted.payload.json"))
    assert review.category is Category.REVIEW


@pytest.mark.parametrize(
    ("conclusion", "outcome"),
    [
        ("success", Outcome.SUCCESS),
        ("neutral", Outcome.SUCCESS),
        ("failure", Outcome.FAILURE),
        ("timed_out", Outcome.FAILURE),
        ("startup_failure", Outcome.FAILURE),
        ("action_required", Outcome.FAILURE),
        ("cancelled", Outcome.CANCELLED),
        ("stale", Outcome.CANCELLED),
        ("skipped", Outcome.SKIPPED),
    ],
)
def test_runs_take_their_outcome_from_the_conclusion(conclusion: str, outcome: Outcome) -> None:
    draft = parse_one("workflow_run", edited(RUN, {"workflow_run.conclusion": conclusion}))
    assert (draft.category, draft.outcome) == (Category.BUILD, outcome)
    assert draft.commits == ("3484a3fb816e0859fd6e1cea078d76385ff50625",)
    assert draft.service == "github:octo-org/octo-repo"


def test_runs_and_checks_that_wait_or_run_have_started() -> None:
    queued = parse_one("workflow_run", fixture("workflow_run/requested.payload.json"))
    assert queued.outcome is Outcome.STARTED
    job = parse_one("workflow_job", fixture("workflow_job/waiting.payload.json"))
    assert (job.category, job.outcome) == (Category.BUILD, Outcome.STARTED)
    check = parse_one("check_run", fixture("check_run/created.payload.json"))
    assert check.outcome is Outcome.STARTED
    # A re-run starts again, whatever the last run's conclusion in the payload.
    rerun = parse_one("check_run", fixture("check_run/rerequested.payload.json"))
    assert rerun.outcome is Outcome.STARTED
    failed = parse_one("check_run", fixture("check_run/completed.1.payload.json"))
    assert failed.outcome is Outcome.FAILURE
    assert failed.commits == ("ec26c3e57ca3a959ca5aad62de7213c562f8c821",)


def test_a_commit_status_is_a_build() -> None:
    draft = parse_one("status", fixture("status/payload.json"))
    assert (draft.category, draft.outcome) == (Category.BUILD, Outcome.SUCCESS)
    assert draft.commits == ("6113728f27ae82c7b1a177c8d03f9e96e0adf246",)
    pending = parse_one("status", edited("status/payload.json", {"state": "pending"}))
    assert pending.outcome is Outcome.STARTED


def test_an_issue_labelled_incident_is_an_incident() -> None:
    plain = parse_one("issues", fixture("issues/opened.payload.json"))
    assert (plain.category, plain.severity) == (Category.ISSUE, Severity.INFO)
    label = {"name": "Incident"}
    opened = parse_one("issues", edited("issues/opened.payload.json", {"issue.labels": [label]}))
    assert (opened.category, opened.severity) == (Category.INCIDENT, Severity.WARNING)
    closed = edited("issues/opened.payload.json", {"issue.labels": [label], "action": "closed"})
    assert parse_one("issues", closed).severity is Severity.SUCCESS
    labelled = edited(
        "issues/labeled.payload.json", {"issue.labels": [label], "label": {"name": "incident"}}
    )
    assert parse_one("issues", labelled).severity is Severity.WARNING
    other_label = edited("issues/labeled.payload.json", {"issue.labels": [label]})
    assert parse_one("issues", other_label).severity is Severity.INFO


def test_comments_follow_what_they_are_on() -> None:
    name = "issue_comment/created.1.payload.json"
    assert parse_one("issue_comment", fixture(name)).category is Category.ISSUE
    on_pr = edited(name, {"issue.pull_request": {"url": "https://api.github.com/x"}})
    assert parse_one("issue_comment", on_pr).category is Category.REVIEW
    discussion = parse_one("discussion_comment", fixture("discussion_comment/created.payload.json"))
    assert discussion.category is Category.ACTIVITY


def test_alerts_settings_people_and_activity() -> None:
    alert = parse_one("dependabot_alert", fixture("dependabot_alert/created.payload.json"))
    assert (alert.category, alert.service) == (Category.ALERT, "github:wolfy1339/pika-pack")
    advisory = parse_one("security_advisory", fixture("security_advisory/published.payload.json"))
    assert (advisory.category, advisory.service) == (Category.ALERT, None)
    added = parse_one("member", fixture("member/added.payload.json"))
    assert added.category is Category.SIGNUP
    assert parse_one("member", fixture("member/edited.payload.json")).category is Category.CONFIG
    joined = parse_one("organization", fixture("organization/member_added.payload.json"))
    assert (joined.category, joined.service) == (Category.SIGNUP, "github:Octocoders")
    renamed = parse_one("organization", fixture("organization/renamed.payload.json"))
    assert renamed.category is Category.CONFIG
    assert parse_one("ping", fixture("ping/payload.json")).category is Category.CONFIG
    assert parse_one("star", fixture("star/created.payload.json")).category is Category.ACTIVITY
    label = parse_one("label", fixture("label/created.payload.json"))
    assert (label.category, label.service) == (Category.CONFIG, HELLO)
    purchase = parse_one(
        "marketplace_purchase", fixture("marketplace_purchase/purchased.payload.json")
    )
    assert (purchase.category, purchase.service) == (Category.SUBSCRIPTION, None)


def test_an_unknown_event_is_other() -> None:
    body = b'{"action": "sparkled", "repository": {"full_name": "a/w"}}'
    draft = parse_one("brand_new_thing", body)
    assert (draft.category, draft.service, draft.outcome) == (Category.OTHER, "github:a/w", None)
