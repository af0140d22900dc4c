"""GitHub titles for runs, checks, statuses, deployments, releases and security alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from echodash.events import Severity
from tests.sources.github.helpers import (
    edited,
    fixture,
    parse_one,
)

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
