"""GitHub titles for refs, releases, repositories and people, and the generic line.

Each builder turns one event type into a draft and may assume the usual payload shape: the
base falls back to the generic line when one raises (see sources/_base.py).
"""

from __future__ import annotations

from echodash.events import Category, EventDraft, Severity
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import plural, ref_name, words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds


# ---- any event -------------------------------------------------------------------------

# Event names that read badly when only their underscores are replaced.
_EVENT_NAMES = {
    "gollum": "Wiki",
    "team_add": "Team added",
    "page_build": "Pages build",
    "meta": "Webhook",
    "org_block": "Organization block",
    "projects_v2": "Project",
    "projects_v2_item": "Project item",
    "merge_group": "Merge queue group",
    "github_app_authorization": "GitHub App authorization",
    "installation": "App installation",
    "installation_repositories": "App installation repositories",
    "security_and_analysis": "Security settings",
    "unknown": "GitHub event",
}
_NAME_KEYS = ("name", "title", "tag_name", "login", "slug", "key")


@TITLES.otherwise
def generic(p: Payload) -> EventDraft:
    """A sentence for any event, e.g. `Widget gizmo created in acme/web by alice`."""
    name = _EVENT_NAMES.get(p.event) or words(p.event).capitalize() or "GitHub event"
    thing = p.get(p.event)
    label = None
    if isinstance(thing, dict):
        label = next((found for key in _NAME_KEYS if (found := line(thing.get(key), 80))), None)
    if label == p.subject:  # "Organization Octocoders … in Octocoders" says it twice
        label = None
    parts = [name, label, words(p.action) if p.action else None]
    return p.draft(
        " ".join(part for part in parts if part) + p.where + p.by,
        url=p.link(f"{p.event}.html_url") or p.home(),
        occurred_at=p.time(f"{p.event}.updated_at", f"{p.event}.created_at"),
        category=Category.OTHER,  # an event EchoDash has no title (nor category) for
    )


# ---- refs, releases, repositories, people ---------------------------------------------


@builds("create", "delete")
def _create_or_delete(p: Payload) -> EventDraft:
    kind = p.text("ref_type", 30) or "ref"
    ref = p.text("ref", 200) or ""
    verb = "created" if p.event == "create" else "deleted"
    home = p.home()
    url = home
    if home and ref and verb == "created":
        url = f"{home}/releases/tag/{ref}" if kind == "tag" else f"{home}/tree/{ref}"
    return p.draft(
        " ".join(part for part in (p.who, verb, kind, ref) if part) + p.where,
        url=url,
        tags=[ref],
        category=Category.RELEASE if kind == "tag" else Category.CHANGE,
        fields={kind: ref or None},
    )


_RELEASE_VERBS = {"prereleased": "published", "created": "created"}


@builds("release")
def _release(p: Payload) -> EventDraft:
    tag = p.text("release.tag_name", 100) or p.text("release.name", 100)
    prerelease, draft = p.flag("release.prerelease"), p.flag("release.draft")
    kind = "Draft release" if draft else "Pre-release" if prerelease else "Release"
    verb = _RELEASE_VERBS.get(p.action or "", words(p.action or "updated"))
    return p.draft(
        " ".join(part for part in (kind, tag, verb) if part) + p.where + p.by,
        url=p.link("release.html_url"),
        occurred_at=p.time("release.published_at", "release.created_at"),
        tags=[tag, "prerelease" if prerelease else None],
        category=Category.RELEASE,
        fields={
            "tag": tag,
            "name": p.text("release.name"),
            "target": p.text("release.target_commitish", 100),
            "prerelease": prerelease,
            "draft": draft,
        },
    )


_REPOSITORY_TITLES = {
    "created": "{who} created repository {repo}",
    "deleted": "{who} deleted repository {repo}",
    "archived": "{who} archived {repo}",
    "unarchived": "{who} unarchived {repo}",
    "publicized": "{who} made {repo} public",
    "privatized": "{who} made {repo} private",
    "renamed": "{who} renamed {old} to {repo}",
    "transferred": "{who} transferred {repo} from {old}",
    "edited": "{who} changed the {changed} of {repo}",
}


@builds("repository")
def _repository(p: Payload) -> EventDraft:
    changes = p.get("changes")
    changed = [words(key) for key in changes] if isinstance(changes, dict) else []
    old = (
        p.text("changes.repository.name.from", 140)
        or p.text("changes.owner.from.user.login", 80)
        or p.text("changes.owner.from.organization.login", 80)
        or "another owner"
    )
    template = _REPOSITORY_TITLES.get(p.action or "", "{who} {verb} repository {repo}")
    title = template.format(
        who=p.who,
        repo=p.subject or "a repository",
        old=old,
        changed=" and ".join(changed[:3]) or "settings",
        verb=words(p.action or "updated"),
    )
    private = p.get("repository.private")
    return p.draft(
        title,
        url=p.link("repository.html_url"),
        occurred_at=p.time("repository.updated_at"),
        severity=Severity.WARNING if p.action == "deleted" else Severity.INFO,
        category=Category.CONFIG,
        fields={
            "visibility": p.text("repository.visibility", 20)
            or (("private" if private else "public") if isinstance(private, bool) else None),
            "default_branch": p.text("repository.default_branch", 100),
        },
    )


@builds("member")
def _member(p: Payload) -> EventDraft:
    member = p.text("member.login", 80) or "someone"
    role = p.text("changes.permission.to", 40) or p.text("changes.role_name.to", 40)
    repo = p.subject or "a repository"
    if p.action == "added":
        title = f"{p.who} added {member} to {repo}" + (f" with {role} access" if role else "")
    elif p.action == "removed":
        title = f"{p.who} removed {member} from {repo}"
    elif p.action == "edited":
        title = f"{p.who} changed {member}'s access to {repo}" + (f" to {role}" if role else "")
    else:
        title = f"{p.who} {words(p.action or 'updated')} member {member} in {repo}"
    # Someone new joins; a change of access or a removal is a setting.
    category = Category.SIGNUP if p.action == "added" else Category.CONFIG
    return p.draft(title, category=category, fields={"member": member, "permission": role})


@builds("star", "watch")
def _star(p: Payload) -> EventDraft:
    # GitHub's `watch` event ("started") is also sent when someone stars a repository.
    verb = "unstarred" if p.action == "deleted" else "starred"
    return p.draft(
        f"{p.who} {verb} {p.subject or 'a repository'}",
        occurred_at=p.time("starred_at"),
        category=Category.ACTIVITY,
        fields={"stars": p.number("repository.stargazers_count")},
    )


@builds("fork")
def _fork(p: Payload) -> EventDraft:
    forkee = p.text("forkee.full_name", 140)
    return p.draft(
        f"{p.who} forked {p.subject or 'a repository'}" + (f" to {forkee}" if forkee else ""),
        url=p.link("forkee.html_url"),
        occurred_at=p.time("forkee.created_at"),
        category=Category.ACTIVITY,
        fields={"fork": forkee, "forks": p.number("repository.forks_count")},
    )


@builds("ping")
def _ping(p: Payload) -> EventDraft:
    events = p.get("hook.events")
    shown = ", ".join(e for e in events if isinstance(e, str)) if isinstance(events, list) else None
    return p.draft(
        "GitHub webhook " + (f"for {p.subject} " if p.subject else "") + "is connected (ping)",
        category=Category.CONFIG,
        fields={
            "hook_id": p.number("hook_id") or p.number("hook.id"),
            "hook_type": p.text("hook.type", 40),
            "events": line(shown, 300),
        },
        summary=p.text("zen", 200),
    )


@builds("public")
def _public(p: Payload) -> EventDraft:
    return p.draft(f"{p.who} made {p.subject or 'a repository'} public", category=Category.ACTIVITY)


@builds("gollum")
def _gollum(p: Payload) -> EventDraft:
    listed = p.get("pages")
    pages = [page for page in listed if isinstance(page, dict)] if isinstance(listed, list) else []
    if len(pages) == 1:
        page = Payload(p.event, pages[0])
        verb = page.text("action", 20) or "updated"
        title = f"{p.who} {verb} wiki page {page.text('title') or ''}".rstrip() + p.where
    else:
        title = f"{p.who} updated {plural(len(pages), 'wiki page')}{p.where}"
    return p.draft(
        title,
        url=p.link("pages.0.html_url"),
        category=Category.ACTIVITY,
        fields={"pages": len(pages)},
    )


@builds("workflow_dispatch")
def _workflow_dispatch(p: Payload) -> EventDraft:
    path = p.text("workflow", 200) or ""
    name, branch = path.rsplit("/", 1)[-1] or "a workflow", ref_name(p.text("ref", 200))
    home = p.home()
    return p.draft(
        f"{p.who} manually ran workflow {name}" + (f" on {branch}" if branch else "") + p.where,
        url=f"{home}/actions" if home else None,
        tags=[branch],
        category=Category.BUILD,
        fields={"workflow": name, "branch": branch},
    )
