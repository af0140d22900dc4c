"""GitLab titles for code and planning: pushes, tags, merge requests, issues, comments,
releases, wiki pages, milestones, feature flags, emoji, vulnerabilities and expiring tokens;
and the generic line.

Each builder may assume the usual payload shape: the base falls back to the generic line when
one raises (see sources/_base.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echodash.events import Category, EventDraft, Severity
from echodash.sources.gitlab.reader import Payload, moment
from echodash.sources.kit.payload import dig, line
from echodash.sources.kit.text import first_line, plural, ref_name, short_sha, words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

ZERO_SHA = "0" * 40


def item_label(prefix: str, number: int | None, title: str | None) -> str:
    """`!42 Fix login`, `#7 Crash`, with whatever parts the payload has."""
    parts = [f"{prefix}{number}" if number is not None else None, title]
    return " ".join(p for p in parts if p) or "an item"


def label_titles(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [name for label in value if (name := line(dig(label, "title"), 50))]


# ---- any kind ------------------------------------------------------------------------------

_NAME_PATHS = ("object_attributes.title", "object_attributes.name", "name", "title")


@TITLES.otherwise
def generic(p: Payload) -> EventDraft:
    """A sentence for any kind, e.g. `Custom thing new-ui deactivate in acme/web by alice`."""
    name = words(p.name).capitalize() or "GitLab event"
    label = next((found for path in _NAME_PATHS if (found := p.text(path, 80))), None)
    parts = [name, label, words(p.action) if p.action else None]
    return p.draft(
        " ".join(part for part in parts if part) + p.where + p.by,
        url=p.link("object_attributes.url", "url"),
        occurred_at=p.time(
            "object_attributes.updated_at", "object_attributes.created_at", "created_at"
        ),
    )


# ---- code: pushes, tags, merge requests ---------------------------------------------------


def _commit_time(p: Payload, sha: str | None) -> datetime | None:
    commits = p.get("commits")
    if not isinstance(commits, list) or not commits:
        return None
    head = next((c for c in commits if isinstance(c, dict) and c.get("id") == sha), commits[-1])
    return moment(dig(head, "timestamp"))


def _commit_titles(p: Payload) -> str | None:
    commits = p.get("commits")
    if not isinstance(commits, list):
        return None
    titles = [t for c in commits[-5:] if (t := first_line(dig(c, "title") or dig(c, "message")))]
    return "\n".join(titles) or None


def _commit_ids(p: Payload, after: str) -> list[str | None]:
    """The pushed commits' SHAs, the new head last (a deleted ref: none)."""
    commits = p.get("commits")
    found = [line(dig(c, "id"), 64) for c in commits] if isinstance(commits, list) else []
    return [*found, after] if after and after != ZERO_SHA else found


@builds("push")
def _push(p: Payload) -> EventDraft:
    branch = ref_name(p.text("ref", 200)) or "a branch"
    before, after = p.text("before", 64) or "", p.text("after", 64) or ""
    count = p.number("total_commits_count")
    if count is None:
        commits = p.get("commits")
        count = len(commits) if isinstance(commits, list) else 0
    url = p.home()
    if after == ZERO_SHA:
        title = f"{p.who} deleted branch {branch}{p.where}"
    elif before == ZERO_SHA:
        with_commits = f" with {plural(count, 'commit')}" if count else ""
        title = f"{p.who} created branch {branch}{with_commits}{p.where}"
        url = p.page(f"-/tree/{branch}") or url
    else:
        title = f"{p.who} pushed {plural(count, 'commit')} to {branch}{p.where}"
        if before and after:
            url = p.page(f"-/compare/{before}...{after}") or url
    return p.draft(
        title,
        url=url,
        occurred_at=_commit_time(p, after),
        tags=[branch],
        fields={
            "branch": branch,
            "commits": count,
            "sha": short_sha(after) if after != ZERO_SHA else None,
        },
        summary=_commit_titles(p),
        category=Category.CHANGE,
        commits=_commit_ids(p, after),
    )


@builds("tag_push")
def _tag_push(p: Payload) -> EventDraft:
    tag = ref_name(p.text("ref", 200)) or "a tag"
    after = p.text("after", 64) or ""
    if after == ZERO_SHA:
        title, url = f"{p.who} deleted tag {tag}{p.where}", p.home()
    else:
        title, url = f"{p.who} pushed tag {tag}{p.where}", p.page(f"-/tags/{tag}")
    return p.draft(
        title,
        url=url,
        tags=[tag],
        fields={"tag": tag, "sha": short_sha(after) if after != ZERO_SHA else None},
        category=Category.RELEASE,
        commits=[after if after != ZERO_SHA else None],
    )


_MR_VERBS = {
    "open": "opened",
    "close": "closed",
    "reopen": "reopened",
    "update": "updated",
    "approved": "approved",
    "approval": "approved",
    "unapproved": "revoked approval of",
    "unapproval": "revoked approval of",
}
_MR_STATE_ACTIONS = {"opened": "open", "closed": "close", "merged": "merge"}


@builds("merge_request")
def _merge_request(p: Payload) -> EventDraft:
    a = "object_attributes"
    item = item_label("!", p.number(f"{a}.iid"), p.text(f"{a}.title"))
    target, source = p.text(f"{a}.target_branch", 100), p.text(f"{a}.source_branch", 100)
    state = p.text(f"{a}.state", 20)
    action = p.action or _MR_STATE_ACTIONS.get(state or "", "update")
    merged = action == "merge"
    if merged:
        title = f"{p.who} merged {item}" + (f" into {target}" if target else "") + p.where
    elif action == "update" and p.text(f"{a}.oldrev", 64):
        title = f"{p.who} pushed new commits to {item}{p.where}"
    else:
        title = f"{p.who} {_MR_VERBS.get(action, words(action))} {item}{p.where}"
    draft = p.get(f"{a}.draft") is True or p.get(f"{a}.work_in_progress") is True
    return p.draft(
        title,
        url=p.link(f"{a}.url"),
        occurred_at=p.time(f"{a}.updated_at", f"{a}.created_at"),
        severity=Severity.SUCCESS if merged else Severity.INFO,
        tags=[target, *label_titles(p.get("labels")), "draft" if draft else None],
        fields={
            "number": p.number(f"{a}.iid"),
            "state": state,
            "target": target,
            "source": source,
            "sha": short_sha(p.text(f"{a}.last_commit.id", 64)),
        },
        # A merge is code landing on the target branch; anything else is review.
        category=Category.CHANGE if merged else Category.REVIEW,
        commits=[p.text(f"{a}.merge_commit_sha", 64), p.text(f"{a}.last_commit.id", 64)]
        if merged
        else (),
    )


# ---- planning: issues, work items, comments, milestones -----------------------------------

_ITEM_VERBS = {"open": "opened", "close": "closed", "reopen": "reopened", "update": "updated"}


@builds("issue", "work_item")
def _issue(p: Payload) -> EventDraft:
    a = "object_attributes"
    noun = (p.text(f"{a}.type", 40) or ("issue" if p.kind == "issue" else "work item")).lower()
    item = f"{noun} " + item_label("#", p.number(f"{a}.iid"), p.text(f"{a}.title"))
    action = p.action or "update"
    severity = Severity.INFO
    if noun == "incident":
        severity = Severity.SUCCESS if action == "close" else Severity.WARNING
    confidential = p.get(f"{a}.confidential") is True
    return p.draft(
        f"{p.who} {_ITEM_VERBS.get(action, words(action))} {item}{p.where}",
        url=p.link(f"{a}.url"),
        occurred_at=p.time(
            f"{a}.closed_at" if action == "close" else f"{a}.updated_at",
            f"{a}.updated_at",
            f"{a}.created_at",
        ),
        severity=severity,
        tags=[*label_titles(p.get("labels")), "confidential" if confidential else None],
        fields={
            "number": p.number(f"{a}.iid"),
            "state": p.text(f"{a}.state", 20),
            "kind": noun,
            "severity": p.text(f"{a}.severity", 20) if noun == "incident" else None,
        },
        category=Category.ISSUE,
    )


def _noteable(p: Payload) -> tuple[str, int | None]:
    kind = p.text("object_attributes.noteable_type", 40) or ""
    if kind == "MergeRequest":
        iid = p.number("merge_request.iid")
        return item_label("!", iid, p.text("merge_request.title")), iid
    if kind == "Issue":
        iid = p.number("issue.iid")
        return "issue " + item_label("#", iid, p.text("issue.title")), iid
    if kind == "Commit":
        sha = p.text("commit.id", 64) or p.text("object_attributes.commit_id", 64)
        return "commit " + (short_sha(sha) or "a commit"), None
    if kind == "Snippet":
        sid = p.number("snippet.id")
        return "snippet " + item_label("$", sid, p.text("snippet.title")), sid
    return (words(kind).lower() or "an item"), None


@builds("note")
def _note(p: Payload) -> EventDraft:
    item, number = _noteable(p)
    verb = "edited a comment on" if p.action == "update" else "commented on"
    return p.draft(
        f"{p.who} {verb} {item}{p.where}",
        url=p.link("object_attributes.url"),
        occurred_at=p.time("object_attributes.updated_at", "object_attributes.created_at"),
        tags=["system" if p.get("object_attributes.system") is True else None],
        fields={
            "on": p.text("object_attributes.noteable_type", 40),
            "number": number,
            "sha": short_sha(p.text("commit.id", 64)),
        },
        summary=first_line(p.get("object_attributes.note"), 200),
        category=Category.REVIEW,
    )


_MILESTONE_VERBS = {
    "create": "created",
    "close": "closed",
    "reopen": "reopened",
    "delete": "deleted",
    "update": "updated",
}


@builds("milestone")
def _milestone(p: Payload) -> EventDraft:
    a = "object_attributes"
    name = p.text(f"{a}.title", 120) or "a milestone"
    verb = _MILESTONE_VERBS.get(p.action or "", words(p.action or "updated"))
    due = p.text(f"{a}.due_date", 20)
    title = f"{p.actor} {verb} milestone {name}" if p.actor else f"Milestone {name} {verb}"
    return p.draft(
        title + p.where + (f" (due {due})" if due else ""),
        url=p.page(f"-/milestones/{iid}") if (iid := p.number(f"{a}.iid")) else None,
        occurred_at=p.time(f"{a}.updated_at", f"{a}.created_at"),
        fields={"milestone": name, "state": p.text(f"{a}.state", 20), "due": due},
        summary=first_line(p.get(f"{a}.description"), 200),
        category=Category.ISSUE,
    )


# ---- releases, wikis, flags, emoji -----------------------------------------------------------

_RELEASE_VERBS = {"create": "created", "update": "updated", "delete": "deleted"}


@builds("release")
def _release(p: Payload) -> EventDraft:
    tag, name = p.text("tag", 100), p.text("name", 100)
    label = tag or name or ""
    if name and tag and name != tag:
        label = f"{name} ({tag})"
    verb = _RELEASE_VERBS.get(p.action or "", words(p.action or "updated"))
    return p.draft(
        " ".join(part for part in ("Release", label, verb) if part) + p.where + p.by,
        url=p.link("url"),
        occurred_at=p.time("created_at", "released_at"),
        tags=[tag],
        fields={"tag": tag, "name": name, "sha": short_sha(p.text("commit.id", 64))},
        summary=first_line(p.get("description"), 200),
        category=Category.RELEASE,
        commits=[p.text("commit.id", 64)],
    )


@builds("wiki_page")
def _wiki_page(p: Payload) -> EventDraft:
    a = "object_attributes"
    verb = _RELEASE_VERBS.get(p.action or "", words(p.action or "updated"))
    page = p.text(f"{a}.title", 120) or p.text(f"{a}.slug", 120) or ""
    return p.draft(
        f"{p.who} {verb} wiki page {page}".rstrip() + p.where,
        url=p.link(f"{a}.url", "wiki.web_url"),
        fields={"page": page or None, "slug": p.text(f"{a}.slug", 120)},
        summary=first_line(p.get(f"{a}.message"), 200),
        category=Category.ACTIVITY,
    )


@builds("feature_flag")
def _feature_flag(p: Payload) -> EventDraft:
    a = "object_attributes"
    name = p.text(f"{a}.name", 100)
    active = p.get(f"{a}.active")
    verb = "turned on" if active is True else "turned off" if active is False else "changed"
    return p.draft(
        f"{p.who} {verb} feature flag" + (f" {name}" if name else "") + p.where,
        url=p.page("-/feature_flags"),
        fields={"flag": name, "active": active if isinstance(active, bool) else None},
        summary=first_line(p.get(f"{a}.description"), 200),
        category=Category.CONFIG,
    )


_AWARDABLES = {"Issue": "issue", "MergeRequest": "merge request", "Note": "a comment"}


@builds("emoji")
def _emoji(p: Payload) -> EventDraft:
    a = "object_attributes"
    emoji = p.text(f"{a}.name", 60)
    kind = p.text(f"{a}.awardable_type", 40) or ""
    if kind == "Issue":
        on = "issue " + item_label("#", p.number("issue.iid"), p.text("issue.title"))
    elif kind == "MergeRequest":
        on = item_label("!", p.number("merge_request.iid"), p.text("merge_request.title"))
    else:
        on = _AWARDABLES.get(kind) or (words(kind).lower() or "an item")
    revoked = p.text("event_type", 20) == "revoke"
    mark = f" :{emoji}:" if emoji else ""
    verb = f"took back{mark or ' a reaction'} from" if revoked else f"reacted{mark} to"
    return p.draft(
        f"{p.who} {verb} {on}{p.where}",
        url=p.link(f"{a}.awarded_on_url"),
        occurred_at=p.time(f"{a}.updated_at", f"{a}.created_at"),
        fields={"emoji": emoji, "on": kind or None},
        category=Category.ACTIVITY,
    )


# ---- security: vulnerabilities, expiring tokens ---------------------------------------------

_VULNERABILITY_SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.ERROR,
    "medium": Severity.WARNING,
}
_SETTLED = frozenset({"dismissed", "resolved"})


@builds("vulnerability")
def _vulnerability(p: Payload) -> EventDraft:
    a = "object_attributes"
    level = (p.text(f"{a}.severity", 20) or "").lower() or None
    state = (p.text(f"{a}.state", 20) or "").lower() or None
    title = p.text(f"{a}.title", 160) or "a vulnerability"
    about = f"Vulnerability {state}" if state else "Vulnerability"
    severity = _VULNERABILITY_SEVERITY.get(level or "", Severity.INFO)
    return p.draft(
        f"{about}{p.where}: {title}" + (f" ({level})" if level else ""),
        url=p.link(f"{a}.url"),
        occurred_at=p.time(f"{a}.updated_at", f"{a}.created_at"),
        severity=Severity.INFO if state in _SETTLED else severity,
        tags=["security", level],
        fields={
            "severity": level,
            "state": state,
            "report": p.text(f"{a}.report_type", 40),
            "file": p.text(f"{a}.location.file", 200),
        },
        category=Category.ALERT,
    )


def _token_owner(p: Payload) -> tuple[str, str | None]:
    """(`project`/`group`, its path) for a token event."""
    project = p.text("project.path_with_namespace", 200)
    if project:
        return "project", project
    return "group", p.text("group.full_path", 200) or p.text("group.group_path", 200)


def _expiring(p: Payload, noun: str) -> EventDraft:
    a = "object_attributes"
    owner, place = _token_owner(p)
    name = p.text(f"{a}.name", 100)
    expires = p.text(f"{a}.expires_at", 30)
    expired = p.text("event_name", 60) in ("expired_access_token", "expired_deploy_token")
    label = f"{owner.capitalize()} {noun}" + (f" {name}" if name else "")
    when = (" expired" if expired else " expires") + (f" on {expires}" if expires else " soon")
    return p.draft(
        label + when + (f" in {place}" if place else ""),
        url=p.home(),
        severity=Severity.WARNING,
        tags=[noun.replace(" ", "-")],
        fields={"token": name, "expires_at": expires, owner: place},
        category=Category.CONFIG,
    )


@builds("access_token")
def _access_token(p: Payload) -> EventDraft:
    return _expiring(p, "access token")


@builds("deploy_token")
def _deploy_token(p: Payload) -> EventDraft:
    return _expiring(p, "deploy token")
