"""GitHub source: signatures, delivery ids and parsing, on the real octokit payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError
from echodash.sources.github import GitHubSource
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import dig

BUILDERS = GitHubSource.titles

SECRET = "s3cr3t-for-tests"
SOURCE = GitHubSource()


def _shared_dir() -> Path:
    """`../shared` next to the repository root (tests/sources/ is two levels down)."""
    repo_root = Path(__file__).resolve().parents[2]
    return (repo_root / ".." / "shared").resolve()


FIXTURE_DIR = _shared_dir() / "fixtures" / "github"
# Two upstream examples lack the `.payload` infix (`released.json`…): they are payloads too.
FIXTURES = sorted(FIXTURE_DIR.glob("*/*.json"))


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_for(event: str | None, body: bytes, **extra: str) -> dict[str, str]:
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(body)}
    if event is not None:
        headers["x-github-event"] = event
    headers.update(extra)
    return headers


def fixture(name: str) -> bytes:
    return (FIXTURE_DIR / name).read_bytes()


def edited(name: str, changes: dict[str, Any]) -> bytes:
    """A fixture with dotted paths replaced (for parse tests only: not byte-exact any more)."""
    document = json.loads(fixture(name))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return json.dumps(document).encode()


def parse_one(event: str | None, body: bytes, **extra: str) -> EventDraft:
    drafts = SOURCE.parse(headers_for(event, body, **extra), body)
    assert len(drafts) == 1
    return drafts[0]


def test_source_identity_and_entry_point() -> None:
    assert (GitHubSource.kind, GitHubSource.name) == ("github", "GitHub")
    assert GitHubSource.secret_headers == frozenset()
    (entry,) = entry_points(group="echodash.sources", name="github")
    assert entry.load() is GitHubSource


def test_the_shared_fixtures_are_found() -> None:
    assert FIXTURE_DIR.is_dir(), f"missing {FIXTURE_DIR}"
    assert len(FIXTURES) >= 200
    assert len({path.parent.name for path in FIXTURES}) >= 60


# ---- every real payload ------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_verifies_and_parses(path: Path) -> None:
    event, body = path.parent.name, path.read_bytes()
    headers = headers_for(event, body, **{"x-github-delivery": "72d3162e-cc78-11e3-81ab"})
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "72d3162e-cc78-11e3-81ab"

    drafts = SOURCE.parse(headers, body)
    assert len(drafts) >= 1
    draft = drafts[0]
    assert draft.type == event or draft.type.startswith(event + ".")
    assert " " in draft.title
    assert len(draft.title) > len(draft.type)
    assert "\n" not in draft.title
    assert "not JSON" not in draft.title
    document = json.loads(body)
    where = dig(document, "repository.full_name") or dig(document, "organization.login")
    if where:
        assert where in draft.title
        assert draft.subject == where
    assert draft.url is None or draft.url.startswith(("https://", "http://"))
    assert draft.occurred_at is None or draft.occurred_at.tzinfo is not None
    assert all(isinstance(v, str | int | float | bool) for v in draft.fields.values())
    assert all(isinstance(tag, str) and tag for tag in draft.tags)
    if event in BUILDERS:  # the specific title, not the fallback after an error
        assert BUILDERS[event](Payload(event, document)) == draft


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


# ---- CI, deployments, releases -------------------------------------------------------------

RUN = "workflow_run/completed.with-pull-requests.payload.json"


@pytest.mark.parametrize(
    ("conclusion", "phrase", "severity"),
    [
        ("failure", "failed", Severity.ERROR),
        ("timed_out", "timed out", Severity.ERROR),
        ("cancelled", "was cancelled", Severity.WARNING),
        ("success", "succeeded", Severity.SUCCESS),
        ("skipped", "was skipped", Severity.INFO),
    ],
)
def test_workflow_run_completed(conclusion: str, phrase: str, severity: Severity) -> None:
    body = edited(
        RUN,
        {"workflow_run.conclusion": conclusion, "workflow_run.name": "CI"}
        | {"workflow_run.head_branch": "main"},
    )
    draft = parse_one("workflow_run", body)
    assert draft.type == "workflow_run.completed"
    assert draft.title == f"Workflow CI {phrase} on main in octo-org/octo-repo"
    assert draft.severity is severity
    assert draft.url == "https://github.com/octo-org/octo-repo/actions/runs/289782451"
    assert draft.occurred_at == datetime(2020, 10, 5, 16, 33, 49, tzinfo=UTC)
    assert draft.fields["conclusion"] == conclusion
    assert draft.fields["workflow"] == "CI"
    assert draft.fields["run"] == 163


def test_workflow_run_fixture_uses_the_workflow_name_when_the_run_has_none() -> None:
    draft = parse_one("workflow_run", fixture(RUN))
    assert draft.title == "Workflow test succeeded on master in octo-org/octo-repo"
    queued = parse_one("workflow_run", fixture("workflow_run/requested.payload.json"))
    assert queued.title == "Workflow test is queued on master in octo-org/octo-repo"
    assert queued.severity is Severity.INFO


def test_workflow_job_failure() -> None:
    body = fixture("workflow_job/completed.failure.with-organization.payload.json")
    draft = parse_one("workflow_job", body)
    assert draft.title == "Job linters of workflow CodeQL failed on main in Codertocat/Hello-World"
    assert draft.severity is Severity.ERROR
    assert draft.occurred_at == datetime(2021, 8, 5, 10, 38, 16, tzinfo=UTC)


def test_check_run_failure() -> None:
    draft = parse_one("check_run", fixture("check_run/completed.1.payload.json"))
    assert draft.title == "Check Octocoders-linter failed on changes in Codertocat/Hello-World"
    assert draft.severity is Severity.ERROR
    assert draft.url == "https://github.com/Codertocat/Hello-World/runs/128620228"


def test_deployment_status() -> None:
    name = "deployment_status/payload.json"
    draft = parse_one("deployment_status", fixture(name))
    assert draft.type == "deployment_status.created"
    assert draft.title == "Deployment of master to production succeeded in Codertocat/Hello-World"
    assert draft.severity is Severity.SUCCESS
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)
    assert draft.fields["environment"] == "production"
    assert draft.fields["state"] == "success"
    assert draft.fields["sha"] == "f95f852"
    assert draft.url == "https://github.com/Codertocat/Hello-World/deployments"
    logs = "https://ci.example.com/deploys/42"
    failed = parse_one(
        "deployment_status",
        edited(name, {"deployment_status.state": "failure", "deployment_status.log_url": logs}),
    )
    assert failed.title == "Deployment of master to production failed in Codertocat/Hello-World"
    assert failed.severity is Severity.ERROR
    assert failed.url == logs
    errored = parse_one("deployment_status", edited(name, {"deployment_status.state": "error"}))
    assert errored.severity is Severity.ERROR


def test_deployment_created() -> None:
    draft = parse_one("deployment", fixture("deployment/payload.json"))
    assert draft.title == (
        "Codertocat started deploying master to production in Codertocat/Hello-World"
    )
    assert draft.fields["environment"] == "production"


def test_status_failure_is_an_error() -> None:
    body = edited("status/payload.json", {"state": "failure", "context": "ci/build"})
    draft = parse_one("status", body)
    assert draft.title == "Status ci/build failed for 6113728 in Codertocat/Hello-World"
    assert draft.severity is Severity.ERROR


def test_release_published() -> None:
    body = fixture("release/published.with-discussion-url.payload.json")
    draft = parse_one("release", body)
    assert draft.type == "release.published"
    assert draft.title == "Release 0.0.1 published in Codertocat/Hello-World by Codertocat"
    assert draft.url == "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1"
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 20, 53, tzinfo=UTC)
    assert draft.fields["tag"] == "0.0.1"
    assert draft.fields["prerelease"] is False


# ---- people, repositories, ping ----------------------------------------------------------------


def test_star() -> None:
    draft = parse_one("star", fixture("star/created.payload.json"))
    assert draft.type == "star.created"
    assert draft.title == "Codertocat starred Codertocat/Hello-World"
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 20, 40, tzinfo=UTC)
    assert draft.url == "https://github.com/Codertocat/Hello-World"
    assert draft.fields == {"stars": 1}
    unstar = parse_one("star", fixture("star/deleted.payload.json"))
    assert unstar.title == "Codertocat unstarred Codertocat/Hello-World"


def test_ping() -> None:
    draft = parse_one("ping", fixture("ping/payload.json"))
    assert draft.type == "ping"
    assert draft.title == "GitHub webhook for Octocoders/Hello-World is connected (ping)"
    assert draft.summary == "Anything added dilutes everything else."
    assert draft.fields["hook_id"] == 109948940
    org = parse_one("ping", fixture("ping/with-organization.payload.json"))
    assert org.title == "GitHub webhook for Octocoders is connected (ping)"
    assert org.subject == "Octocoders"
    assert org.url == "https://github.com/Octocoders"


def test_repository_deleted_is_a_warning() -> None:
    body = edited("repository/created.payload.json", {"action": "deleted"})
    draft = parse_one("repository", body)
    assert draft.title == "Codertocat deleted repository Octocoders/Hello-World"
    assert draft.severity is Severity.WARNING


def test_fork_and_member() -> None:
    fork = parse_one("fork", fixture("fork/payload.json"))
    assert fork.title == "Octocoders forked Codertocat/Hello-World to Octocoders/Hello-World"
    assert fork.url == "https://github.com/Octocoders/Hello-World"
    member = parse_one("member", fixture("member/added.payload.json"))
    assert member.title == "hacktocat added hacktocat to Codertocat/Hello-World"


# ---- security alerts -------------------------------------------------------------------------

DEPENDABOT = "dependabot_alert/created.payload.json"


def test_dependabot_alert() -> None:
    draft = parse_one("dependabot_alert", fixture(DEPENDABOT))
    assert draft.type == "dependabot_alert.created"
    assert draft.title == (
        "Dependabot alert #20 opened in wolfy1339/pika-pack:"
        " semver vulnerable to Regular Expression Denial of Service (medium)"
    )
    assert draft.severity is Severity.WARNING
    assert draft.url == "https://github.com/wolfy1339/pika-pack/security/dependabot/20"
    assert draft.fields["package"] == "semver"
    assert draft.fields["severity"] == "medium"
    assert "security" in draft.tags
    critical = edited(DEPENDABOT, {"alert.security_advisory.severity": "critical"})
    assert parse_one("dependabot_alert", critical).severity is Severity.ERROR
    high = edited(DEPENDABOT, {"alert.security_advisory.severity": "high", "action": "reopened"})
    assert parse_one("dependabot_alert", high).severity is Severity.ERROR
    fixed = parse_one("dependabot_alert", fixture("dependabot_alert/fixed.payload.json"))
    assert fixed.severity is Severity.SUCCESS
    assert fixed.title.startswith("Dependabot alert #1 fixed in octocat/hello-world: ")
    dismissed = edited(DEPENDABOT, {"action": "dismissed"})
    assert parse_one("dependabot_alert", dismissed).severity is Severity.SUCCESS


def test_other_security_alerts() -> None:
    code = parse_one("code_scanning_alert", fixture("code_scanning_alert/created.payload.json"))
    assert code.severity is Severity.ERROR  # rule severity "error"
    secret = parse_one(
        "secret_scanning_alert", fixture("secret_scanning_alert/reopened.payload.json")
    )
    assert secret.severity is Severity.ERROR
    vuln = parse_one(
        "repository_vulnerability_alert",
        fixture("repository_vulnerability_alert/create.payload.json"),
    )
    assert vuln.severity is Severity.WARNING
    advisory = parse_one("security_advisory", fixture("security_advisory/published.payload.json"))
    assert advisory.title.startswith("Security advisory GHSA-rf4j-j272-fj86 published: ")
    assert advisory.severity is Severity.WARNING


# ---- generic titles, odd shapes, bodies that are not JSON ----------------------------------


def test_event_without_a_specific_title_gets_a_generic_sentence() -> None:
    label = parse_one("label", fixture("label/created.payload.json"))
    assert label.type == "label.created"
    assert label.title == "Label :bug: Bugfix created in Codertocat/Hello-World by Codertocat"
    body = json.dumps(
        {"action": "sparkled", "sender": {"login": "alice"}, "repository": {"full_name": "a/w"}}
    ).encode()
    novel = parse_one("brand_new_thing", body)
    assert novel.type == "brand_new_thing.sparkled"
    assert novel.title == "Brand new thing sparkled in a/w by alice"
    no_header = parse_one(None, body)
    assert no_header.type == "unknown.sparkled"
    assert "a/w" in no_header.title
    assert "alice" in no_header.title


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"action": None, "sender": None, "repository": None},
        {"action": 7, "sender": "alice", "repository": ["acme/web"], "pull_request": "x"},
        {"pull_request": {"number": "two", "title": {"x": 1}, "merged": "yes", "labels": 3}},
        {"commits": "many", "ref": 5, "forced": "no", "head_commit": [], "compare": 1},
        {"workflow_run": {"conclusion": ["failure"], "updated_at": "not a date"}},
        {"alert": {"number": True, "security_advisory": None}, "action": "created"},
        {"release": {"published_at": "9999-12-31T23:59:59-01:00"}, "action": "published"},
        {"starred_at": 10**30, "action": "created"},
        {"commits": 5, "pages": 5, "labels": "bug", "branches": {"name": "main"}},
        {"commits": [1, None, "x"], "pages": [None, "x"], "changes": [1]},
    ],
)
@pytest.mark.parametrize("event", BUILDERS.names())
def test_odd_shapes_never_raise(event: str, document: dict[str, Any]) -> None:
    draft = parse_one(event, json.dumps(document).encode())
    assert draft.type.startswith(event)
    assert " " in draft.title
    # The specific builder copes on its own: no information lost to the generic fallback.
    assert BUILDERS[event](Payload(event, document)) == draft


def test_fallback_when_a_specific_builder_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(payload: Payload) -> EventDraft:
        raise KeyError("head_commit")

    monkeypatch.setattr(GitHubSource, "titles", BUILDERS.replaced("push", broken))
    draft = parse_one("push", fixture(PUSH))
    assert draft.type == "push"
    assert draft.title == "Push in Codertocat/Hello-World by Codertocat"
    assert (draft.actor, draft.subject) == ("Codertocat", "Codertocat/Hello-World")


@pytest.mark.parametrize(
    ("event", "body", "title"),
    [
        ("push", b"\xff\xfe not json", "GitHub sent a push delivery that is not JSON"),
        ("issues", b"", "GitHub sent an issues delivery that is not JSON"),
        ("push", b"[1, 2, 3]", "GitHub sent a push delivery that is not a JSON object"),
        (None, b"<html>", "GitHub sent a delivery that is not JSON"),
    ],
)
def test_body_that_is_not_a_json_object(event: str | None, body: bytes, title: str) -> None:
    draft = parse_one(event, body)
    assert draft.title == title
    assert draft.type == (event or "unknown")


def test_form_encoded_body_parses_like_json() -> None:
    body = fixture("issues/opened.payload.json")
    expected = parse_one("issues", body)
    form = urlencode({"payload": body.decode()}).encode()
    content_type = "application/x-www-form-urlencoded"
    assert parse_one("issues", form, **{"content-type": content_type}) == expected
    # Some proxies drop the content type: the `payload=` prefix is enough.
    assert parse_one("issues", form, **{"content-type": ""}) == expected
    headers = headers_for("issues", form, **{"content-type": content_type})
    assert SOURCE.verify(headers, form, [SECRET]) == 0


def test_delivery_id() -> None:
    assert SOURCE.delivery_id({"x-github-delivery": " abc-123 "}, b"") == "abc-123"
    assert SOURCE.delivery_id({"x-github-delivery": ""}, b"") is None
    assert SOURCE.delivery_id({}, b"{}") is None


# ---- verification -----------------------------------------------------------------------------


def test_official_test_vector() -> None:
    digest = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    headers = {"x-hub-signature-256": f"sha256={digest}"}
    assert SOURCE.verify(headers, b"Hello, World!", ["It's a Secret to Everybody"]) == 0


def _reason(headers: dict[str, str], body: bytes, secrets: list[str]) -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_signature_failures() -> None:
    body = fixture("push/payload.json")
    good = sign(body)
    changed = body[:100] + bytes([body[100] ^ 1]) + body[101:]
    assert _reason({"x-hub-signature-256": good}, changed, [SECRET]) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, ["another"]) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, []) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, [""]) == "bad_signature"
    assert _reason({}, body, [SECRET]) == "missing_signature"
    assert _reason({"x-hub-signature-256": "  "}, body, [SECRET]) == "missing_signature"
    legacy = {"x-hub-signature": "sha1=" + "0" * 40}
    assert _reason(legacy, body, [SECRET]) == "missing_signature"


@pytest.mark.parametrize(
    "header",
    [
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # no sha256=
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
        "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # not hex
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e",  # short
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700",  # long
        "sha256=75 7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=\uff17\uff157107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=é57107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=",
    ],
)
def test_malformed_signature(header: str) -> None:
    reason = _reason({"x-hub-signature-256": header}, b"Hello, World!", ["x"])
    assert reason == "malformed_signature"


def test_rotation_reports_which_secret_matched() -> None:
    body = fixture("ping/payload.json")
    headers = {"x-hub-signature-256": sign(body, "new-secret")}
    assert SOURCE.verify(headers, body, ["old-secret", "new-secret"]) == 1
    assert SOURCE.verify(headers, body, ["new-secret", "old-secret"]) == 0
    assert SOURCE.verify(headers, body, ["new-secret", "new-secret"]) == 0
    upper = {"x-hub-signature-256": "SHA256=" + sign(body, "new-secret")[7:].upper()}
    assert SOURCE.verify(upper, body, ["old-secret", "new-secret"]) == 1


# ---- garbage in --------------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from(
    [
        "x-github-event",
        "x-hub-signature-256",
        "x-hub-signature",
        "x-github-delivery",
        "content-type",
    ]
)
HEADERS = st.dictionaries(HEADER_NAMES | st.text(max_size=20), st.text(max_size=120))
CONTENT_TYPES = st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""])
SECRETS = st.lists(st.text(max_size=40), max_size=3)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(headers=HEADERS, body=st.binary(max_size=400), secrets=SECRETS)
def test_arbitrary_bytes_and_headers_never_raise(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) >= 1
    assert all(d.title for d in drafts)
    SOURCE.delivery_id(headers, body)
    try:
        SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass


KEYS = st.sampled_from(
    [
        "action",
        "sender",
        "login",
        "repository",
        "full_name",
        "organization",
        "pull_request",
        "number",
        "title",
        "merged",
        "ref",
        "commits",
        "forced",
        "created",
        "deleted",
        "workflow_run",
        "conclusion",
        "status",
        "state",
        "alert",
        "severity",
        "release",
        "tag_name",
        "issue",
        "comment",
        "deployment",
        "deployment_status",
        "environment",
        "head_branch",
        "updated_at",
        "html_url",
        "name",
        "labels",
        "pages",
        "changes",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-05-01T10:00:00Z", "refs/heads/main", "https://x.test", "failure"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)
EVENTS = st.sampled_from(BUILDERS.names()) | st.text(max_size=30)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(event=EVENTS, document=st.dictionaries(KEYS, JSON_VALUES, max_size=8), kind=CONTENT_TYPES)
def test_arbitrary_json_shapes_never_raise(event: str, document: dict[str, Any], kind: str) -> None:
    raw = json.dumps(document).encode()
    body = urlencode({"payload": raw.decode()}).encode() if "form" in kind else raw
    drafts = SOURCE.parse({"x-github-event": event, "content-type": kind}, body)
    assert len(drafts) == 1
    assert drafts[0].title
    assert all(isinstance(v, str | int | float | bool) for v in drafts[0].fields.values())
