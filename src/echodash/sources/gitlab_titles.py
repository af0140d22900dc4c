"""Readable titles for GitLab webhook payloads, one builder per `object_kind`.

`Payload` reads a delivery safely; each builder may assume the usual payload shape: the
caller falls back to `generic` when one raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.events import EventDraft, Severity
from echodash.sources.kit.text import first_line, plural, short_sha, words
from echodash.sources.payload import PayloadReader, dig, line, parse_time, registrar

Builder = Callable[["Payload"], EventDraft]
BUILDERS: dict[str, Builder] = {}


# Files a builder in BUILDERS under the `object_kind` values it reads.
builds = registrar(BUILDERS)

ZERO_SHA = "0" * 40
# GitLab writes times as ISO-8601, as `2016-08-12 15:23:28 UTC` or as `… 21:50:00 +0200`.
_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}):?(\d{2})$")
# `object_kind` values that read better under another name (the job event is `build`).
KIND_NAMES = {"build": "job"}


def moment(value: Any) -> datetime | None:
    """A UTC datetime from any of GitLab's time formats; None when unusable."""
    if isinstance(value, str):
        raw = value.strip()
        if raw.endswith(" UTC"):
            raw = raw[:-4] + "+00:00"
        value = _SPACED_OFFSET.sub(r"\1:\2", raw)
    try:
        return parse_time(value)
    except (OverflowError, ValueError, OSError):
        return None


def ref_name(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :] or None
    return ref


def duration(seconds: Any) -> str | None:
    """`3m 12s` from a number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        return None
    if seconds != seconds or seconds > 10**9:  # NaN or absurd
        return None
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One GitLab delivery's kind and JSON object, with safe accessors."""

    kind: str
    body: dict[str, Any]

    @property
    def action(self) -> str | None:
        """What happened: the object's action, else its status (pipelines, jobs, deployments)."""
        for path in ("object_attributes.action", "action", "object_attributes.status"):
            found = line(self.get(path), 60)
            if found:
                return found
        if self.kind == "build":
            return line(self.get("build_status"), 60)
        return line(self.get("status"), 60)

    @property
    def type(self) -> str:
        name = KIND_NAMES.get(self.kind, self.kind)
        if self.kind in ("push", "tag_push"):
            return name
        return f"{name}.{self.action}" if self.action else name

    def time(self, *paths: str) -> datetime | None:
        for path in paths:
            found = moment(self.get(path))
            if found is not None:
                return found
        return None

    @property
    def actor(self) -> str | None:
        return (
            self.text("user_username", 80)
            or self.text("user.username", 80)
            or self.text("user_name", 80)
            or self.text("user.name", 80)
        )

    @property
    def subject(self) -> str | None:
        return (
            self.text("project.path_with_namespace", 200)
            or self.text("wiki.path_with_namespace", 200)
            or self.text("project_name", 200)
            or self.text("repository.name", 200)
        )

    def home(self) -> str | None:
        return self.link("project.web_url", "repository.homepage", "project.homepage")

    def page(self, path: str) -> str | None:
        """A page of the project (`-/jobs/12`), when the project's web address is known."""
        home = self.home()
        return f"{home.rstrip('/')}/{path}" if home else None


def item_label(prefix: str, number: int | None, title: str | None) -> str:
    """`!42 Fix login`, `issue #7 Crash`, with whatever parts the payload has."""
    parts = [f"{prefix}{number}" if number is not None else None, title]
    return " ".join(p for p in parts if p) or "an item"


def label_titles(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [name for label in value if (name := line(dig(label, "title"), 50))]


# ---- any kind ------------------------------------------------------------------------------

_NAME_PATHS = ("object_attributes.title", "object_attributes.name", "name", "title")


def generic(p: Payload) -> EventDraft:
    """A sentence for any kind, e.g. `Feature flag new-ui deactivate in acme/web by alice`."""
    name = words(KIND_NAMES.get(p.kind, p.kind)).capitalize() or "GitLab event"
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
    )


# ---- CI/CD: pipelines, jobs, deployments --------------------------------------------------

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
    )


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
    )
