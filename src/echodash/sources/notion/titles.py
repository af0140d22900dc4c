"""Notion titles: one line per event type, naming the entity by kind and short id.

Notion's events carry ids, not names or content: `person 1a2b3c4d… updated the content of
page 59833787…`. A builder may assume the usual payload shape: the base falls back to the
generic line when one raises.
"""

from __future__ import annotations

from echodash.events import Category, EventDraft, Outcome, Severity
from echodash.sources.kit.titles import TitleBook
from echodash.sources.notion.reader import (
    REDACTED,
    TOKEN_FIELD,
    VERIFICATION_TYPE,
    Signal,
    noun,
    short_id,
)

TITLES: TitleBook[Signal] = TitleBook()
builds = TITLES.builds

VERIFICATION_TITLE = "Notion sent its verification token — paste it into Notion to finish"
VERIFICATION_SUMMARY = (
    "An admin finds the token on this endpoint's page in EchoDash; paste it into the Verify "
    "dialog of the webhook subscription in Notion."
)

# The action part of `page.content_updated` etc., as words after the actor.
_VERBS = {
    "created": "created",
    "content_updated": "updated the content of",
    "properties_updated": "updated the properties of",
    "schema_updated": "changed the schema of",
    "moved": "moved",
    "deleted": "deleted",
    "undeleted": "restored",
    "locked": "locked",
    "unlocked": "unlocked",
    "updated": "updated",
}
_COMMENT_VERBS = {
    "created": "commented on",
    "updated": "edited a comment on",
    "deleted": "deleted a comment on",
}


def _title(n: Signal) -> str:
    if n.type == "unknown":
        target = n.subject
        return "Notion sent an event" + (f" about {target}" if target else "")
    if n.resource == "comment":
        page = short_id(n.data.get("page_id"))
        doing = _COMMENT_VERBS.get(n.action, f"{n.action.replace('_', ' ')} a comment on")
        return f"{n.who} {doing} " + (f"page {page}" if page else "a page")
    target = n.subject or f"a {noun(n.resource)}"
    verb = _VERBS.get(n.action)
    if verb is not None:
        return f"{n.who} {verb} {target}"
    words = n.action.replace("_", " ")
    if words.endswith("ed"):  # e.g. `view.published`
        return f"{n.who} {words} {target}"
    return f"Notion sent {n.type} for {target}"


def _severity(n: Signal) -> Severity:
    deleted = n.action.endswith("deleted") and not n.action.endswith("undeleted")
    return Severity.WARNING if deleted else Severity.INFO


@TITLES.otherwise
def generic(n: Signal) -> EventDraft:
    """A type without a builder: `person 1a2b… published view v1`, or what is certain."""
    return n.draft(_title(n), occurred_at=n.when, severity=_severity(n), fields=n.fields())


_PAGES = [f"page.{action}" for action in (
    "created", "content_updated", "properties_updated", "moved", "deleted", "undeleted",
    "locked", "unlocked",
)]  # fmt: skip
_CONTAINERS = [
    f"{resource}.{action}"
    for resource in ("database", "data_source")
    for action in ("created", "content_updated", "moved", "deleted", "undeleted")
]


_COMMENTS = ["comment.created", "comment.updated", "comment.deleted"]


@builds(*_PAGES, *_CONTAINERS, *_COMMENTS)
def _change(n: Signal) -> EventDraft:
    """Pages, databases, data sources and comments: created, edited, moved, deleted…"""
    return n.draft(
        _title(n),
        occurred_at=n.when,
        severity=_severity(n),
        category=Category.ACTIVITY,
        fields=n.fields(),
    )


@builds("database.schema_updated", "data_source.schema_updated")
def _schema(n: Signal) -> EventDraft:
    """A database's properties added, renamed or removed: a change of its settings."""
    return n.draft(_title(n), occurred_at=n.when, category=Category.CONFIG, fields=n.fields())


_UPLOADS = {
    "created": ("{who} started uploading {what}", Severity.INFO, Outcome.STARTED),
    "completed": ("{who} uploaded {what}", Severity.SUCCESS, Outcome.SUCCESS),
    "upload_failed": ("Upload of {what} failed", Severity.WARNING, Outcome.FAILURE),
    "expired": ("Upload of {what} expired unfinished", Severity.WARNING, Outcome.FAILURE),
}


@builds(*(f"file_upload.{action}" for action in _UPLOADS))
def _file_upload(n: Signal) -> EventDraft:
    template, severity, outcome = _UPLOADS[n.action]
    file = short_id(n.entity.get("id"))
    what = f"file {file}" if file else "a file"
    return n.draft(
        template.format(who=n.who, what=what),
        occurred_at=n.when,
        severity=severity,
        category=Category.ACTIVITY,
        outcome=outcome,
        fields=n.fields(),
    )


@builds(VERIFICATION_TYPE)
def _verification(n: Signal) -> EventDraft:
    # Never the token itself, whatever the body holds: events are shown to every member,
    # exported and kept in backups.
    return EventDraft(
        type=VERIFICATION_TYPE,
        title=VERIFICATION_TITLE,
        summary=VERIFICATION_SUMMARY,
        severity=Severity.WARNING,
        fields={TOKEN_FIELD: REDACTED},
        category=Category.CONFIG,
    )
