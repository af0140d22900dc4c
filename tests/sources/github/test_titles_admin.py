"""GitHub titles for settings, access, apps, packages, projects and the smaller events, and
the severities that ask a person to look."""

from __future__ import annotations

import pytest

from echodash.events import Category, EventDraft, Outcome, Severity
from tests.sources.github.helpers import edited, fixture, parse_one
from tests.sources.github.samples import EXTRA

HELLO = "Codertocat/Hello-World"


@pytest.mark.parametrize(
    ("event", "name", "title", "severity"),
    [
        (
            "branch_protection_rule",
            "deleted",
            "Codertocat deleted the protection rule for production in octo-org/octo-repo",
            Severity.WARNING,
        ),
        (
            "deploy_key",
            "created",
            f"Codertocat created deploy key hey-its-a-deploy-key in {HELLO}",
            Severity.INFO,
        ),
        (
            "meta",
            "deleted",
            f"Codertocat deleted the GitHub webhook for {HELLO}: no more events will arrive"
            " from it",
            Severity.WARNING,
        ),
        ("milestone", "closed", f"Codertocat closed milestone v1.0 in {HELLO}", Severity.INFO),
        (
            "membership",
            "added",
            "Codertocat added Codertocat to team github in Octocoders",
            Severity.INFO,
        ),
        ("organization", "member_added", "hacktocat joined Octocoders", Severity.INFO),
        (
            "organization",
            "member_invited",
            "Codertocat invited hacktocat to Octocoders",
            Severity.INFO,
        ),
        ("org_block", "blocked", "Octocoders blocked hacktocat in Octocoders", Severity.INFO),
        ("team", "created", "Codertocat created team github in Octocoders", Severity.INFO),
        (
            "team",
            "added_to_repository",
            "Codertocat gave team github access to Octocoders/Hello-World",
            Severity.INFO,
        ),
        (
            "installation",
            "created",
            "Codertocat installed the GitHub App on Codertocat",
            Severity.INFO,
        ),
        (
            "installation",
            "deleted",
            "octocat uninstalled the GitHub App from octocat",
            Severity.WARNING,
        ),
        (
            "installation_repositories",
            "added",
            "Codertocat added 1 repository to the app installation on Codertocat",
            Severity.INFO,
        ),
        (
            "github_app_authorization",
            "revoked",
            "octocat revoked their authorization of the GitHub App",
            Severity.INFO,
        ),
        (
            "marketplace_purchase",
            "purchased",
            "username bought Basic Plan on GitHub Marketplace",
            Severity.SUCCESS,
        ),
        (
            "marketplace_purchase",
            "cancelled",
            "organizationUsername cancelled Premium Plan on GitHub Marketplace",
            Severity.WARNING,
        ),
        (
            "sponsorship",
            "created",
            "monalisa started sponsoring octocat ($5 a month)",
            Severity.SUCCESS,
        ),
        (
            "project_column",
            "created",
            f"Codertocat created project column Small bugfixes in {HELLO}",
            Severity.INFO,
        ),
        (
            "projects_v2_item",
            "archived",
            "Codertocat archived a project item (Issue) in Octocoders",
            Severity.INFO,
        ),
        (
            "repository_dispatch",
            "payload",
            "Codertocat dispatched on-demand-test on master in octo-org/octo-repo",
            Severity.INFO,
        ),
        ("repository_import", "payload", f"Import of {HELLO} finished", Severity.SUCCESS),
        ("page_build", "payload", f"Pages built for 507fc9a in {HELLO}", Severity.SUCCESS),
        (
            "merge_group",
            "checks_requested",
            "Merge queue for main requested checks in octo-org/octo-repo",
            Severity.INFO,
        ),
    ],
)
def test_titles_and_severities(event: str, name: str, title: str, severity: Severity) -> None:
    file = "payload.json" if name == "payload" else f"{name}.payload.json"
    draft = parse_one(event, fixture(f"{event}/{file}"))
    assert draft.title == title
    assert draft.severity is severity


def test_the_package_events_name_the_package_and_version() -> None:
    for event in ("package", "registry_package"):
        draft = parse_one(event, fixture(f"{event}/published.docker.payload.json"))
        assert draft.title.startswith("Codertocat published npm package hello-world-npm ") or (
            draft.title.startswith("github-actions[bot] published npm package hello-world-npm ")
        )
        assert draft.title.endswith(" in Codertocat/hello-world-npm")
        assert (draft.category, draft.fields["package"]) == (Category.RELEASE, "hello-world-npm")


def test_a_deployment_waiting_for_approval_asks_a_person_to_look() -> None:
    name = "deployment_review/requested.payload.json"
    draft = parse_one("deployment_review", fixture(name))
    assert draft.title == (
        "Build pull_request 3 by @ilmax waits for approval to deploy to TST"
        " in terraform-test-github/sample-app (asked by ilmax)"
    )
    assert draft.severity is Severity.WARNING
    assert (draft.category, draft.environment) == (Category.DEPLOYMENT, "TST")
    assert draft.commits == ("5275a45b7e99c7fd7265b790392c10a74101a67a",)
    approved = edited(name, {"action": "approved", "approver": {"login": "octocat"}})
    done = parse_one("deployment_review", approved)
    assert done.title.startswith("octocat approved deploying Build pull_request 3 by @ilmax to TST")
    assert done.severity is Severity.INFO
    rejected = parse_one("deployment_review", edited(name, {"action": "rejected"}))
    assert rejected.severity is Severity.WARNING


def test_a_deploy_key_that_can_push_is_a_warning() -> None:
    body = edited("deploy_key/created.payload.json", {"key.read_only": False})
    draft = parse_one("deploy_key", body)
    assert draft.title == (
        f"Codertocat created deploy key hey-its-a-deploy-key with write access in {HELLO}"
    )
    assert draft.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("status", "phrase", "outcome", "severity"),
    [
        ("built", "Pages built", Outcome.SUCCESS, Severity.SUCCESS),
        ("errored", "Pages build failed", Outcome.FAILURE, Severity.ERROR),
        ("building", "Pages build started", Outcome.STARTED, Severity.INFO),
    ],
)
def test_pages_builds(status: str, phrase: str, outcome: Outcome, severity: Severity) -> None:
    draft = parse_one("page_build", edited("page_build/payload.json", {"build.status": status}))
    assert draft.title == f"{phrase} for 507fc9a in {HELLO}"
    assert (draft.category, draft.outcome, draft.severity) == (Category.BUILD, outcome, severity)
    assert draft.commits == ("507fc9acd0d04ac4a9db87d12cb228c052cd813a",)


@pytest.mark.parametrize(
    ("reason", "outcome", "severity"),
    [
        ("merged", Outcome.SUCCESS, Severity.SUCCESS),
        ("invalidated", Outcome.FAILURE, Severity.WARNING),
        ("dequeued", Outcome.CANCELLED, Severity.INFO),
    ],
)
def test_merge_queue_groups_end(reason: str, outcome: Outcome, severity: Severity) -> None:
    body = edited(
        "merge_group/checks_requested.payload.json", {"action": "destroyed", "reason": reason}
    )
    draft = parse_one("merge_group", body)
    assert draft.title == f"Merge queue group for main ended: {reason} in octo-org/octo-repo"
    assert (draft.outcome, draft.severity) == (outcome, severity)
    assert draft.commits == ("2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",)


def test_a_failed_import_is_an_error() -> None:
    body = edited("repository_import/payload.json", {"status": "failure"})
    draft = parse_one("repository_import", body)
    assert draft.title == f"Import of {HELLO} failed"
    assert (draft.severity, draft.outcome) == (Severity.ERROR, Outcome.FAILURE)


def test_a_renamed_label_says_both_names() -> None:
    body = edited("label/edited.payload.json", {"changes": {"name": {"from": "bugs"}}})
    draft = parse_one("label", body)
    assert draft.title == f"Codertocat renamed label bugs to :bug: Bugfix in {HELLO}"


# ---- events the fixtures lack: the samples made from GitHub's webhook docs ----------------


def _sample(event: str, name: str) -> EventDraft:
    (body,) = [body for e, n, body in EXTRA if (e, n) == (event, name)]
    return parse_one(event, body)


@pytest.mark.parametrize(
    ("event", "name", "title", "severity", "category"),
    [
        (
            "branch_protection_configuration",
            "disabled",
            f"Codertocat disabled branch protections for {HELLO}",
            Severity.WARNING,
            Category.CONFIG,
        ),
        (
            "repository_ruleset",
            "edited",
            f"Codertocat edited ruleset main protections for branches, now disabled in {HELLO}",
            Severity.WARNING,
            Category.CONFIG,
        ),
        (
            "custom_property",
            "created",
            "Codertocat created custom property environment in Octocoders",
            Severity.INFO,
            Category.CONFIG,
        ),
        (
            "custom_property_values",
            "updated",
            f"Codertocat set custom properties of {HELLO}: environment=production",
            Severity.INFO,
            Category.CONFIG,
        ),
        (
            "installation_target",
            "renamed",
            "Codertocat renamed the organization acme to acme-corp",
            Severity.INFO,
            Category.CONFIG,
        ),
        (
            "personal_access_token_request",
            "created",
            "octocat asked for a fine-grained token with access to Octocoders",
            Severity.WARNING,
            Category.CONFIG,
        ),
        (
            "personal_access_token_request",
            "denied",
            "Codertocat denied octocat's token request for Octocoders",
            Severity.INFO,
            Category.CONFIG,
        ),
        (
            "projects_v2_status_update",
            "at_risk",
            "Codertocat created a project status update: at risk in Octocoders",
            Severity.WARNING,
            Category.ISSUE,
        ),
        (
            "projects_v2_status_update",
            "complete",
            "Codertocat created a project status update: complete in Octocoders",
            Severity.SUCCESS,
            Category.ISSUE,
        ),
        (
            "sub_issues",
            "sub_issue_added",
            f"Codertocat added #5 Retry failed logins as a sub-issue of #2 Login epic in {HELLO}",
            Severity.INFO,
            Category.ISSUE,
        ),
        (
            "projects_v2",
            "closed",
            "Codertocat closed project Roadmap in Octocoders",
            Severity.INFO,
            Category.ISSUE,
        ),
        (
            "deployment_protection_rule",
            "requested",
            f"Deployment of main to production waits for a protection rule in {HELLO}",
            Severity.INFO,
            Category.DEPLOYMENT,
        ),
        (
            "repository_advisory",
            "reported",
            f"Advisory GHSA-abcd-1234-efgh reported in {HELLO}: Token leak in the login form"
            " (high)",
            Severity.WARNING,
            Category.ALERT,
        ),
        (
            "secret_scanning_alert_location",
            "created",
            f"Secret scanning alert #42 in {HELLO}: GitHub Personal Access Token found in"
            " config/settings.yml",
            Severity.WARNING,
            Category.ALERT,
        ),
        (
            "secret_scanning_scan",
            "completed",
            f"Secret scanning backfill scan of git completed in {HELLO}",
            Severity.INFO,
            Category.ALERT,
        ),
        (
            "security_and_analysis",
            "payload",
            f"Codertocat turned off secret scanning for {HELLO}",
            Severity.WARNING,
            Category.CONFIG,
        ),
    ],
)
def test_events_without_fixtures(
    event: str, name: str, title: str, severity: Severity, category: Category
) -> None:
    draft = _sample(event, name)
    assert draft.title == title
    assert (draft.severity, draft.category) == (severity, category)


def test_a_protection_rule_check_names_the_deployment() -> None:
    draft = _sample("deployment_protection_rule", "requested")
    assert (draft.environment, draft.outcome) == ("production", None)
    assert draft.commits == ("f95f852bd8fca8fcc58a9a2d6c842781e32a215e",)
    location = _sample("secret_scanning_alert_location", "created")
    assert location.commits == ("6113728f27ae82c7b1a177c8d03f9e96e0adf246",)
