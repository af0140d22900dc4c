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

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    *(_fixture_sample(path) for path in FIXTURES),
    *((headers(event, name), body) for event, name, body in EXTRA),
]
