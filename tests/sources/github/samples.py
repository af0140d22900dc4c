"""GitHub deliveries for the table-driven tests: every shared fixture (octokit's published
payloads, byte-exact), plus the cases the fixtures lack, made from them the way GitHub's
webhook docs describe those payloads (a merged pull request, a branch created, an incident
issue, failed runs and deployments…)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.support import GITHUB_FIXTURES

# Two upstream examples lack the `.payload` infix (`released.json`…): they are payloads too.
FIXTURES = sorted(GITHUB_FIXTURES.glob("*/*.json"))


def headers(event: str, name: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": str(uuid.uuid5(uuid.NAMESPACE_URL, f"github/{event}/{name}")),
    }


def fixture(name: str) -> bytes:
    return (GITHUB_FIXTURES / name).read_bytes()


def edited(name: str, changes: dict[str, Any]) -> bytes:
    """A fixture with dotted paths set (not byte-exact any more: for parsing only)."""
    document = json.loads(fixture(name))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return json.dumps(document).encode()


def made(base: str, fields: dict[str, Any]) -> bytes:
    """A delivery shaped as GitHub's webhook docs describe it, with the repository,
    organization and sender of a fixture."""
    document = json.loads(fixture(base))
    common = ("repository", "organization", "installation", "sender")
    return json.dumps({**fields, **{k: document[k] for k in common if k in document}}).encode()


IN_REPO = "label/created.payload.json"
IN_ORG = "organization/renamed.payload.json"


def _fixture_sample(path: Path) -> tuple[dict[str, str], bytes]:
    return headers(path.parent.name, path.name), path.read_bytes()


MERGE_SHA = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
INCIDENT = {"name": "incident", "color": "b60205", "default": False}
PR_LINK = {"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
DEPLOY = "deployment_status/payload.json"
RUN = "workflow_run/completed.with-pull-requests.payload.json"
CHECK = "check_run/completed.1.payload.json"

# (event, name, body)
EXTRA: list[tuple[str, str, bytes]] = [
    (
        "pull_request",
        "closed.merged",
        edited(
            "pull_request/closed.payload.json",
            {
                "pull_request.merged": True,
                "pull_request.merged_at": "2019-05-15T15:21:20Z",
                "pull_request.merge_commit_sha": MERGE_SHA,
            },
        ),
    ),
    (
        "push",
        "to-main",
        edited(
            "push/with-new-branch.payload.json",
            {"ref": "refs/heads/main", "created": False, "forced": True},
        ),
    ),
    (
        "create",
        "branch",
        edited("create/payload.json", {"ref": "feature/login", "ref_type": "branch"}),
    ),
    ("delete", "branch", edited("delete/payload.json", {"ref": "old-ui", "ref_type": "branch"})),
    (
        "issues",
        "opened.incident",
        edited("issues/opened.payload.json", {"issue.labels": [INCIDENT]}),
    ),
    (
        "issues",
        "closed.incident",
        edited(
            "issues/opened.payload.json",
            {
                "action": "closed",
                "issue.labels": [{"name": "Incident"}],
                "issue.state": "closed",
                "issue.state_reason": "completed",
            },
        ),
    ),
    (
        "issue_comment",
        "created.on-pull-request",
        edited("issue_comment/created.1.payload.json", {"issue.pull_request": PR_LINK}),
    ),
    *(
        (
            "deployment_status",
            state,
            edited(DEPLOY, {"deployment_status.state": state}),
        )
        for state in ("failure", "error", "pending", "queued", "in_progress", "inactive")
    ),
    *(
        ("workflow_run", conclusion, edited(RUN, {"workflow_run.conclusion": conclusion}))
        for conclusion in ("failure", "cancelled", "skipped", "timed_out", "neutral")
    ),
    (
        "workflow_run",
        "in_progress",
        edited(RUN, {"action": "in_progress", "workflow_run.status": "in_progress"}).replace(
            b'"conclusion": "success"', b'"conclusion": null'
        ),
    ),
    (
        "check_run",
        "requested_action",
        edited(CHECK, {"action": "requested_action", "requested_action": {"identifier": "fix"}}),
    ),
    ("status", "failure", edited("status/payload.json", {"state": "failure"})),
    ("status", "pending", edited("status/payload.json", {"state": "pending"})),
    (
        "secret_scanning_alert",
        "created",
        edited("secret_scanning_alert/reopened.payload.json", {"action": "created"}),
    ),
    (
        "member",
        "removed",
        edited("member/added.payload.json", {"action": "removed"}),
    ),
    (
        "projects_v2",
        "closed",
        edited(
            "projects_v2_item/archived.payload.json",
            {
                "action": "closed",
                "projects_v2": {"number": 2, "title": "Roadmap", "closed": True},
                "projects_v2_item": None,
                "changes": None,
            },
        ),
    ),
    *(
        (
            "merge_group",
            f"destroyed.{reason}",
            edited(
                "merge_group/checks_requested.payload.json",
                {"action": "destroyed", "reason": reason},
            ),
        )
        for reason in ("merged", "invalidated", "dequeued")
    ),
    (
        "page_build",
        "errored",
        edited(
            "page_build/payload.json",
            {"build.status": "errored", "build.error": {"message": "Page build failed."}},
        ),
    ),
    (
        "page_build",
        "building",
        edited("page_build/payload.json", {"build.status": "building"}),
    ),
    *(
        (
            "deployment_review",
            action,
            edited(
                "deployment_review/requested.payload.json",
                {"action": action, "approver": {"login": "octocat"}, "comment": "Ship it"},
            ),
        )
        for action in ("approved", "rejected")
    ),
    (
        "installation",
        "suspend",
        edited("installation/created.payload.json", {"action": "suspend"}),
    ),
    (
        "repository_import",
        "failure",
        edited("repository_import/payload.json", {"status": "failure"}),
    ),
    (
        "deploy_key",
        "created.read-write",
        edited("deploy_key/created.payload.json", {"key.read_only": False}),
    ),
    (
        "sponsorship",
        "cancelled",
        edited("sponsorship/created.payload.json", {"action": "cancelled"}),
    ),
]


def _secret_scanning_turned_off() -> bytes:
    before = {"security_and_analysis": {"secret_scanning": {"status": "enabled"}}}
    document = json.loads(made(IN_REPO, {"changes": {"from": before}}))
    document["repository"]["security_and_analysis"] = {"secret_scanning": {"status": "disabled"}}
    return json.dumps(document).encode()


# Events the fixtures lack altogether.
EXTRA += [
    (
        "branch_protection_configuration",
        "disabled",
        made(IN_REPO, {"action": "disabled"}),
    ),
    (
        "repository_ruleset",
        "edited",
        made(
            IN_REPO,
            {
                "action": "edited",
                "repository_ruleset": {
                    "id": 21,
                    "name": "main protections",
                    "target": "branch",
                    "source_type": "Repository",
                    "source": "Codertocat/Hello-World",
                    "enforcement": "disabled",
                    "created_at": "2024-05-01T10:00:00Z",
                    "updated_at": "2024-05-02T10:00:00Z",
                },
                "changes": {"enforcement": {"from": "active"}},
            },
        ),
    ),
    (
        "custom_property",
        "created",
        made(
            IN_ORG,
            {
                "action": "created",
                "definition": {
                    "property_name": "environment",
                    "value_type": "single_select",
                    "allowed_values": ["production", "staging"],
                },
            },
        ),
    ),
    (
        "custom_property_values",
        "updated",
        made(
            IN_REPO,
            {
                "action": "updated",
                "new_property_values": [{"property_name": "environment", "value": "production"}],
                "old_property_values": [{"property_name": "environment", "value": "staging"}],
            },
        ),
    ),
    (
        "deployment_protection_rule",
        "requested",
        made(
            IN_REPO,
            {
                "action": "requested",
                "environment": "production",
                "event": "push",
                "deployment_callback_url": "https://api.github.com/repos/Codertocat/Hello-World/actions/runs/1/deployment_protection_rule",
                "deployment": {
                    "id": 145988746,
                    "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
                    "ref": "main",
                    "task": "deploy",
                    "environment": "production",
                    "created_at": "2024-05-01T10:00:00Z",
                },
            },
        ),
    ),
    (
        "installation_target",
        "renamed",
        made(
            "installation/created.payload.json",
            {
                "action": "renamed",
                "account": {"login": "acme-corp", "type": "Organization"},
                "changes": {"login": {"from": "acme"}},
                "target_type": "Organization",
            },
        ),
    ),
    *(
        (
            "personal_access_token_request",
            action,
            made(
                IN_ORG,
                {
                    "action": action,
                    "personal_access_token_request": {
                        "id": 25381,
                        "owner": {"login": "octocat"},
                        "repository_selection": "subset",
                        "repository_count": 1,
                        "created_at": "2024-05-01T10:00:00Z",
                        "token_expired": False,
                        "token_expires_at": "2024-08-01T10:00:00Z",
                    },
                },
            ),
        )
        for action in ("created", "approved", "denied", "cancelled")
    ),
    *(
        (
            "projects_v2_status_update",
            status.lower(),
            made(
                IN_ORG,
                {
                    "action": "created",
                    "projects_v2_status_update": {
                        "id": 7,
                        "status": status,
                        "body": "Waiting on the payments team",
                        "start_date": "2024-05-01",
                        "target_date": "2024-06-01",
                        "created_at": "2024-05-01T10:00:00Z",
                        "updated_at": "2024-05-01T10:00:00Z",
                    },
                },
            ),
        )
        for status in ("ON_TRACK", "AT_RISK", "COMPLETE")
    ),
    (
        "sub_issues",
        "sub_issue_added",
        made(
            IN_REPO,
            {
                "action": "sub_issue_added",
                "sub_issue_id": 9,
                "sub_issue": {"number": 5, "title": "Retry failed logins"},
                "parent_issue_id": 8,
                "parent_issue": {"number": 2, "title": "Login epic"},
            },
        ),
    ),
    (
        "repository_advisory",
        "reported",
        made(
            IN_REPO,
            {
                "action": "reported",
                "repository_advisory": {
                    "ghsa_id": "GHSA-abcd-1234-efgh",
                    "summary": "Token leak in the login form",
                    "severity": "high",
                    "state": "triage",
                    "html_url": "https://github.com/Codertocat/Hello-World/security/advisories/GHSA-abcd-1234-efgh",
                },
            },
        ),
    ),
    (
        "secret_scanning_alert_location",
        "created",
        made(
            IN_REPO,
            {
                "action": "created",
                "alert": {
                    "number": 42,
                    "secret_type": "github_personal_access_token",
                    "secret_type_display_name": "GitHub Personal Access Token",
                    "html_url": "https://github.com/Codertocat/Hello-World/security/secret-scanning/42",
                },
                "location": {
                    "type": "commit",
                    "details": {
                        "path": "config/settings.yml",
                        "start_line": 3,
                        "end_line": 3,
                        "commit_sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                    },
                },
            },
        ),
    ),
    (
        "secret_scanning_scan",
        "completed",
        made(
            IN_REPO,
            {
                "action": "completed",
                "type": "backfill",
                "source": "git",
                "started_at": "2024-05-01T10:00:00Z",
                "completed_at": "2024-05-01T10:05:00Z",
            },
        ),
    ),
    ("security_and_analysis", "payload", _secret_scanning_turned_off()),
]

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    *(_fixture_sample(path) for path in FIXTURES),
    *((headers(event, name), body) for event, name, body in EXTRA),
]
