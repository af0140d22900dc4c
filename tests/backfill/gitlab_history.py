"""One GitLab project's history, two ways: as GitLab's REST API holds it (for a backfill), and
as the webhooks (`X-Gitlab-Token`) that would have reported the same things (to compare with).

acme/web: a production deployment before the window (the predecessor), then in the window
D1 (success: brings c3, c4), D2 (failed), D3 to staging, D4 (success: brings c5, c6, compared
from D1 since D2 failed); an incident issue (labelled `incident`) opened after D4 and closed 45
minutes later; a plain issue; a merge request merged in the window and one merged before it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.backfill.gitlab_api import (
    USER,
    WEB,
    FakeGitLab,
    commit,
    deployment,
    pipeline,
    project,
)
from tests.http.metric_events import iso
from tests.support import Server

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
T0 = (datetime.now(UTC) - timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
SINCE = T0 - DAY
UNTIL = T0 + 10 * DAY
SHA = {n: f"{n:x}" * 40 for n in range(1, 8)}
INCIDENT_OPENED = T0 + DAY + 5 * HOUR
INCIDENT_CLOSED = INCIDENT_OPENED + 45 * MINUTE
COMMITTED = dict(
    enumerate(
        [T0 - 40 * DAY, T0 - 10 * DAY, T0 + HOUR, T0 + 2 * HOUR, T0 + DAY, T0 + DAY + 2 * HOUR],
        start=1,
    )
)
D1_DONE = T0 + 3 * HOUR + 10 * MINUTE
D3_DONE = T0 + DAY + 3 * HOUR + 5 * MINUTE
D4_DONE = T0 + DAY + 4 * HOUR + 15 * MINUTE
# What the backfill brings: 4 deployments in the window (D1, D2, D3, D4), 2 pushes (the commits
# D1 and D4 shipped), 1 merged merge request, 2 finished pipelines (a running one is left to
# its webhooks), and 3 issue changes.
ITEMS = {"deployment": 4, "push": 2, "merge_request": 1, "pipeline": 2, "issue": 3}
TOTAL = sum(ITEMS.values())
PIPELINE_DONE = T0 + 2 * HOUR + 20 * MINUTE


def _issue(iid: int, opened: datetime, closed: datetime | None, labels: list[str]) -> Any:
    return {
        "id": 7000 + iid,
        "iid": iid,
        "project_id": 15,
        "title": f"Checkout fails ({iid})" if labels else f"Typo in README ({iid})",
        "description": "Customers cannot pay.",
        "state": "closed" if closed else "opened",
        "created_at": iso(opened),
        "updated_at": iso(closed or opened),
        "closed_at": None if closed is None else iso(closed),
        "closed_by": USER if closed else None,
        "labels": [
            {"id": 40 + n, "name": name, "color": "#ff0000", "description": None}
            for n, name in enumerate(labels)
        ],
        "author": USER,
        "type": "ISSUE",
        "issue_type": "issue",
        "confidential": False,
        "web_url": f"{WEB}/acme/web/-/issues/{iid}",
    }


def _merge_request(iid: int, merged: datetime) -> Any:
    return {
        "id": 3000 + iid,
        "iid": iid,
        "project_id": 15,
        "title": f"Speed up checkout ({iid})",
        "description": "",
        "state": "merged",
        "created_at": iso(merged - 2 * HOUR),
        "updated_at": iso(merged),
        "merged_at": iso(merged),
        "merged_by": USER,
        "merge_user": USER,
        "target_branch": "main",
        "source_branch": f"speed-{iid}",
        "author": USER,
        "labels": ["performance"],
        "draft": False,
        "sha": SHA[4],
        "merge_commit_sha": SHA[4],
        "squash_commit_sha": None,
        "web_url": f"{WEB}/acme/web/-/merge_requests/{iid}",
    }


def gitlab_history() -> FakeGitLab:
    commits = [
        commit(SHA[n], at, f"change {n}", SHA[n - 1] if n > 1 else None)
        for n, at in COMMITTED.items()
    ]
    return FakeGitLab(
        commits=commits,
        deployments=[
            deployment(100, SHA[2], T0 - 9 * DAY, T0 - 9 * DAY + 10 * MINUTE),
            deployment(101, SHA[4], T0 + 3 * HOUR, D1_DONE),
            deployment(102, SHA[5], T0 + DAY + HOUR, T0 + DAY + HOUR + 5 * MINUTE, "failed"),
            deployment(103, SHA[6], T0 + DAY + 3 * HOUR, D3_DONE, env="staging"),
            deployment(104, SHA[6], T0 + DAY + 4 * HOUR, D4_DONE),
        ],
        merge_requests=[
            _merge_request(5, T0 + 2 * HOUR + 30 * MINUTE),
            _merge_request(3, T0 - 5 * DAY),
        ],
        pipelines=[
            pipeline(951, SHA[4], "success", T0 + 2 * HOUR + 5 * MINUTE, PIPELINE_DONE),
            pipeline(952, SHA[5], "failed", T0 + DAY + 5 * MINUTE, T0 + DAY + 12 * MINUTE),
            pipeline(953, SHA[6], "running", T0 + DAY + 2 * HOUR, T0 + DAY + 2 * HOUR),
            pipeline(940, SHA[2], "success", T0 - 10 * DAY, T0 - 10 * DAY),
        ],
        issues=[
            _issue(77, INCIDENT_OPENED, INCIDENT_CLOSED, ["incident"]),
            _issue(78, T0 + 2 * HOUR, None, []),
            _issue(60, T0 - 30 * DAY, T0 - 20 * DAY, ["incident"]),
        ],
    )


# ---- webhooks, as GitLab sends them -------------------------------------------------------


def _project_hook(path: str, number: int) -> dict[str, Any]:
    found = project(path, number)
    return {
        "id": number,
        "name": found["name"],
        "description": None,
        "web_url": found["web_url"],
        "avatar_url": None,
        "git_ssh_url": found["ssh_url_to_repo"],
        "git_http_url": found["http_url_to_repo"],
        "namespace": "acme",
        "visibility_level": 0,
        "path_with_namespace": path,
        "default_branch": "main",
        "homepage": found["web_url"],
        "url": found["ssh_url_to_repo"],
        "ssh_url": found["ssh_url_to_repo"],
        "http_url": found["http_url_to_repo"],
    }


def deployment_hook(
    path: str, number: int, number_id: int, sha: str, at: datetime, env: str = "production",
    status: str = "success",
) -> bytes:  # fmt: skip
    """A deployment webhook of `path` (project `number`) for deployment `number_id`."""
    document = {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": at.strftime("%Y-%m-%d %H:%M:%S +0000"),
        "deployment_id": number_id,
        "deployable_id": number_id * 10,
        "deployable_url": f"{WEB}/{path}/-/jobs/{number_id * 10}",
        "environment": env,
        "environment_tier": env,
        "environment_slug": env,
        "environment_external_url": f"https://{env}.acme.example.com",
        "project": _project_hook(path, number),
        "short_sha": sha[:8],
        "user": {k: USER[k] for k in ("id", "name", "username", "avatar_url")},
        "user_url": USER["web_url"],
        "commit_url": f"{WEB}/{path}/-/commit/{sha}",
        "commit_title": "change",
        "ref": "main",
    }
    return json.dumps(document).encode()


def push_hook(path: str, number: int, before: str, head: int, commits: list[int]) -> bytes:
    """A push webhook to main of `commits` (oldest first) with `head` on top."""
    shaped = [
        {
            "id": SHA[n],
            "message": f"change {n}\n",
            "title": f"change {n}",
            "timestamp": iso(COMMITTED[n]),
            "url": f"{WEB}/{path}/-/commit/{SHA[n]}",
            "author": {"name": "Alice Liddell", "email": "alice@example.com"},
            "added": [],
            "modified": [],
            "removed": [],
        }
        for n in commits
    ]
    document = {
        "object_kind": "push",
        "event_name": "push",
        "before": before,
        "after": SHA[head],
        "ref": "refs/heads/main",
        "checkout_sha": SHA[head],
        "user_id": 1,
        "user_name": "Alice Liddell",
        "user_username": "alice",
        "project_id": number,
        "project": _project_hook(path, number),
        "commits": shaped,
        "total_commits_count": len(shaped),
        "repository": {"name": path.split("/")[1], "homepage": f"{WEB}/{path}"},
    }
    return json.dumps(document).encode()


def issue_hook(path: str, number: int, action: str, closed: datetime | None) -> bytes:
    """Issue #77's opening or closing (labelled `incident`)."""
    labels = [{"id": 40, "title": "incident", "color": "#ff0000", "type": "ProjectLabel"}]
    stamp = closed or INCIDENT_OPENED
    attributes = {
        "id": 7077,
        "iid": 77,
        "title": "Checkout fails (77)",
        "description": "Customers cannot pay.",
        "state": "closed" if action == "close" else "opened",
        "action": action,
        "created_at": INCIDENT_OPENED.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "updated_at": stamp.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "closed_at": closed.strftime("%Y-%m-%d %H:%M:%S UTC") if closed else None,
        "url": f"{WEB}/{path}/-/issues/77",
        "type": "Issue",
        "labels": labels,
    }
    document = {
        "object_kind": "issue",
        "event_type": "issue",
        "user": {k: USER[k] for k in ("id", "name", "username", "avatar_url")},
        "project": _project_hook(path, number),
        "object_attributes": attributes,
        "labels": labels,
    }
    return json.dumps(document).encode()


def pipeline_hook(path: str, number: int, pipeline_id: int, status: str, at: datetime) -> bytes:
    """A pipeline webhook of pipeline `pipeline_id` reaching `status`."""
    document = {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": pipeline_id,
            "iid": pipeline_id - 900,
            "ref": "main",
            "tag": False,
            "sha": SHA[4],
            "source": "push",
            "status": status,
            "detailed_status": status,
            "created_at": (at - 15 * MINUTE).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "finished_at": at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "duration": 900,
            "url": f"{WEB}/{path}/-/pipelines/{pipeline_id}",
        },
        "user": {k: USER[k] for k in ("id", "name", "username", "avatar_url")},
        "project": _project_hook(path, number),
        "commit": {"id": SHA[4], "title": "change 4", "message": "change 4\n"},
    }
    return json.dumps(document).encode()


_HOOKS = {
    "deployment": "Deployment Hook",
    "push": "Push Hook",
    "issue": "Issue Hook",
    "merge_request": "Merge Request Hook",
    "pipeline": "Pipeline Hook",
}


def equivalent_webhooks(path: str, number: int) -> list[bytes]:
    """The webhooks that report the same DORA facts as the history, for project `path`
    (deployment ids are instance-wide: the twin's are its own)."""
    return [
        push_hook(path, number, SHA[2], 4, [3, 4]),
        deployment_hook(path, number, 201, SHA[4], D1_DONE),
        push_hook(path, number, SHA[4], 6, [5, 6]),
        deployment_hook(path, number, 203, SHA[6], D3_DONE, "staging"),
        deployment_hook(path, number, 204, SHA[6], D4_DONE),
        issue_hook(path, number, "open", None),
        issue_hook(path, number, "close", INCIDENT_CLOSED),
    ]


def send_gitlab(server: Server, endpoint: dict[str, Any], bodies: list[bytes]) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for body in bodies:
            kind = json.loads(body)["object_kind"]
            headers = {
                "content-type": "application/json",
                "x-gitlab-token": endpoint["secret"],
                "x-gitlab-event": _HOOKS[kind],
                "idempotency-key": str(uuid.uuid4()),
            }
            answer = c.post(f"/in/{endpoint['slug']}", content=body, headers=headers)
            assert answer.status_code == 202, answer.text
