"""GitLab titles for system hooks (an instance's projects, groups, users, members, SSH keys,
failed sign-ins, repository updates) and the group webhooks' member, project and subgroup
events, which share their shapes. These payloads name their event in `event_name`.
"""

from __future__ import annotations

from echodash.events import Category, EventDraft, Severity
from echodash.sources.gitlab.reader import Payload
from echodash.sources.kit.payload import dig, line
from echodash.sources.kit.text import plural, ref_name
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

ZERO_SHA = "0" * 40


def _member(p: Payload) -> str:
    return p.text("user_username", 80) or p.text("user_name", 80) or "someone"


def _owner(p: Payload) -> str:
    owner = p.text("owner_name", 80)
    return f" (owner {owner})" if owner else ""


# ---- projects, groups, subgroups ------------------------------------------------------------

_PROJECT_VERBS = {"project_create": "created", "project_destroy": "deleted"}


@builds("project_create", "project_destroy")
def _project(p: Payload) -> EventDraft:
    path = p.text("path_with_namespace", 200) or p.text("name", 100) or "a project"
    destroyed = p.kind == "project_destroy"
    return p.draft(
        f"Project {path} {_PROJECT_VERBS[p.kind]}{_owner(p)}",
        occurred_at=p.time("updated_at", "created_at"),
        severity=Severity.WARNING if destroyed else Severity.INFO,
        fields={
            "project": path,
            "visibility": p.text("project_visibility", 20),
            "owner": p.text("owner_name", 80),
        },
        category=Category.CONFIG,
    )


@builds("project_rename", "project_transfer")
def _project_move(p: Payload) -> EventDraft:
    path = p.text("path_with_namespace", 200) or "a new path"
    old = p.text("old_path_with_namespace", 200)
    verb = "renamed" if p.kind == "project_rename" else "moved"
    return p.draft(
        f"Project {old} {verb} to {path}" if old else f"Project {verb} to {path}",
        occurred_at=p.time("updated_at", "created_at"),
        fields={"project": path, "old_path": old},
        category=Category.CONFIG,
    )


@builds("project_update")
def _project_update(p: Payload) -> EventDraft:
    path = p.text("path_with_namespace", 200) or p.text("name", 100) or "a project"
    return p.draft(
        f"Project {path} settings changed",
        occurred_at=p.time("updated_at", "created_at"),
        fields={"project": path, "visibility": p.text("project_visibility", 20)},
        category=Category.CONFIG,
    )


_GROUP_VERBS = {
    "group_create": ("Group", "created"),
    "group_destroy": ("Group", "deleted"),
    "subgroup_create": ("Subgroup", "created"),
    "subgroup_destroy": ("Subgroup", "deleted"),
}


@builds(*_GROUP_VERBS)
def _group(p: Payload) -> EventDraft:
    noun, verb = _GROUP_VERBS[p.kind]
    path = p.text("full_path", 200) or p.text("path", 100) or p.text("name", 100) or "a group"
    parent = p.text("parent_full_path", 200)
    return p.draft(
        f"{noun} {path} {verb}" + (f" in {parent}" if parent else "") + _owner(p),
        occurred_at=p.time("updated_at", "created_at"),
        severity=Severity.WARNING if verb == "deleted" else Severity.INFO,
        fields={"group": path, "parent": parent},
        category=Category.CONFIG,
    )


@builds("group_rename")
def _group_rename(p: Payload) -> EventDraft:
    path = p.text("full_path", 200) or p.text("path", 100) or "a new path"
    old = p.text("old_full_path", 200) or p.text("old_path", 100)
    return p.draft(
        f"Group {old} renamed to {path}" if old else f"Group renamed to {path}",
        occurred_at=p.time("updated_at", "created_at"),
        fields={"group": path, "old_path": old},
        category=Category.CONFIG,
    )


# ---- members and access requests ------------------------------------------------------------

# event name → (what the title says, category)
_MEMBERSHIP = {
    "user_add_to_team": ("{who} joined project {place}{role}", Category.SIGNUP),
    "user_remove_from_team": ("{who} left project {place}", Category.CONFIG),
    "user_update_for_team": ("{who}'s role in project {place} changed{to}", Category.CONFIG),
    "user_add_to_group": ("{who} joined group {place}{role}", Category.SIGNUP),
    "user_remove_from_group": ("{who} left group {place}", Category.CONFIG),
    "user_update_for_group": ("{who}'s role in group {place} changed{to}", Category.CONFIG),
    "user_access_request_to_project": (
        "{who} asked for access to project {place}",
        Category.CONFIG,
    ),
    "user_access_request_revoked_for_project": (
        "{who}'s request for access to project {place} was withdrawn",
        Category.CONFIG,
    ),
    "user_access_request_to_group": ("{who} asked for access to group {place}", Category.CONFIG),
    "user_access_request_revoked_for_group": (
        "{who}'s request for access to group {place} was withdrawn",
        Category.CONFIG,
    ),
}


@builds(*_MEMBERSHIP)
def _membership(p: Payload) -> EventDraft:
    template, category = _MEMBERSHIP[p.kind]
    project = p.kind.endswith("_team") or p.kind.endswith("_project")
    place = (
        p.text("project_path_with_namespace", 200) or p.text("project_name", 100)
        if project
        else p.text("group_path", 200) or p.text("group_name", 100)
    ) or "a " + ("project" if project else "group")
    role = p.text("access_level" if project else "group_access", 40)
    return p.draft(
        template.format(
            who=_member(p),
            place=place,
            role=f" as {role}" if role else "",
            to=f" to {role}" if role else "",
        ),
        occurred_at=p.time("updated_at", "created_at"),
        fields={
            "member": _member(p),
            "role": role,
            "project" if project else "group": place,
            "expires_at": p.text("expires_at", 30),
        },
        category=category,
    )


# ---- users and SSH keys ---------------------------------------------------------------------


def _user(p: Payload) -> str:
    username, name = p.text("username", 80), p.text("name", 80)
    if username and name and name != username:
        return f"{username} ({name})"
    return username or name or "a user"


@builds("user_create")
def _user_create(p: Payload) -> EventDraft:
    return p.draft(
        f"New user {_user(p)}",
        occurred_at=p.time("created_at"),
        fields={"username": p.text("username", 80), "user_id": p.number("user_id")},
        category=Category.SIGNUP,
    )


@builds("user_destroy")
def _user_destroy(p: Payload) -> EventDraft:
    return p.draft(
        f"User {_user(p)} deleted",
        occurred_at=p.time("updated_at", "created_at"),
        fields={"username": p.text("username", 80), "user_id": p.number("user_id")},
        category=Category.CONFIG,
    )


@builds("user_rename")
def _user_rename(p: Payload) -> EventDraft:
    new, old = p.text("username", 80) or "a new name", p.text("old_username", 80)
    return p.draft(
        f"User {old} renamed to {new}" if old else f"A user renamed to {new}",
        occurred_at=p.time("updated_at", "created_at"),
        fields={"username": new, "old_username": old},
        category=Category.CONFIG,
    )


@builds("user_failed_login")
def _user_failed_login(p: Payload) -> EventDraft:
    state = p.text("state", 20)
    who = _user(p)
    return p.draft(
        f"{state.capitalize()} user {who} tried to sign in"
        if state
        else f"{who} failed to sign in",
        occurred_at=p.time("updated_at", "created_at"),
        severity=Severity.WARNING,
        tags=["security"],
        fields={"username": p.text("username", 80), "state": state},
        category=Category.ALERT,
    )


@builds("key_create", "key_destroy")
def _key(p: Payload) -> EventDraft:
    verb = "added" if p.kind == "key_create" else "removed"
    owner = p.text("username", 80)
    key = line(p.get("key"), 400) or ""
    comment = key.split(" ", 2)[2] if key.count(" ") >= 2 else None
    return p.draft(
        f"SSH key {verb}"
        + (f" for {owner}" if owner else "")
        + (f": {comment}" if comment else ""),
        occurred_at=p.time("updated_at", "created_at"),
        tags=["security"],
        fields={"username": owner, "key_id": p.number("id"), "key_type": key.split(" ", 1)[0]},
        category=Category.CONFIG,
    )


# ---- repository updates ----------------------------------------------------------------------


@builds("repository_update")
def _repository_update(p: Payload) -> EventDraft:
    changes = [c for c in p.get("changes") or [] if isinstance(c, dict)]
    refs = [name for c in changes if (name := ref_name(line(dig(c, "ref"), 200)))]
    where = p.where or (f" in {place}" if (place := p.text("project.name", 100)) else "")
    if len(refs) == 1:
        what = f"updated {refs[0]}"
    else:
        what = f"updated {plural(len(changes), 'ref')}" if changes else "updated the repository"
    after = [sha for c in changes if (sha := line(dig(c, "after"), 64)) and sha != ZERO_SHA]
    return p.draft(
        f"{p.who} {what}{where}",
        url=p.home(),
        occurred_at=p.time("updated_at", "created_at"),
        tags=refs[:5],
        fields={"refs": len(changes) or None},
        summary="\n".join(refs[:10]),
        category=Category.CHANGE,
        commits=after,
    )
