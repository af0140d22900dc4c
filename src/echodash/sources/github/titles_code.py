"""Titles for GitHub's code-collaboration events: pushes, pull requests, reviews, issues,
discussions and their comments."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Severity
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import dig, line
from echodash.sources.kit.text import (
    first_line,
    item_label,
    label_names,
    plural,
    ref_name,
    short_sha,
    words,
)
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds


# ---- pushes and refs -------------------------------------------------------------------


@builds("push")
def _push(p: Payload) -> EventDraft:
    ref = p.text("ref", 300)
    is_tag = bool(ref and ref.startswith("refs/tags/"))
    kind = "tag" if is_tag else "branch"
    name = ref_name(ref) or "a ref"
    commits = p.get("commits") if isinstance(p.get("commits"), list) else []
    count = len(commits)
    created, deleted, forced = p.flag("created"), p.flag("deleted"), p.flag("forced")
    who, where, n = p.who, p.where, plural(count, "commit")
    if deleted:
        title = f"{who} deleted {kind} {name}{where}"
    elif is_tag:
        title = f"{who} {'pushed' if created else 'moved'} tag {name}{where}"
    elif created:
        title = f"{who} created branch {name}" + (f" with {n}" if count else "") + where
    elif forced:
        title = f"{who} force-pushed " + (f"{n} to " if count else "") + f"{name}{where}"
    elif count:
        title = f"{who} pushed {n} to {name}{where}"
    else:
        title = f"{who} pushed to {name}{where} (no new commits)"
    messages = [first_line(dig(c, "message")) for c in commits if isinstance(c, dict)]
    # The commits pushed; a push that brings none (a tag, a branch moved back) is about the
    # commit the ref now points at. A deleted ref points at none.
    pushed = [line(dig(c, "id"), 64) for c in commits if isinstance(c, dict)]
    if not any(pushed) and not deleted:
        pushed = [p.sha("after")]
    return p.draft(
        title,
        url=p.home() if deleted else p.link("compare") or p.home(),
        occurred_at=p.time("head_commit.timestamp", "repository.pushed_at"),
        severity=Severity.WARNING if forced else Severity.INFO,
        tags=[name, "force-push" if forced else None],
        category=Category.RELEASE if is_tag else Category.CHANGE,
        commits=[sha for sha in pushed if sha and sha.strip("0")],
        fields={
            kind: name,
            "commits": count,
            "sha": short_sha(p.text("before" if deleted else "after", 40)),
            "forced": forced,
            "message": first_line(p.get("head_commit.message")),
        },
        summary="\n".join(m for m in messages[:10] if m),
    )


# ---- pull requests, issues, discussions, comments --------------------------------------

# Shared by pull requests, issues and discussions: `{item}` is e.g. "#42 Fix login".
_ITEM_TITLES = {
    "opened": "{who} opened {item}{where}",
    "created": "{who} started {item}{where}",
    "reopened": "{who} reopened {item}{where}",
    "edited": "{who} edited {item}{where}",
    "deleted": "{who} deleted {item}{where}",
    "synchronize": "{who} pushed new commits to {item}{where}",
    "ready_for_review": "{who} marked {item} ready for review{where}",
    "converted_to_draft": "{who} converted {item} to a draft{where}",
    "review_requested": "{who} requested a review from {reviewer} on {item}{where}",
    "review_request_removed": "{who} withdrew the review request for {reviewer} on {item}{where}",
    "labeled": "{who} labeled {item} with {label}{where}",
    "unlabeled": "{who} removed the label {label} from {item}{where}",
    "assigned": "{who} assigned {assignee} to {item}{where}",
    "unassigned": "{who} unassigned {assignee} from {item}{where}",
    "milestoned": "{who} added {item} to milestone {milestone}{where}",
    "demilestoned": "{who} removed {item} from milestone {milestone}{where}",
    "locked": "{who} locked {item}{where}",
    "unlocked": "{who} unlocked {item}{where}",
    "pinned": "{who} pinned {item}{where}",
    "unpinned": "{who} unpinned {item}{where}",
    "transferred": "{who} transferred {item}{origin} to {new_repo}",
    "auto_merge_enabled": "{who} enabled auto-merge for {item}{where}",
    "auto_merge_disabled": "{who} disabled auto-merge for {item}{where}",
    "enqueued": "{who} added {item} to the merge queue{where}",
    "dequeued": "{item} left the merge queue{where}",
    "answered": "{who} marked an answer on {item}{where}",
    "category_changed": "{who} moved {item} to another category{where}",
}


def _item_title(p: Payload, item: str) -> str:
    template = _ITEM_TITLES.get(p.action or "", "{who} {verb} {item}{where}")
    return template.format(
        who=p.who,
        item=item,
        where=p.where,
        origin=f" from {p.subject}" if p.subject else "",
        verb=words(p.action or "updated"),
        reviewer=p.text("requested_reviewer.login", 80)
        or (f"team {t}" if (t := p.text("requested_team.name", 80)) else "a reviewer"),
        label=p.text("label.name", 50) or "a label",
        assignee=p.text("assignee.login", 80) or "someone",
        milestone=p.text("milestone.title", 80) or "a milestone",
        new_repo=p.text("changes.new_repository.full_name", 140) or "another repository",
    )


def _pritem_label(p: Payload) -> str:
    number = p.number("pull_request.number")
    return item_label(
        "", number if number is not None else p.number("number"), p.text("pull_request.title")
    )


@builds("pull_request")
def _pull_request(p: Payload) -> EventDraft:
    item, base = _pritem_label(p), p.text("pull_request.base.ref", 100)
    merged = p.flag("pull_request.merged") or (
        p.action == "closed" and p.get("pull_request.merged_at") is not None
    )
    merged_now = p.action == "closed" and merged
    if merged_now:
        title = f"{p.who} merged {item}" + (f" into {base}" if base else "") + p.where
    elif p.action == "closed":
        title = f"{p.who} closed {item} without merging{p.where}"
    else:
        title = _item_title(p, item)
    draft = p.flag("pull_request.draft")
    state = "merged" if merged else "draft" if draft else p.text("pull_request.state", 20)
    return p.draft(
        title,
        url=p.link("pull_request.html_url"),
        occurred_at=p.time(
            "pull_request.merged_at" if merged else "pull_request.closed_at",
            "pull_request.updated_at",
            "pull_request.created_at",
        ),
        severity=Severity.SUCCESS if merged else Severity.INFO,
        tags=[base, *label_names(p.get("pull_request.labels")), "draft" if draft else None],
        # A merge lands code (a change); everything else about a pull request is review.
        category=Category.CHANGE if merged_now else Category.REVIEW,
        commits=[p.sha("pull_request.merge_commit_sha")] if merged_now else (),
        fields={
            "number": p.number("pull_request.number") or p.number("number"),
            "state": state,
            "base": base,
            "head": p.text("pull_request.head.ref", 100),
            "author": p.text("pull_request.user.login", 80),
            "sha": short_sha(p.text("pull_request.head.sha", 40)),
        },
    )


_REVIEW_TITLES = {
    "approved": "{who} approved {item}{where}",
    "changes_requested": "{who} requested changes on {item}{where}",
    "commented": "{who} reviewed {item}{where}",
}


@builds("pull_request_review")
def _pull_request_review(p: Payload) -> EventDraft:
    item, state = _pritem_label(p), (p.text("review.state", 40) or "").lower()
    reviewer = p.text("review.user.login", 80)
    if p.action == "submitted":
        template = _REVIEW_TITLES.get(state, "{who} reviewed {item}{where}")
    elif p.action == "dismissed":
        template = "{who} dismissed {owner} on {item}{where}"
    else:
        template = "{who} {verb} a review on {item}{where}"
    title = template.format(
        who=p.who,
        item=item,
        where=p.where,
        owner=f"{reviewer}'s review" if reviewer else "a review",
        verb=words(p.action or "updated"),
    )
    return p.draft(
        title,
        url=p.link("review.html_url", "pull_request.html_url"),
        occurred_at=p.time("review.submitted_at", "pull_request.updated_at"),
        tags=[p.text("pull_request.base.ref", 100)],
        category=Category.REVIEW,
        fields={
            "number": p.number("pull_request.number"),
            "review": state or None,
            "reviewer": reviewer,
        },
        summary=line(p.get("review.body"), 300),
    )


def _comment(
    p: Payload,
    item: str,
    category: Category,
    noun: str = "comment",
    extra: dict[str, FieldValue] | None = None,
) -> EventDraft:
    action = p.action or "created"
    if action == "created":
        title = f"{p.who} commented on {item}{p.where}"
    else:
        title = f"{p.who} {words(action)} a {noun} on {item}{p.where}"
    return p.draft(
        title,
        url=p.link("comment.html_url"),
        occurred_at=p.time("comment.updated_at", "comment.created_at"),
        category=category,
        fields={
            **(extra or {}),
            "path": p.text("comment.path", 200),
            "author": p.text("comment.user.login", 80),
        },
        summary=line(p.get("comment.body"), 300),
    )


@builds("pull_request_review_comment")
def _review_comment(p: Payload) -> EventDraft:
    return _comment(
        p,
        _pritem_label(p),
        Category.REVIEW,
        "review comment",
        {"number": p.number("pull_request.number")},
    )


@builds("pull_request_review_thread")
def _review_thread(p: Payload) -> EventDraft:
    verb = {"resolved": "resolved", "unresolved": "reopened"}.get(p.action or "", "updated")
    return p.draft(
        f"{p.who} {verb} a review thread on {_pritem_label(p)}{p.where}",
        url=p.link("thread.comments.0.html_url", "pull_request.html_url"),
        occurred_at=p.time("thread.comments.0.updated_at", "pull_request.updated_at"),
        category=Category.REVIEW,
        fields={"number": p.number("pull_request.number")},
    )


def _on_pull_request(p: Payload, key: str = "issue") -> bool:
    """Whether the issue is a pull request's conversation (GitHub files those as issues)."""
    return isinstance(p.get(f"{key}.pull_request"), dict)


# The label that makes an issue an incident (compared without case).
INCIDENT_LABEL = "incident"


def _is_incident(p: Payload) -> bool:
    return any(name.lower() == INCIDENT_LABEL for name in label_names(p.get("issue.labels")))


def _incident_severity(p: Payload) -> Severity:
    """An incident that opens (or an issue just labelled one) wants someone to look; one
    that closes is resolved."""
    labelled = p.action == "labeled" and (p.text("label.name", 50) or "").lower() == INCIDENT_LABEL
    if p.action in ("opened", "reopened") or labelled:
        return Severity.WARNING
    return Severity.SUCCESS if p.action == "closed" else Severity.INFO


def _issueitem_label(p: Payload, key: str = "issue") -> str:
    noun = "pull request" if _on_pull_request(p, key) else key
    return item_label(noun, p.number(f"{key}.number"), p.text(f"{key}.title"))


@builds("issues")
def _issues(p: Payload) -> EventDraft:
    item, reason = _issueitem_label(p), p.text("issue.state_reason", 40)
    incident = _is_incident(p)
    if p.action == "closed":
        title = f"{p.who} closed {item}" + (f" as {words(reason)}" if reason else "") + p.where
    else:
        title = _item_title(p, item)
    return p.draft(
        title,
        url=p.link("issue.html_url"),
        occurred_at=p.time(
            "issue.closed_at" if p.action == "closed" else "issue.updated_at",
            "issue.updated_at",
            "issue.created_at",
        ),
        tags=label_names(p.get("issue.labels")),
        severity=_incident_severity(p) if incident else Severity.INFO,
        category=Category.INCIDENT if incident else Category.ISSUE,
        fields={
            "number": p.number("issue.number"),
            "state": p.text("issue.state", 20),
            "state_reason": reason,
            "author": p.text("issue.user.login", 80),
        },
        summary=line(p.get("issue.body"), 300) if p.action == "opened" else None,
    )


@builds("issue_comment")
def _issue_comment(p: Payload) -> EventDraft:
    category = Category.REVIEW if _on_pull_request(p) else Category.ISSUE
    return _comment(p, _issueitem_label(p), category, extra={"number": p.number("issue.number")})


@builds("discussion")
def _discussion(p: Payload) -> EventDraft:
    return p.draft(
        _item_title(p, _issueitem_label(p, "discussion")),
        url=p.link("discussion.html_url"),
        occurred_at=p.time("discussion.updated_at", "discussion.created_at"),
        tags=[p.text("discussion.category.name", 50), *label_names(p.get("discussion.labels"))],
        category=Category.ACTIVITY,
        fields={
            "number": p.number("discussion.number"),
            "category": p.text("discussion.category.name"),
        },
    )


@builds("discussion_comment")
def _discussion_comment(p: Payload) -> EventDraft:
    return _comment(p, _issueitem_label(p, "discussion"), Category.ACTIVITY)


@builds("commit_comment")
def _commit_comment(p: Payload) -> EventDraft:
    sha = short_sha(p.text("comment.commit_id", 40))
    item = f"commit {sha}" if sha else "a commit"
    return _comment(p, item, Category.REVIEW, extra={"sha": sha})
