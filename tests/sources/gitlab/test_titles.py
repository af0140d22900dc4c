"""GitLab source: readable titles for each `object_kind`, on payloads shaped like GitLab's
webhook event docs (tests/sources/gitlab/samples.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Severity
from echodash.sources.gitlab import GitLabSource
from tests.sources.gitlab import samples
from tests.sources.gitlab.samples import (
    AFTER,
    BEFORE,
    PROJECT,
    USER,
    ZERO,
    deployment,
    issue,
    job,
    merge_request,
    note,
    parse_one,
    pipeline,
    push,
)

SOURCE = GitLabSource()


# ---- parsing ----------------------------------------------------------------------------------


def test_push() -> None:
    event = parse_one(push(), "Push Hook")
    assert event.type == "push"
    assert event.title == "alice pushed 2 commits to main in acme/web"
    assert event.actor == "alice" and event.subject == "acme/web"
    assert event.url == f"https://gitlab.example.com/acme/web/-/compare/{BEFORE}...{AFTER}"
    assert event.occurred_at == datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
    assert event.fields == {"branch": "main", "commits": 2, "sha": "da15608"}
    assert event.tags == ("main",)
    assert "Fix login" in event.summary


def test_push_creates_and_deletes_branches() -> None:
    created = parse_one(push(before=ZERO, ref="refs/heads/feature/login", total_commits_count=1))
    assert created.title == "alice created branch feature/login with 1 commit in acme/web"
    assert created.url == "https://gitlab.example.com/acme/web/-/tree/feature/login"
    deleted = parse_one(push(after=ZERO, commits=[], total_commits_count=0, ref="refs/heads/old"))
    assert deleted.title == "alice deleted branch old in acme/web"
    assert "sha" not in deleted.fields


def test_tag_push() -> None:
    event = parse_one(push(object_kind="tag_push", ref="refs/tags/v1.2.0"), "Tag Push Hook")
    assert event.type == "tag_push"
    assert event.title == "alice pushed tag v1.2.0 in acme/web"
    assert event.url == "https://gitlab.example.com/acme/web/-/tags/v1.2.0"
    gone = parse_one(push(object_kind="tag_push", ref="refs/tags/v0.9", after=ZERO))
    assert gone.title == "alice deleted tag v0.9 in acme/web"


def test_merge_request_merged() -> None:
    event = parse_one(merge_request("merge", state="merged"), "Merge Request Hook")
    assert event.type == "merge_request.merge"
    assert event.title == "alice merged !42 Fix login into main in acme/web"
    assert event.severity is Severity.SUCCESS
    assert event.url == "https://gitlab.example.com/acme/web/-/merge_requests/42"
    assert event.occurred_at == datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
    assert event.fields["number"] == 42 and event.fields["sha"] == "da15608"
    assert event.tags == ("main", "bug")


@pytest.mark.parametrize(
    ("action", "extra", "title"),
    [
        ("open", {}, "alice opened !42 Fix login in acme/web"),
        ("close", {"state": "closed"}, "alice closed !42 Fix login in acme/web"),
        ("reopen", {}, "alice reopened !42 Fix login in acme/web"),
        ("update", {}, "alice updated !42 Fix login in acme/web"),
        ("update", {"oldrev": BEFORE}, "alice pushed new commits to !42 Fix login in acme/web"),
        ("approved", {}, "alice approved !42 Fix login in acme/web"),
        ("unapproval", {}, "alice revoked approval of !42 Fix login in acme/web"),
    ],
)
def test_merge_request_actions(action: str, extra: dict[str, Any], title: str) -> None:
    event = parse_one(merge_request(action, **extra))
    assert event.title == title
    assert event.type == f"merge_request.{action}"
    assert event.severity is Severity.INFO


@pytest.mark.parametrize(
    ("status", "words", "severity"),
    [
        ("failed", "failed", Severity.ERROR),
        ("success", "succeeded", Severity.SUCCESS),
        ("canceled", "was canceled", Severity.WARNING),
        ("running", "is running", Severity.INFO),
    ],
)
def test_pipeline(status: str, words: str, severity: Severity) -> None:
    event = parse_one(pipeline(status), "Pipeline Hook")
    assert event.type == f"pipeline.{status}"
    assert event.title == f"Pipeline #31 {words} on main in acme/web"
    assert event.severity is severity
    assert event.actor == "alice"
    assert event.url == "https://gitlab.example.com/acme/web/-/pipelines/31"
    assert event.occurred_at == datetime(2024, 6, 3, 12, 3, 12, tzinfo=UTC)
    assert event.fields["duration"] == "3m 12s"
    assert event.fields["sha"] == "da15608" and event.fields["status"] == status
    assert event.summary == "Fix login"


def test_pipeline_for_a_merge_request() -> None:
    document = pipeline("failed", ref="refs/merge-requests/42/head", source="merge_request_event")
    document["merge_request"] = {"id": 99, "iid": 42, "title": "Fix login"}
    assert parse_one(document).title == "Pipeline #31 failed for !42 in acme/web"


def test_job() -> None:
    failed = parse_one(job("failed"), "Job Hook")
    assert failed.type == "job.failed"
    assert failed.title == "Job rspec failed: script failure on main in acme/web"
    assert failed.severity is Severity.ERROR
    assert failed.url == "https://gitlab.example.com/acme/web/-/jobs/1977"
    assert failed.occurred_at == datetime(2024, 6, 3, 12, 2, tzinfo=UTC)
    assert failed.fields["duration"] == "1m 50s" and failed.fields["stage"] == "test"
    assert failed.fields["failure_reason"] == "script_failure"
    ok = parse_one(job("success"))
    assert (ok.type, ok.title, ok.severity) == (
        "job.success",
        "Job rspec succeeded on main in acme/web",
        Severity.SUCCESS,
    )
    assert "failure_reason" not in ok.fields
    allowed = parse_one(job("failed", build_allow_failure=True, build_failure_reason=None))
    assert allowed.title == "Job rspec failed (allowed to fail) on main in acme/web"
    assert allowed.severity is Severity.WARNING
    assert parse_one(job("canceled")).severity is Severity.WARNING


def test_deployment() -> None:
    running = parse_one(deployment("running"), "Deployment Hook")
    assert running.type == "deployment.running"
    assert running.title == "alice started deploying main to production in acme/web"
    assert running.occurred_at == datetime(2024, 6, 3, 12, 50, tzinfo=UTC)
    assert running.url == "https://gitlab.example.com/acme/web/-/jobs/796"
    failed = parse_one(deployment("failed"))
    assert failed.title == "Deployment of main to production failed in acme/web"
    assert failed.severity is Severity.ERROR
    success = parse_one(deployment("success"))
    assert success.title == "Deployment of main to production succeeded in acme/web"
    assert success.severity is Severity.SUCCESS
    assert success.fields["environment"] == "production" and success.fields["sha"] == "da15608"
    assert parse_one(deployment("canceled")).severity is Severity.WARNING


def test_issue_and_work_item() -> None:
    opened = parse_one(issue("open"), "Issue Hook")
    assert opened.type == "issue.open"
    assert opened.title == "alice opened issue #7 Crash on login in acme/web"
    assert opened.url == "https://gitlab.example.com/acme/web/-/issues/7"
    assert opened.occurred_at == datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
    assert opened.tags == ("bug",)
    closed = parse_one(issue("close", state="closed", closed_at="2024-06-03T11:00:00Z"))
    assert closed.title == "alice closed issue #7 Crash on login in acme/web"
    assert closed.occurred_at == datetime(2024, 6, 3, 11, 0, tzinfo=UTC)
    task = parse_one(issue("open", kind="work_item", type="Task", title="Write docs", iid=8))
    assert task.type == "work_item.open"
    assert task.title == "alice opened task #8 Write docs in acme/web"
    incident = parse_one(issue("open", type="Incident", severity="critical"))
    assert incident.severity is Severity.WARNING
    assert incident.fields["severity"] == "critical"


@pytest.mark.parametrize(
    ("noteable", "extra", "title"),
    [
        (
            "MergeRequest",
            {"merge_request": {"iid": 42, "title": "Fix login"}},
            "bob commented on !42 Fix login in acme/web",
        ),
        (
            "Issue",
            {"issue": {"iid": 7, "title": "Crash on login"}},
            "bob commented on issue #7 Crash on login in acme/web",
        ),
        ("Commit", {"commit": {"id": AFTER}}, "bob commented on commit da15608 in acme/web"),
        (
            "Snippet",
            {"snippet": {"id": 53, "title": "query"}},
            "bob commented on snippet $53 query in acme/web",
        ),
    ],
)
def test_note(noteable: str, extra: dict[str, Any], title: str) -> None:
    event = parse_one(note(noteable, extra), "Note Hook")
    assert event.type == "note.create"
    assert event.title == title
    assert event.actor == "bob"
    assert event.summary == "Looks good to me"
    assert event.url and event.url.endswith("#note_1244")


def test_release_and_wiki_page() -> None:
    release = parse_one(samples.release("create"), "Release Hook")
    assert release.type == "release.create"
    assert release.title == "Release Spring release (v1.2.0) created in acme/web"
    assert release.fields == {"tag": "v1.2.0", "name": "Spring release", "sha": "da15608"}
    wiki = parse_one(samples.wiki_page("update"))
    assert wiki.type == "wiki_page.update"
    assert wiki.title == "alice updated wiki page Home in acme/web"
    assert wiki.summary == "Clarify setup"


def test_unknown_kinds_still_read() -> None:
    custom = parse_one(
        {
            "object_kind": "custom_thing",
            "project": PROJECT,
            "user": USER,
            "object_attributes": {"id": 6, "name": "new-ui", "action": "deactivate"},
        },
        "Custom Thing Hook",
    )
    assert custom.type == "custom_thing.deactivate"
    assert custom.title == "Custom thing new-ui deactivate in acme/web by alice"
    system = parse_one({"event_name": "project_archive", "path_with_namespace": "acme/new"})
    assert system.type == "project_archive"
    assert system.title.startswith("Project archive")
    from_header = parse_one({"something": 1}, "Snippet Hook")
    assert from_header.type == "snippet" and from_header.title == "Snippet"


def test_documented_kinds_read_without_their_usual_fields() -> None:
    flag = parse_one({"object_kind": "feature_flag"}, "Feature Flag Hook")
    assert (flag.type, flag.title) == ("feature_flag", "Someone changed feature flag")
    from_header = parse_one({"something": 1}, "Emoji Hook")
    assert from_header.type == "emoji" and from_header.title == "Someone reacted to an item"


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe", b"[]", b'"x"', b"{" * 5000, b"null", b"not json"],
)
def test_bodies_that_are_not_objects_are_kept(body: bytes) -> None:
    (event,) = SOURCE.parse({"x-gitlab-event": "Push Hook"}, body)
    assert event.severity is Severity.WARNING
    assert event.title.startswith("GitLab sent a push delivery that is not")
    assert event.type == "push"


def _odd_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=10,
    )


KINDS = ["push", "tag_push", "merge_request", "pipeline", "build", "deployment", "issue"]
KINDS += ["work_item", "note", "release", "wiki_page", "emoji", "", "???"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    attributes=st.dictionaries(
        st.sampled_from(
            ["action", "status", "iid", "title", "url", "ref", "noteable_type", "created_at"]
        ),
        _odd_values(),
    ),
    top=st.dictionaries(
        st.sampled_from(
            ["before", "after", "ref", "commits", "user", "project", "status", "build_duration"]
        ),
        _odd_values(),
    ),
)
def test_parse_never_raises(kind: str, attributes: dict[str, Any], top: dict[str, Any]) -> None:
    document = {"object_kind": kind, "object_attributes": attributes, **top}
    (event,) = SOURCE.parse({}, json.dumps(document).encode())
    assert event.title and event.type
