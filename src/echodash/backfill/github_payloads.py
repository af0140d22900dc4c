"""GitHub REST API objects shaped as the webhooks that report them (pure functions).

Each item goes through the GitHub source's own parser, so the events (type, title, category,
service, environment, outcome) and metric facts are those its webhook would give. Only what
the API returns is used; what a webhook has and the API does not stays out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from echodash.backfill.base import Item
from echodash.backfill.http import epoch
from echodash.sources.github.things import thing_id
from echodash.sources.kit.text import moment

NO_COMMIT = "0" * 40


def when(value: Any) -> datetime | None:
    return moment(value) if isinstance(value, str) else None


def item(event: str, document: dict[str, Any], at: datetime) -> Item:
    body = orjson.dumps(document)
    key = thing_id(event, body)
    if key is None:  # every payload built here names its thing; a broken object does not
        raise ValueError(f"a {event} without its id")
    headers = {"x-github-event": event, "content-type": "application/json"}
    return Item(key=key, headers=headers, body=body, at=at)


def deployment_status(
    status: dict[str, Any], deployment: dict[str, Any], repo: dict[str, Any]
) -> Item | None:
    at = when(status.get("created_at"))
    if at is None:
        return None
    document = {
        "action": "created",
        "deployment_status": status,
        "deployment": deployment,
        "repository": repo,
        "sender": status.get("creator") or deployment.get("creator"),
    }
    return item("deployment_status", document, at)


def _push_commit(commit: dict[str, Any]) -> dict[str, Any]:
    inner = commit.get("commit") or {}
    author = inner.get("author") or {}
    committer = inner.get("committer") or {}
    return {
        "id": commit.get("sha"),
        "tree_id": (inner.get("tree") or {}).get("sha"),
        "distinct": True,
        "message": inner.get("message", ""),
        "timestamp": author.get("date") or committer.get("date"),
        "url": commit.get("html_url"),
        "author": {
            "name": author.get("name"),
            "email": author.get("email"),
            "username": (commit.get("author") or {}).get("login"),
        },
        "committer": {"name": committer.get("name"), "email": committer.get("email")},
        "added": [],
        "removed": [],
        "modified": [],
    }


def push(
    repo: dict[str, Any],
    branch: str,
    before: str | None,
    after: str,
    commits: list[dict[str, Any]],
    pushed_at: datetime,
    pusher: dict[str, Any] | None,
) -> Item:
    """The push that brought a deployment's commits (oldest first) to `branch`."""
    shaped = [_push_commit(c) for c in commits]
    head = next((c for c in shaped if c["id"] == after), shaped[-1] if shaped else None)
    html = repo.get("html_url")
    document = {
        "ref": f"refs/heads/{branch}",
        "before": before or NO_COMMIT,
        "after": after,
        "created": False,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"{html}/compare/{before[:12]}...{after[:12]}" if html and before else html,
        "commits": shaped,
        "head_commit": head,
        "repository": {**repo, "pushed_at": epoch(pushed_at)},
        "pusher": {"name": (pusher or {}).get("login"), "email": None},
        "sender": pusher,
    }
    return item("push", document, pushed_at)


def merged_pull_request(pull: dict[str, Any], repo: dict[str, Any]) -> Item | None:
    at = when(pull.get("merged_at"))
    if at is None:
        return None
    document = {
        "action": "closed",
        "number": pull.get("number"),
        "pull_request": {**pull, "state": "closed", "merged": True},
        "repository": repo,
        "sender": pull.get("merged_by") or pull.get("user"),
    }
    return item("pull_request", document, at)


def completed_run(run: dict[str, Any], repo: dict[str, Any]) -> Item | None:
    at = when(run.get("updated_at")) or when(run.get("created_at"))
    if at is None or run.get("status") != "completed":
        return None
    document = {
        "action": "completed",
        "workflow_run": run,
        "workflow": {
            "id": run.get("workflow_id"),
            "name": run.get("name"),
            "path": run.get("path"),
        },
        "repository": repo,
        "sender": run.get("triggering_actor") or run.get("actor"),
    }
    return item("workflow_run", document, at)


def published_release(release: dict[str, Any], repo: dict[str, Any]) -> Item | None:
    at = when(release.get("published_at"))
    if at is None or release.get("draft"):
        return None
    document = {
        "action": "published",
        "release": release,
        "repository": repo,
        "sender": release.get("author"),
    }
    return item("release", document, at)


def issue_changes(issue: dict[str, Any], repo: dict[str, Any], since: datetime) -> list[Item]:
    """The issue's opening and closing (with its labels as they are now) inside the window."""
    found = []
    opened, closed = when(issue.get("created_at")), when(issue.get("closed_at"))
    if opened is not None and opened >= since:
        shown = {**issue, "state": "open", "closed_at": None, "updated_at": issue["created_at"]}
        document = {"action": "opened", "issue": shown, "repository": repo}
        found.append(item("issues", {**document, "sender": issue.get("user")}, opened))
    if closed is not None and closed >= since and issue.get("state") == "closed":
        document = {"action": "closed", "issue": issue, "repository": repo}
        sender = issue.get("closed_by") or issue.get("user")
        found.append(item("issues", {**document, "sender": sender}, closed))
    return found
