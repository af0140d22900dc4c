"""GitLab events carry the change vocabulary: category, service, environment, outcome and
commits, as docs/events.md lists them (the table-driven test checks every sample; these
check the values a user filters on, one concept at a time)."""

from __future__ import annotations

import pytest

from echodash.events import Category, Outcome, Severity
from tests.sources.gitlab.samples import (
    AFTER,
    BEFORE,
    ZERO,
    deployment,
    issue,
    job,
    merge_request,
    note,
    parse_one,
    pipeline,
    push,
    release,
)


def test_a_push_is_a_change_with_its_commits() -> None:
    event = parse_one(push())
    assert (event.category, event.service, event.environment) == (
        Category.CHANGE,
        "gitlab:acme/web",
        None,
    )
    assert event.commits == (BEFORE, AFTER)
    assert event.outcome is None
    deleted = parse_one(push(after=ZERO, commits=[], total_commits_count=0))
    assert deleted.commits == ()


def test_a_tag_and_a_release_are_releases() -> None:
    tag = parse_one(push(object_kind="tag_push", ref="refs/tags/v1.2.0"))
    assert (tag.category, tag.commits) == (Category.RELEASE, (AFTER,))
    gone = parse_one(push(object_kind="tag_push", ref="refs/tags/v0.9", after=ZERO))
    assert (gone.category, gone.commits) == (Category.RELEASE, ())
    made = parse_one(release())
    assert (made.category, made.commits) == (Category.RELEASE, (AFTER,))


def test_merge_requests_are_review_until_merged() -> None:
    opened = parse_one(merge_request("open"))
    assert (opened.category, opened.commits) == (Category.REVIEW, ())
    merged = parse_one(merge_request("merge", state="merged", merge_commit_sha=BEFORE))
    assert merged.category is Category.CHANGE
    assert merged.commits == (BEFORE, AFTER)
    comment = parse_one(note("MergeRequest", {"merge_request": {"iid": 42}}))
    assert comment.category is Category.REVIEW


def test_issues_are_issues() -> None:
    assert parse_one(issue("open")).category is Category.ISSUE
    assert parse_one(issue("open", kind="work_item", type="Task")).category is Category.ISSUE


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("created", Outcome.STARTED),
        ("pending", Outcome.STARTED),
        ("running", Outcome.STARTED),
        ("manual", Outcome.STARTED),
        ("success", Outcome.SUCCESS),
        ("failed", Outcome.FAILURE),
        ("canceled", Outcome.CANCELLED),
        ("skipped", Outcome.SKIPPED),
    ],
)
def test_pipelines_and_jobs_are_builds_with_an_outcome(status: str, outcome: Outcome) -> None:
    for event in (parse_one(pipeline(status)), parse_one(job(status))):
        assert (event.category, event.outcome) == (Category.BUILD, outcome)
        assert event.service == "gitlab:acme/web"
        assert event.commits == (AFTER,)


def test_a_job_that_deploys_names_its_environment() -> None:
    assert parse_one(job("success")).environment is None
    deploying = parse_one(job("success", environment={"name": "staging", "action": "start"}))
    assert deploying.environment == "staging"


@pytest.mark.parametrize(
    ("status", "outcome", "severity"),
    [
        ("running", Outcome.STARTED, Severity.INFO),
        ("success", Outcome.SUCCESS, Severity.SUCCESS),
        ("failed", Outcome.FAILURE, Severity.ERROR),
        ("canceled", Outcome.CANCELLED, Severity.WARNING),
    ],
)
def test_deployments(status: str, outcome: Outcome, severity: Severity) -> None:
    event = parse_one(deployment(status))
    assert event.category is Category.DEPLOYMENT
    assert (event.environment, event.outcome, event.severity) == ("production", outcome, severity)
    assert event.service == "gitlab:acme/web"
    assert event.commits == (AFTER,)  # the full SHA, from the commit's address


def test_a_deployment_without_a_commit_address_keeps_the_short_sha() -> None:
    document = deployment("success")
    del document["commit_url"]
    assert parse_one(document).commits == ("da15608",)
