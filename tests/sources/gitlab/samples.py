"""GitLab deliveries shaped like the payloads in GitLab's "Webhook events" and "System hooks"
docs: one or more for every type the sender builds a title for (`SAMPLES`, read by
tests/sources/test_events_doc.py), and the payload makers the unit tests vary."""

from __future__ import annotations

import json
from typing import Any

from echodash.events import EventDraft
from echodash.sources.gitlab import GitLabSource

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


def release(action: str = "create") -> dict[str, Any]:
    return {
        "object_kind": "release",
        "id": 1,
        "created_at": "2024-06-03 12:55:12 UTC",
        "description": "Bug fixes",
        "name": "Spring release",
        "released_at": "2024-06-03 12:55:12 UTC",
        "tag": "v1.2.0",
        "project": PROJECT,
        "url": "https://gitlab.example.com/acme/web/-/releases/v1.2.0",
        "action": action,
        "commit": {"id": AFTER},
    }


def wiki_page(action: str = "update") -> dict[str, Any]:
    return {
        "object_kind": "wiki_page",
        "user": USER,
        "project": PROJECT,
        "wiki": {"web_url": "https://gitlab.example.com/acme/web/-/wikis/home"},
        "object_attributes": {
            "title": "Home",
            "slug": "home",
            "action": action,
            "message": "Clarify setup",
            "url": "https://gitlab.example.com/acme/web/-/wikis/home",
        },
    }


def feature_flag(active: bool) -> dict[str, Any]:
    return {
        "object_kind": "feature_flag",
        "project": PROJECT,
        "user": USER,
        "user_url": "https://gitlab.example.com/alice",
        "object_attributes": {
            "id": 6,
            "name": "new-ui",
            "description": "The redesigned dashboard",
            "active": active,
        },
    }


def emoji(event_type: str = "award") -> dict[str, Any]:
    return {
        "object_kind": "emoji",
        "event_type": event_type,
        "user": USER,
        "project_id": 15,
        "project": PROJECT,
        "object_attributes": {
            "user_id": 1,
            "created_at": "2024-06-03 12:06:14 UTC",
            "id": 87,
            "name": "thumbsup",
            "awardable_type": "Issue",
            "awardable_id": 301,
            "updated_at": "2024-06-03 12:06:14 UTC",
            "awarded_on_url": "https://gitlab.example.com/acme/web/-/issues/7",
        },
        "issue": {"id": 301, "iid": 7, "title": "Crash on login", "state": "opened"},
    }


def milestone(action: str = "create") -> dict[str, Any]:
    return {
        "object_kind": "milestone",
        "event_type": "milestone",
        "project": PROJECT,
        "object_attributes": {
            "id": 61,
            "iid": 10,
            "title": "v1.3",
            "description": "The spring release",
            "state": "active" if action != "close" else "closed",
            "created_at": "2024-06-03 12:00:00 UTC",
            "updated_at": "2024-06-03 12:00:00 UTC",
            "due_date": "2024-07-01",
            "start_date": "2024-06-03",
            "project_id": 15,
        },
        "action": action,
    }


def vulnerability(severity: str = "high", state: str = "detected") -> dict[str, Any]:
    return {
        "object_kind": "vulnerability",
        "object_attributes": {
            "url": "https://gitlab.example.com/acme/web/-/security/vulnerabilities/1",
            "title": "REXML DoS vulnerability",
            "state": state,
            "project_id": 15,
            "location": {"file": "Gemfile.lock", "dependency": {"package": {"name": "rexml"}}},
            "severity": severity,
            "severity_overridden": False,
            "report_type": "dependency_scanning",
            "confidence": "unknown",
            "created_at": "2024-06-03T12:00:00Z",
            "updated_at": "2024-06-03T12:00:00Z",
        },
        "project": PROJECT,
    }


def access_token(group: bool = False) -> dict[str, Any]:
    owner: dict[str, Any] = (
        {
            "group_id": 35,
            "group": {
                "group_name": "Acme",
                "group_path": "acme",
                "full_path": "acme",
                "group_id": 35,
            },
        }
        if group
        else {"project_id": 15, "project": PROJECT}
    )
    return {
        "object_kind": "access_token",
        **owner,
        "object_attributes": {
            "user_id": 92,
            "created_at": "2024-05-14 06:06:01 UTC",
            "id": 27,
            "name": "deploy-bot",
            "expires_at": "2024-06-10",
        },
        "event_name": "expiring_access_token",
    }


def deploy_token() -> dict[str, Any]:
    return {
        "object_kind": "deploy_token",
        "project": PROJECT,
        "object_attributes": {
            "id": 79,
            "name": "registry-pull",
            "expires_at": "2024-06-10",
            "created_at": "2024-05-14 06:06:01 UTC",
        },
        "event_name": "expiring_deploy_token",
    }


def _member(event: str, role: str) -> dict[str, Any]:
    """A project member (`…_team`, `…_project`) or group member event."""
    person = {
        "created_at": "2024-06-03T07:30:56Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": event,
        "user_email": "[REDACTED]",
        "user_name": "John Smith",
        "user_username": "johnsmith",
        "user_id": 41,
    }
    if event.endswith(("_team", "_project")):
        return {
            **person,
            "access_level": role,
            "project_id": 74,
            "project_name": "StoreCloud",
            "project_path": "storecloud",
            "project_path_with_namespace": "jsmith/storecloud",
            "project_visibility": "private",
        }
    return {
        **person,
        "group_access": role,
        "group_id": 78,
        "group_name": "StoreCloud",
        "group_path": "storecloud",
        "expires_at": None,
    }


_MEMBERS = {
    "user_add_to_team": "Maintainer",
    "user_remove_from_team": "Maintainer",
    "user_update_for_team": "Developer",
    "user_add_to_group": "Maintainer",
    "user_remove_from_group": "Maintainer",
    "user_update_for_group": "Developer",
    "user_access_request_to_group": "Guest",
    "user_access_request_revoked_for_group": "Guest",
    "user_access_request_to_project": "Guest",
    "user_access_request_revoked_for_project": "Guest",
}


# System hooks (and the group webhooks' member, project and subgroup events).
SYSTEM: dict[str, dict[str, Any]] = {
    "project_create": {
        "created_at": "2024-06-03T07:30:54Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "project_create",
        "name": "StoreCloud",
        "owner_email": "[REDACTED]",
        "owner_name": "John Smith",
        "owners": [{"name": "John", "email": "[REDACTED]"}],
        "path": "storecloud",
        "path_with_namespace": "jsmith/storecloud",
        "project_id": 74,
        "project_visibility": "private",
    },
    "project_destroy": {
        "created_at": "2024-06-03T07:30:58Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "project_destroy",
        "name": "Underscore",
        "owner_email": "[REDACTED]",
        "owner_name": "John Smith",
        "path": "underscore",
        "path_with_namespace": "jsmith/underscore",
        "project_id": 73,
        "project_visibility": "internal",
    },
    "project_rename": {
        "created_at": "2024-06-03T07:30:58Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "project_rename",
        "name": "Underscore",
        "path": "underscore",
        "path_with_namespace": "jsmith/underscore",
        "project_id": 73,
        "owner_name": "John Smith",
        "project_visibility": "internal",
        "old_path_with_namespace": "jsmith/overscore",
    },
    "project_transfer": {
        "created_at": "2024-06-03T07:30:58Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "project_transfer",
        "name": "Underscore",
        "path": "underscore",
        "path_with_namespace": "scores/underscore",
        "project_id": 73,
        "owner_name": "John Smith",
        "project_visibility": "internal",
        "old_path_with_namespace": "jsmith/overscore",
    },
    "project_update": {
        "created_at": "2024-06-03T07:30:54Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "project_update",
        "name": "StoreCloud",
        "owner_name": "John Smith",
        "path": "storecloud",
        "path_with_namespace": "jsmith/storecloud",
        "project_id": 74,
        "project_visibility": "private",
    },
    "user_create": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "email": "[REDACTED]",
        "event_name": "user_create",
        "name": "Jane Doe",
        "username": "jdoe",
        "user_id": 41,
    },
    "user_destroy": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "email": "[REDACTED]",
        "event_name": "user_destroy",
        "name": "Jane Doe",
        "username": "jdoe",
        "user_id": 41,
    },
    "user_failed_login": {
        "event_name": "user_failed_login",
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "name": "John Smith",
        "email": "[REDACTED]",
        "user_id": 26,
        "username": "user4",
        "state": "blocked",
    },
    "user_rename": {
        "event_name": "user_rename",
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "name": "new-name",
        "email": "[REDACTED]",
        "user_id": 58,
        "username": "new-exciting-name",
        "old_username": "old-boring-name",
    },
    "key_create": {
        "event_name": "key_create",
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "username": "root",
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExampleKeyExampleKey root@laptop",
        "id": 4,
    },
    "key_destroy": {
        "event_name": "key_destroy",
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "username": "root",
        "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExampleKeyExampleKey root@laptop",
        "id": 4,
    },
    "group_create": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "group_create",
        "name": "StoreCloud",
        "path": "storecloud",
        "full_path": "storecloud",
        "group_id": 78,
    },
    "group_destroy": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "group_destroy",
        "name": "StoreCloud",
        "path": "storecloud",
        "full_path": "storecloud",
        "group_id": 78,
    },
    "group_rename": {
        "event_name": "group_rename",
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "name": "Better Name",
        "path": "better-name",
        "full_path": "parent-group/better-name",
        "group_id": 64,
        "old_path": "old-name",
        "old_full_path": "parent-group/old-name",
    },
    "subgroup_create": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "subgroup_create",
        "name": "SubGroup",
        "path": "subgroup",
        "full_path": "acme/subgroup",
        "group_id": 10,
        "parent_group_id": 7,
        "parent_name": "Acme",
        "parent_path": "acme",
        "parent_full_path": "acme",
    },
    "subgroup_destroy": {
        "created_at": "2024-06-03T07:44:07Z",
        "updated_at": "2024-06-03T07:38:22Z",
        "event_name": "subgroup_destroy",
        "name": "SubGroup",
        "path": "subgroup",
        "full_path": "acme/subgroup",
        "group_id": 10,
        "parent_group_id": 7,
        "parent_name": "Acme",
        "parent_path": "acme",
        "parent_full_path": "acme",
    },
    "repository_update": {
        "event_name": "repository_update",
        "user_id": 1,
        "user_name": "Alice Liddell",
        "user_email": "[REDACTED]",
        "user_avatar": "https://gitlab.example.com/uploads/user/avatar/1/a.png",
        "project_id": 15,
        "project": PROJECT,
        "changes": [
            {"before": BEFORE, "after": AFTER, "ref": "refs/heads/main"},
            {"before": ZERO, "after": AFTER, "ref": "refs/tags/v1.2.0"},
        ],
        "refs": ["refs/heads/main", "refs/tags/v1.2.0"],
    },
    **{event: _member(event, role) for event, role in _MEMBERS.items()},
}

# The X-Gitlab-Event header each object kind arrives with.
HOOKS = {
    "push": "Push Hook",
    "tag_push": "Tag Push Hook",
    "merge_request": "Merge Request Hook",
    "pipeline": "Pipeline Hook",
    "build": "Job Hook",
    "deployment": "Deployment Hook",
    "issue": "Issue Hook",
    "work_item": "Issue Hook",
    "note": "Note Hook",
    "release": "Release Hook",
    "wiki_page": "Wiki Page Hook",
    "feature_flag": "Feature Flag Hook",
    "emoji": "Emoji Hook",
    "milestone": "Milestone Hook",
    "vulnerability": "Vulnerability Hook",
    "access_token": "Resource Access Token Hook",
    "deploy_token": "Resource Access Token Hook",
}


def parse_one(document: dict[str, Any], event: str | None = None) -> EventDraft:
    """The one event GitLab's sender makes of `document` (sent with `event` as its
    X-Gitlab-Event header, if given)."""
    headers = {"content-type": "application/json"}
    if event:
        headers["x-gitlab-event"] = event
    drafts = GitLabSource().parse(headers, json.dumps(document).encode())
    assert len(drafts) == 1
    return drafts[0]


def delivery(document: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    kind = document.get("object_kind")
    hook = HOOKS.get(kind, "System Hook") if isinstance(kind, str) else "System Hook"
    headers = {"content-type": "application/json", "x-gitlab-event": hook}
    return headers, json.dumps(document).encode()


SAMPLES: list[tuple[dict[str, str], bytes]] = [
    delivery(document)
    for document in (
        push(),
        push(before=ZERO, ref="refs/heads/feature/login", total_commits_count=1),
        push(after=ZERO, commits=[], total_commits_count=0, ref="refs/heads/old"),
        push(object_kind="tag_push", ref="refs/tags/v1.2.0"),
        *(merge_request(a) for a in ("open", "update", "approved", "close", "reopen")),
        merge_request("merge", state="merged", merge_commit_sha=AFTER),
        *(pipeline(s) for s in ("pending", "running", "success", "failed", "canceled")),
        pipeline("skipped"),
        *(job(s) for s in ("created", "running", "success", "failed", "canceled")),
        job("success", environment={"name": "staging", "action": "start"}),
        *(deployment(s) for s in ("running", "success", "failed", "canceled")),
        issue("open"),
        issue("close", state="closed"),
        issue("open", type="Incident", severity="critical"),
        issue("open", kind="work_item", type="Task", title="Write docs", iid=8),
        note("MergeRequest", {"merge_request": {"iid": 42, "title": "Fix login"}}),
        note("Issue", {"issue": {"iid": 7, "title": "Crash on login"}}),
        release("create"),
        release("delete"),
        wiki_page("create"),
        feature_flag(True),
        feature_flag(False),
        emoji("award"),
        emoji("revoke"),
        milestone("create"),
        milestone("close"),
        vulnerability("critical"),
        vulnerability("low", "dismissed"),
        access_token(),
        access_token(group=True),
        deploy_token(),
        *SYSTEM.values(),
    )
]
