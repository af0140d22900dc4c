"""GitLab source: secret-token and signing-token verification, delivery ids, and readable
titles for each `object_kind`, on payloads shaped like GitLab's webhook event docs."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError
from echodash.sources.gitlab import GitLabSource

TOKEN = "glsec-test-token-123"
SIGNING_KEY = "whsec_" + base64.b64encode(b"gitlab signing key for tests!").decode()
OTHER_KEY = "whsec_" + base64.b64encode(b"another signing key, unused").decode()
SOURCE = GitLabSource()
ZERO = "0" * 40
AFTER = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
BEFORE = "95790bf891e76fee5e1747ab589903a6a1f80f22"

PROJECT = {
    "id": 15,
    "name": "web",
    "web_url": "https://gitlab.example.com/acme/web",
    "path_with_namespace": "acme/web",
    "default_branch": "main",
    "namespace": "acme",
}
USER = {"id": 1, "name": "Alice Liddell", "username": "alice", "email": "[REDACTED]"}


def parse_one(document: dict[str, Any], event: str | None = None) -> EventDraft:
    headers = {"content-type": "application/json"}
    if event:
        headers["x-gitlab-event"] = event
    drafts = SOURCE.parse(headers, json.dumps(document).encode())
    assert len(drafts) == 1
    return drafts[0]


def signed(
    body: bytes, secret: str, *, at: int | None = None, msg_id: str = "m1"
) -> dict[str, str]:
    moment = int(time.time()) if at is None else at
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(moment), "webhook-signature": signature}


def reason(headers: dict[str, str], secrets: list[str], body: bytes = b"{}") -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_identity_and_entry_point() -> None:
    assert (GitLabSource.kind, GitLabSource.name) == ("gitlab", "GitLab")
    assert GitLabSource.secret_headers == frozenset({"x-gitlab-token"})
    (entry,) = entry_points(group="echodash.sources", name="gitlab")
    assert entry.load() is GitLabSource


# ---- verification: secret token -----------------------------------------------------------


def test_secret_token_is_accepted_and_rotation_reports_the_index() -> None:
    headers = {"x-gitlab-token": TOKEN}
    assert SOURCE.verify(headers, b"{}", [TOKEN]) == 0
    assert SOURCE.verify(headers, b"{}", ["old-token", TOKEN]) == 1
    assert SOURCE.verify({"x-gitlab-token": f"  {TOKEN} "}, b"anything", [TOKEN]) == 0
    assert SOURCE.verify({"x-gitlab-token": "clé"}, b"{}", ["x", "clé"]) == 1


def test_secret_token_refusals() -> None:
    assert reason({"x-gitlab-token": "wrong"}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN[:-1]}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN.upper()}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN}, []) == "bad_signature"
    assert reason({"x-gitlab-token": "x"}, [""]) == "bad_signature"
    assert reason({}, [TOKEN]) == "missing_signature"
    assert reason({"x-gitlab-token": "   "}, [TOKEN]) == "missing_signature"
    assert reason({"authorization": f"Bearer {TOKEN}"}, [TOKEN]) == "missing_signature"


# ---- verification: signing token (Standard Webhooks) --------------------------------------


def test_signing_token_is_accepted() -> None:
    body = b'{"object_kind":"push"}'
    assert SOURCE.verify(signed(body, SIGNING_KEY), body, [SIGNING_KEY]) == 0
    assert SOURCE.verify(signed(body, SIGNING_KEY), body, [OTHER_KEY, SIGNING_KEY]) == 1
    # a webhook with both tokens set: the signature decides
    both = {**signed(body, SIGNING_KEY), "x-gitlab-token": TOKEN}
    assert SOURCE.verify(both, body, [TOKEN, SIGNING_KEY]) == 1


def test_signing_token_refusals() -> None:
    body = b'{"object_kind":"push"}'
    assert reason(signed(body, OTHER_KEY), [SIGNING_KEY], body) == "bad_signature"
    assert reason(signed(body, SIGNING_KEY), [SIGNING_KEY], body + b" ") == "bad_signature"
    stale = signed(body, SIGNING_KEY, at=int(time.time()) - 301)
    assert reason(stale, [SIGNING_KEY], body) == "stale_timestamp"
    future = signed(body, SIGNING_KEY, at=int(time.time()) + 400)
    assert reason(future, [SIGNING_KEY], body) == "stale_timestamp"
    missing_id = {k: v for k, v in signed(body, SIGNING_KEY).items() if k != "webhook-id"}
    assert reason(missing_id, [SIGNING_KEY], body) == "missing_signature"
    # signed, but the endpoint only has a plain token and no token header came along
    assert reason(signed(body, SIGNING_KEY), [TOKEN], body) == "malformed_signature"
    # a forged signature next to a correct token does not pass when the endpoint signs
    forged = {**signed(body, OTHER_KEY), "x-gitlab-token": TOKEN}
    assert reason(forged, [TOKEN, SIGNING_KEY], body) == "bad_signature"


def test_both_tokens_sent_to_an_endpoint_that_knows_only_the_secret_token() -> None:
    body = b'{"object_kind":"push"}'
    headers = {**signed(body, SIGNING_KEY), "x-gitlab-token": TOKEN}
    assert SOURCE.verify(headers, body, [TOKEN]) == 0
    assert reason({**headers, "x-gitlab-token": "nope"}, [TOKEN], body) == "bad_signature"


def test_signing_window_with_a_fixed_clock() -> None:
    body = b'{"object_kind":"note"}'
    at = 1_717_430_400
    headers = signed(body, SIGNING_KEY, at=at)
    with time_machine.travel(at + 299, tick=False):
        assert SOURCE.verify(headers, body, [SIGNING_KEY]) == 0
    with time_machine.travel(at + 301, tick=False):
        assert reason(headers, [SIGNING_KEY], body) == "stale_timestamp"


NASTY = [
    "é" * 30,
    "\x00",
    "\ud800",
    "🔥" * 10,
    "x" * 100_000,
    TOKEN + "\x00",
    "Bearer " + TOKEN,
    "v1,",
    "v1,!!!!",
    "v2,abc v1,====",
]


@pytest.mark.parametrize("value", NASTY)
def test_garbage_headers_are_refused_with_signature_errors(value: str) -> None:
    for headers in (
        {"x-gitlab-token": value},
        {"webhook-signature": value, "webhook-id": value, "webhook-timestamp": value},
        {"webhook-signature": value, "webhook-id": "m", "webhook-timestamp": str(int(time.time()))},
        {"webhook-signature": value, "x-gitlab-token": value},
    ):
        for secrets in ([TOKEN, SIGNING_KEY], ["whsec_!!notbase64"], ["x" + value], []):
            for body in (b"{}", b"\xff\xfe", value.encode("utf-8", "surrogatepass")):
                with pytest.raises(SignatureError):
                    SOURCE.verify(headers, body, secrets)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(
            ["x-gitlab-token", "webhook-signature", "webhook-id", "webhook-timestamp", "x-other"]
        ),
        st.text(max_size=80),
    ),
    body=st.binary(max_size=200),
    secrets=st.lists(st.text(max_size=40), max_size=3),
)
def test_verify_raises_only_signature_errors(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    try:
        SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass


# ---- delivery ids ---------------------------------------------------------------------------


def test_delivery_id_prefers_the_idempotency_key() -> None:
    uuid_a = "908a6d9e-45fd-46c8-97e6-c4f350f219dd"
    headers = {"idempotency-key": uuid_a, "x-gitlab-event-uuid": "shared-by-one-request"}
    assert SOURCE.delivery_id(headers, b"{}") == uuid_a
    assert SOURCE.delivery_id({"webhook-id": "msg_1"}, b"{}") == "msg_1"
    assert SOURCE.delivery_id({"idempotency-key": " k ", "webhook-id": "w"}, b"{}") == "k"
    # the event UUID is shared by all events one request sends: no key (the body hash is used)
    assert SOURCE.delivery_id({"x-gitlab-event-uuid": "u"}, b"{}") is None
    assert SOURCE.delivery_id({}, b"{}") is None


# ---- parsing ----------------------------------------------------------------------------------


def push(**over: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "object_kind": "push",
        "event_name": "push",
        "before": BEFORE,
        "after": AFTER,
        "ref": "refs/heads/main",
        "checkout_sha": AFTER,
        "user_name": "Alice Liddell",
        "user_username": "alice",
        "project_id": 15,
        "project": PROJECT,
        "commits": [
            {
                "id": BEFORE,
                "message": "Update README\n\nMore words",
                "title": "Update README",
                "timestamp": "2024-06-03T10:00:00+02:00",
                "url": "https://gitlab.example.com/acme/web/-/commit/" + BEFORE,
                "author": {"name": "Alice", "email": "[REDACTED]"},
            },
            {
                "id": AFTER,
                "message": "Fix login\n",
                "title": "Fix login",
                "timestamp": "2024-06-03T11:30:00+02:00",
                "url": "https://gitlab.example.com/acme/web/-/commit/" + AFTER,
                "author": {"name": "Alice", "email": "[REDACTED]"},
            },
        ],
        "total_commits_count": 2,
        "repository": {"name": "web", "homepage": "https://gitlab.example.com/acme/web"},
    }
    document.update(over)
    return document


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


def merge_request(action: str, **attrs: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": 99,
        "iid": 42,
        "title": "Fix login",
        "state": "opened",
        "action": action,
        "target_branch": "main",
        "source_branch": "fix-login",
        "created_at": "2024-06-03 09:00:00 UTC",
        "updated_at": "2024-06-03 12:00:00 UTC",
        "url": "https://gitlab.example.com/acme/web/-/merge_requests/42",
        "last_commit": {"id": AFTER, "title": "Fix login"},
        "draft": False,
    }
    attributes.update(attrs)
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": USER,
        "project": PROJECT,
        "object_attributes": attributes,
        "labels": [{"id": 1, "title": "bug"}],
    }


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


def pipeline(status: str, **attrs: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": 31,
        "iid": 3,
        "ref": "main",
        "tag": False,
        "sha": AFTER,
        "before_sha": BEFORE,
        "source": "push",
        "status": status,
        "stages": ["build", "test"],
        "created_at": "2024-06-03 12:00:00 UTC",
        "finished_at": "2024-06-03 12:03:12 UTC",
        "duration": 192,
        "url": "https://gitlab.example.com/acme/web/-/pipelines/31",
    }
    attributes.update(attrs)
    return {
        "object_kind": "pipeline",
        "object_attributes": attributes,
        "merge_request": None,
        "user": USER,
        "project": PROJECT,
        "commit": {"id": AFTER, "message": "Fix login\n", "title": "Fix login"},
        "builds": [],
    }


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


def job(status: str, **over: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "object_kind": "build",
        "ref": "main",
        "tag": False,
        "sha": AFTER,
        "build_id": 1977,
        "build_name": "rspec",
        "build_stage": "test",
        "build_status": status,
        "build_created_at": "2024-06-03 12:00:00 UTC",
        "build_started_at": "2024-06-03 12:00:10 UTC",
        "build_finished_at": "2024-06-03 12:02:00 UTC",
        "build_duration": 110.4,
        "build_allow_failure": False,
        "build_failure_reason": "script_failure",
        "pipeline_id": 31,
        "project_id": 15,
        "project_name": "Acme / Web",
        "user": USER,
        "commit": {"id": 2366, "sha": AFTER, "message": "Fix login"},
        "project": PROJECT,
        "environment": None,
    }
    document.update(over)
    return document


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


def deployment(status: str) -> dict[str, Any]:
    return {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": "2024-06-03 14:50:00 +0200",
        "deployment_id": 15,
        "deployable_id": 796,
        "deployable_url": "https://gitlab.example.com/acme/web/-/jobs/796",
        "environment": "production",
        "environment_tier": "production",
        "environment_external_url": "https://acme.example.com",
        "project": PROJECT,
        "short_sha": "da15608",
        "user": USER,
        "commit_url": "https://gitlab.example.com/acme/web/-/commit/" + AFTER,
        "commit_title": "Fix login",
        "ref": "main",
    }


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


def issue(action: str, kind: str = "issue", **attrs: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": 301,
        "iid": 7,
        "title": "Crash on login",
        "state": "opened",
        "action": action,
        "type": "Issue",
        "created_at": "2024-06-03T09:00:00Z",
        "updated_at": "2024-06-03T10:00:00Z",
        "url": "https://gitlab.example.com/acme/web/-/issues/7",
        "confidential": False,
    }
    attributes.update(attrs)
    return {
        "object_kind": kind,
        "event_type": kind,
        "user": USER,
        "project": PROJECT,
        "object_attributes": attributes,
        "labels": [{"title": "bug"}],
    }


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


def note(noteable: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "object_kind": "note",
        "event_type": "note",
        "user": {**USER, "username": "bob"},
        "project": PROJECT,
        "object_attributes": {
            "id": 1244,
            "note": "Looks good to me\nwith a second line",
            "noteable_type": noteable,
            "created_at": "2024-06-03T12:00:00Z",
            "updated_at": "2024-06-03T12:00:00Z",
            "system": False,
            "action": "create",
            "url": "https://gitlab.example.com/acme/web/-/merge_requests/42#note_1244",
        },
        **extra,
    }


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
    release = parse_one(
        {
            "object_kind": "release",
            "id": 1,
            "created_at": "2024-06-03 12:55:12 UTC",
            "description": "Bug fixes",
            "name": "Spring release",
            "released_at": "2024-06-03 12:55:12 UTC",
            "tag": "v1.2.0",
            "project": PROJECT,
            "url": "https://gitlab.example.com/acme/web/-/releases/v1.2.0",
            "action": "create",
            "commit": {"id": AFTER},
        },
        "Release Hook",
    )
    assert release.type == "release.create"
    assert release.title == "Release Spring release (v1.2.0) created in acme/web"
    assert release.fields == {"tag": "v1.2.0", "name": "Spring release", "sha": "da15608"}
    wiki = parse_one(
        {
            "object_kind": "wiki_page",
            "user": USER,
            "project": PROJECT,
            "wiki": {"web_url": "https://gitlab.example.com/acme/web/-/wikis/home"},
            "object_attributes": {
                "title": "Home",
                "slug": "home",
                "action": "update",
                "message": "Clarify setup",
                "url": "https://gitlab.example.com/acme/web/-/wikis/home",
            },
        }
    )
    assert wiki.type == "wiki_page.update"
    assert wiki.title == "alice updated wiki page Home in acme/web"
    assert wiki.summary == "Clarify setup"


def test_unknown_kinds_still_read() -> None:
    flag = parse_one(
        {
            "object_kind": "feature_flag",
            "project": PROJECT,
            "user": USER,
            "object_attributes": {"id": 6, "name": "new-ui", "active": False},
        },
        "Feature Flag Hook",
    )
    assert flag.type == "feature_flag"
    assert flag.title == "Feature flag new-ui in acme/web by alice"
    system = parse_one({"event_name": "project_create", "path_with_namespace": "acme/new"})
    assert system.type == "project_create"
    assert system.title.startswith("Project create")
    from_header = parse_one({"something": 1}, "Emoji Hook")
    assert from_header.type == "emoji" and from_header.title == "Emoji"


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
