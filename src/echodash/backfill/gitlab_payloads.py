"""GitLab REST API (v4) objects shaped as the webhooks that report them (pure functions).

Each item goes through the GitLab source's own parser, so the events (type, title, category,
service, environment, outcome) and metric facts are those its webhook would give. Only what
the API returns is used; what a webhook has and the API does not stays out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from echodash.backfill.base import Item
from echodash.events import iso
from echodash.sources.gitlab.reader import moment
from echodash.sources.gitlab.things import ZERO_SHA, thing_id

# What a webhook's `X-Gitlab-Event` header says for each kind built here.
_HOOKS = {
    "deployment": "Deployment Hook",
    "push": "Push Hook",
    "merge_request": "Merge Request Hook",
    "issue": "Issue Hook",
    "pipeline": "Pipeline Hook",
}
# Statuses that end a deployment or a pipeline: only those are read back (a running one is
# still under way, and its webhook reports it).
FINAL = frozenset({"success", "failed", "canceled"})


def when(value: Any) -> datetime | None:
    return moment(value) if isinstance(value, str) else None


def item(document: dict[str, Any], at: datetime) -> Item:
    body = orjson.dumps(document)
    key = thing_id(body)
    if key is None:  # every payload built here names its thing; a broken object does not
        raise ValueError(f"a {document.get('object_kind')} without its id")
    headers = {
        "x-gitlab-event": _HOOKS[str(document["object_kind"])],
        "content-type": "application/json",
    }
    return Item(key=key, headers=headers, body=body, at=at)


def project_hook(project: dict[str, Any]) -> dict[str, Any]:
    """The `project` object of a webhook, from the API's project."""
    namespace = project.get("namespace")
    return {
        "id": project.get("id"),
        "name": project.get("name"),
        "description": project.get("description"),
        "web_url": project.get("web_url"),
        "avatar_url": project.get("avatar_url"),
        "git_ssh_url": project.get("ssh_url_to_repo"),
        "git_http_url": project.get("http_url_to_repo"),
        "namespace": namespace.get("name") if isinstance(namespace, dict) else namespace,
        "path_with_namespace": project.get("path_with_namespace"),
        "default_branch": project.get("default_branch"),
        "homepage": project.get("web_url"),
        "url": project.get("http_url_to_repo"),
        "ssh_url": project.get("ssh_url_to_repo"),
        "http_url": project.get("http_url_to_repo"),
    }


def user_hook(user: Any) -> dict[str, Any] | None:
    if not isinstance(user, dict):
        return None
    return {
        "id": user.get("id"),
        "name": user.get("name"),
        "username": user.get("username"),
        "avatar_url": user.get("avatar_url"),
    }


def finished(deployment: dict[str, Any]) -> datetime | None:
    """When a deployment reached its status (`finished_at` since GitLab 15, else the last
    update, else its job's end)."""
    deployable = deployment.get("deployable") or {}
    return (
        when(deployment.get("finished_at"))
        or when(deployable.get("finished_at"))
        or when(deployment.get("updated_at"))
    )


def deployment(deployed: dict[str, Any], project: dict[str, Any]) -> Item | None:
    """The deployment webhook of a deployment's final status."""
    status = deployed.get("status")
    at = finished(deployed)
    if at is None or status not in FINAL:
        return None
    environment = deployed.get("environment") or {}
    deployable = deployed.get("deployable") or {}
    commit = deployable.get("commit") or {}
    sha = str(deployed.get("sha") or commit.get("id") or "")
    web = project.get("web_url")
    document = {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": iso(at),
        "deployment_id": deployed.get("id"),
        "deployable_id": deployable.get("id"),
        "deployable_url": f"{web}/-/jobs/{deployable['id']}"
        if web and deployable.get("id")
        else None,
        "environment": environment.get("name"),
        "environment_tier": environment.get("tier"),
        "environment_slug": environment.get("slug"),
        "environment_external_url": environment.get("external_url"),
        "project": project_hook(project),
        "short_sha": commit.get("short_id") or sha[:8],
        "user": user_hook(deployed.get("user")),
        "user_url": (deployed.get("user") or {}).get("web_url"),
        "commit_url": f"{web}/-/commit/{sha}" if web and sha else None,
        "commit_title": commit.get("title"),
        "ref": deployed.get("ref"),
        "sha": sha or None,
    }
    return item(document, at)


def _push_commit(commit: dict[str, Any], web: str | None) -> dict[str, Any]:
    sha = commit.get("id")
    return {
        "id": sha,
        "message": commit.get("message", ""),
        "title": commit.get("title", ""),
        "timestamp": commit.get("committed_date") or commit.get("created_at"),
        "url": commit.get("web_url") or (f"{web}/-/commit/{sha}" if web else None),
        "author": {"name": commit.get("author_name"), "email": commit.get("author_email")},
        "added": [],
        "modified": [],
        "removed": [],
    }


def push(
    project: dict[str, Any],
    branch: str,
    before: str | None,
    after: str,
    commits: list[dict[str, Any]],
    pushed_at: datetime,
    pusher: dict[str, Any] | None,
) -> Item:
    """The push that brought a deployment's commits (oldest first) to `branch`."""
    web = project.get("web_url")
    shaped = [_push_commit(c, web) for c in commits]
    hooked = project_hook(project)
    document = {
        "object_kind": "push",
        "event_name": "push",
        "before": before or ZERO_SHA,
        "after": after,
        "ref": f"refs/heads/{branch}",
        "ref_protected": True,
        "checkout_sha": after,
        "user_id": (pusher or {}).get("id"),
        "user_name": (pusher or {}).get("name"),
        "user_username": (pusher or {}).get("username"),
        "project_id": project.get("id"),
        "project": hooked,
        "commits": shaped,
        "total_commits_count": len(shaped),
        "repository": {
            "name": project.get("name"),
            "url": hooked["url"],
            "description": project.get("description"),
            "homepage": web,
            "git_http_url": hooked["git_http_url"],
            "git_ssh_url": hooked["git_ssh_url"],
        },
    }
    return item(document, pushed_at)


def _labels(labels: Any) -> list[dict[str, Any]]:
    """A webhook's label objects, from the API's (`with_labels_details`) or its names."""
    found = []
    for label in labels if isinstance(labels, list) else []:
        if isinstance(label, dict) and isinstance(label.get("name"), str):
            found.append(
                {
                    "id": label.get("id"),
                    "title": label["name"],
                    "color": label.get("color"),
                    "description": label.get("description"),
                    "type": "ProjectLabel",
                }
            )
        elif isinstance(label, str):
            found.append({"id": None, "title": label, "type": "ProjectLabel"})
    return found


def merged_merge_request(merge: dict[str, Any], project: dict[str, Any]) -> Item | None:
    at = when(merge.get("merged_at"))
    if at is None or merge.get("state") != "merged":
        return None
    labels = _labels(merge.get("labels"))
    merger = merge.get("merge_user") or merge.get("merged_by") or merge.get("author")
    attributes = {
        "id": merge.get("id"),
        "iid": merge.get("iid"),
        "title": merge.get("title"),
        "description": merge.get("description"),
        "state": "merged",
        "action": "merge",
        "target_branch": merge.get("target_branch"),
        "source_branch": merge.get("source_branch"),
        "author_id": (merge.get("author") or {}).get("id"),
        "created_at": merge.get("created_at"),
        "updated_at": iso(at),
        "merge_commit_sha": merge.get("merge_commit_sha") or merge.get("squash_commit_sha"),
        "last_commit": {"id": merge.get("sha")},
        "url": merge.get("web_url"),
        "draft": bool(merge.get("draft")),
        "labels": labels,
    }
    document = {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": user_hook(merger),
        "project": project_hook(project),
        "object_attributes": attributes,
        "labels": labels,
    }
    return item(document, at)


def issue_changes(issue: dict[str, Any], project: dict[str, Any], since: datetime) -> list[Item]:
    """The issue's opening and closing (with its labels as they are now) inside the window."""
    found = []
    labels = _labels(issue.get("labels"))
    kind = str(issue.get("issue_type") or issue.get("type") or "issue").lower()
    attributes = {
        "id": issue.get("id"),
        "iid": issue.get("iid"),
        "title": issue.get("title"),
        "description": issue.get("description"),
        "author_id": (issue.get("author") or {}).get("id"),
        "created_at": issue.get("created_at"),
        "confidential": bool(issue.get("confidential")),
        "url": issue.get("web_url"),
        "type": "Incident" if kind == "incident" else "Issue",
        "severity": issue.get("severity"),
        "labels": labels,
    }
    base = {
        "object_kind": "issue",
        "event_type": "incident" if kind == "incident" else "issue",
        "project": project_hook(project),
        "labels": labels,
    }
    opened, closed = when(issue.get("created_at")), when(issue.get("closed_at"))
    if opened is not None and opened >= since:
        shown = {
            **attributes,
            "action": "open",
            "state": "opened",
            "updated_at": issue.get("created_at"),
            "closed_at": None,
        }
        document = {**base, "user": user_hook(issue.get("author")), "object_attributes": shown}
        found.append(item(document, opened))
    if closed is not None and closed >= since and issue.get("state") == "closed":
        shown = {
            **attributes,
            "action": "close",
            "state": "closed",
            "updated_at": issue.get("closed_at"),
            "closed_at": issue.get("closed_at"),
        }
        closer = issue.get("closed_by") or issue.get("author")
        document = {**base, "user": user_hook(closer), "object_attributes": shown}
        found.append(item(document, closed))
    return found


def finished_pipeline(pipeline: dict[str, Any], project: dict[str, Any]) -> Item | None:
    """The pipeline webhook of a pipeline's final status. The list holds no duration nor
    end: the pipeline's last update stands for its end."""
    status = pipeline.get("status")
    at = when(pipeline.get("finished_at")) or when(pipeline.get("updated_at"))
    if at is None or status not in FINAL:
        return None
    attributes = {
        "id": pipeline.get("id"),
        "iid": pipeline.get("iid"),
        "name": pipeline.get("name"),
        "ref": pipeline.get("ref"),
        "tag": bool(pipeline.get("tag")),
        "sha": pipeline.get("sha"),
        "source": pipeline.get("source"),
        "status": status,
        "detailed_status": status,
        "created_at": pipeline.get("created_at"),
        "finished_at": iso(at),
        "duration": pipeline.get("duration"),
        "url": pipeline.get("web_url"),
    }
    document = {
        "object_kind": "pipeline",
        "object_attributes": attributes,
        "user": user_hook(pipeline.get("user")),
        "project": project_hook(project),
    }
    return item(document, at)
