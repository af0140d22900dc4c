"""Linear webhooks: `Linear-Signature` HMACs, the signed `webhookTimestamp`, readable changes."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.hexsig import verify_hex_hmac
from echodash.sources.keyfacts import key_facts
from echodash.sources.payload import (
    dig,
    line,
    link,
    load_json,
    load_json_quietly,
    not_an_object,
    parse_time,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "linear-signature"
TOLERANCE_SECONDS = 60
_JSON: dict[str, str] = {}
_VERBS = {"create": "created", "update": "updated", "remove": "deleted"}
# Linear's workflow state types.
_STATE_SEVERITY = {"completed": Severity.SUCCESS}
_HEALTH = {
    "onTrack": ("on track", Severity.SUCCESS),
    "atRisk": ("at risk", Severity.WARNING),
    "offTrack": ("off track", Severity.ERROR),
}


class LinearSource(Source):
    """Data-change webhooks of a Linear workspace: issues, comments, projects, cycles…"""

    kind = "linear"
    name = "Linear"
    order = 70
    icon = (
        '<rect x="1" y="1" width="22" height="22" rx="5" fill="currentColor"/>'
        '<path d="M7 8h10M7 12h10M7 16h6" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.2" stroke-linecap="round"/>'
    )
    colour = ("#4f5bd5", "#9aa4f0")
    guide = Guide(
        "Settings → API → Webhooks → New webhook",
        (
            "URL: {url}",
            "Pick the data change events (issues, comments, projects, cycles…), then Create.",
            "Copy the webhook's signing secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="Linear's signing secret",
    )
    secret_headers = frozenset({SIGNATURE_HEADER})

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Match `Linear-Signature`, then check the body's `webhookTimestamp` (±60 s)."""
        matched = verify_hex_hmac(headers, SIGNATURE_HEADER, "Linear-Signature", body, secrets)
        sent = _webhook_timestamp(body)
        if sent is None:
            raise SignatureError(
                "malformed_body", "the body has no webhookTimestamp (Unix milliseconds)"
            )
        if abs(time.time() - sent / 1000.0) > TOLERANCE_SECONDS:
            raise SignatureError(
                "stale_timestamp",
                f"webhookTimestamp {sent:.0f} is outside ±{TOLERANCE_SECONDS} s of now",
            )
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = headers.get("linear-delivery")
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Linear", document)]
        change = _Change(document)
        builder = BUILDERS.get(change.model)
        if builder is not None:
            try:
                return [builder(change)]
            except Exception:
                logger.debug("linear %s: specific title failed", change.type, exc_info=True)
        try:
            return [_generic(change)]
        except Exception:
            logger.debug("linear %s: generic title failed", change.type, exc_info=True)
            return [EventDraft(type=change.type, title=f"Linear sent {change.type}")]


def _webhook_timestamp(body: bytes) -> float | None:
    try:
        document = load_json(_JSON, bytes(body))
    except Exception:
        return None
    value = document.get("webhookTimestamp") if isinstance(document, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


class _Change:
    """One Linear delivery (`type`, `action`, `data`, `actor`…) with safe accessors."""

    __slots__ = ("action", "body", "data", "model", "type")

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.model = line(body.get("type"), 60) or "unknown"
        self.action = line(body.get("action"), 60)
        self.type = f"{self.model}.{self.action}" if self.action else self.model
        data = body.get("data")
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    @property
    def actor(self) -> str | None:
        actor = self.body.get("actor")
        if isinstance(actor, dict):
            return line(actor.get("name"), 80) or line(actor.get("email"), 80)
        for path in ("user.name", "creator.name"):  # older payloads carry no actor
            found = line(dig(self.data, path), 80)
            if found:
                return found
        return None

    @property
    def who(self) -> str:
        return self.actor or "Someone"

    @property
    def verb(self) -> str:
        action = self.action or "changed"
        return _VERBS.get(action, action.replace("_", " "))

    @property
    def previous(self) -> dict[str, Any]:
        found = self.body.get("updatedFrom")
        return found if isinstance(found, dict) else {}

    @property
    def url(self) -> str | None:
        return link(self.body.get("url"), self.data.get("url"))

    @property
    def occurred_at(self) -> Any:
        return (
            parse_time(self.body.get("createdAt"))
            or parse_time(self.data.get("updatedAt"))
            or parse_time(self.body.get("webhookTimestamp"))
        )

    def text(self, path: str, limit: int = 120) -> str | None:
        return line(dig(self.data, path), limit)

    def draft(self, title: str, **extra: Any) -> EventDraft:
        return EventDraft(
            type=self.type,
            title=title,
            actor=self.actor,
            url=self.url,
            occurred_at=self.occurred_at,
            **extra,
        )


Builder = Callable[[_Change], EventDraft]


def _fields(**values: FieldValue) -> dict[str, FieldValue]:
    return {key: value for key, value in values.items() if value is not None}


def _issue_name(identifier: str | None, title: str | None) -> str:
    return " ".join(part for part in (identifier, title) if part) or "an issue"


def _issue(change: _Change) -> EventDraft:
    identifier = change.text("identifier", 40)
    name = _issue_name(identifier, change.text("title"))
    team = change.text("team.key", 40) or change.text("team.name", 80)
    state = change.text("state.name", 60)
    state_type = change.text("state.type", 40)
    assignee = change.text("assignee.name", 80)
    priority = change.text("priorityLabel", 40)
    previous = change.previous
    severity = Severity.INFO
    if change.action == "create":
        title = f"{change.who} created issue {name}"
        if change.data.get("priority") == 1:  # Urgent
            severity = Severity.WARNING
    elif change.action == "update" and "stateId" in previous and state:
        title = f"{change.who} moved {name} to {state}"
        severity = _STATE_SEVERITY.get(state_type or "", Severity.INFO)
    elif change.action == "update" and "assigneeId" in previous:
        title = (
            f"{change.who} assigned {name} to {assignee}"
            if assignee
            else f"{change.who} unassigned {name}"
        )
    elif change.action == "update" and "priority" in previous and priority:
        title = f"{change.who} set the priority of {name} to {priority}"
        if change.data.get("priority") == 1:
            severity = Severity.WARNING
    elif change.action == "update" and "title" in previous:
        title = f"{change.who} renamed issue {name}"
    else:
        title = f"{change.who} {change.verb} issue {name}"
    labels = change.data.get("labels")
    tags = (
        tuple(
            label
            for label in (
                line(item.get("name"), 40) for item in labels[:10] if isinstance(item, dict)
            )
            if label
        )
        if isinstance(labels, list)
        else ()
    )
    return change.draft(
        title,
        subject=team,
        severity=severity,
        tags=tags,
        fields=_fields(
            issue=identifier,
            state=state,
            priority=priority,
            assignee=assignee,
            team=team,
        ),
    )


def _comment(change: _Change) -> EventDraft:
    identifier = change.text("issue.identifier", 40)
    target = _issue_name(identifier, change.text("issue.title"))
    if target == "an issue" and change.text("projectUpdate.id"):
        target = "a project update"
    verb = {
        "create": "commented on",
        "update": "edited a comment on",
        "remove": "deleted a comment on",
    }
    doing = verb.get(change.action or "", "commented on")
    return change.draft(
        f"{change.who} {doing} {target}",
        summary=change.text("body", 300) or "",
        subject=change.text("issue.team.key", 40),
        fields=_fields(issue=identifier),
    )


def _project(change: _Change) -> EventDraft:
    name = change.text("name") or "a project"
    state = change.text("status.name", 60) or change.text("state", 60)
    previous = change.previous
    severity = Severity.INFO
    if change.action == "update" and ("statusId" in previous or "state" in previous) and state:
        title = f"{change.who} moved project {name} to {state}"
        if state.lower() == "completed":
            severity = Severity.SUCCESS
    else:
        title = f"{change.who} {change.verb} project {name}"
    return change.draft(title, subject=name, severity=severity, fields=_fields(state=state))


def _project_update(change: _Change) -> EventDraft:
    project = change.text("project.name")
    health = change.data.get("health")
    label, severity = (
        _HEALTH.get(health, (None, Severity.INFO))
        if isinstance(health, str)
        else (
            None,
            Severity.INFO,
        )
    )
    where = f" on {project}" if project else ""
    if change.action == "create":
        title = f"{change.who} posted a project update{where}"
    else:
        title = f"{change.who} {change.verb} a project update{where}"
    if label:
        title += f" ({label})"
    return change.draft(
        title,
        summary=change.text("body", 300) or "",
        subject=project,
        severity=severity if change.action != "remove" else Severity.INFO,
        fields=_fields(health=label),
    )


def _cycle(change: _Change) -> EventDraft:
    number = change.text("number", 20)
    name = change.text("name")
    label = name or (f"cycle {number}" if number else "a cycle")
    if name and number:
        label = f"cycle {number} {name}"
    team = change.text("team.key", 40) or change.text("team.name", 80)
    where = f" in {team}" if team else ""
    return change.draft(
        f"{change.who} {change.verb} {label}{where}",
        subject=team,
        fields=_fields(
            cycle=number, starts=change.text("startsAt", 40), ends=change.text("endsAt", 40)
        ),
    )


def _label(change: _Change) -> EventDraft:
    name = change.text("name", 80)
    return change.draft(
        f"{change.who} {change.verb} label {name}"
        if name
        else f"{change.who} {change.verb} a label",
        subject=change.text("team.key", 40),
    )


def _reaction(change: _Change) -> EventDraft:
    emoji = change.text("emoji", 40)
    identifier = change.text("issue.identifier", 40) or change.text("comment.issue.identifier", 40)
    comment = bool(change.data.get("commentId") or change.data.get("comment"))
    if identifier:
        on = f"a comment on {identifier}" if comment else identifier
    else:
        on = "a comment" if comment else "an item"
    with_emoji = f" with {emoji}" if emoji else ""
    if change.action == "remove":
        title = f"{change.who} removed a reaction{with_emoji} from {on}"
    else:
        title = f"{change.who} reacted{with_emoji} to {on}"
    return change.draft(title, fields=_fields(emoji=emoji, issue=identifier))


def _generic(change: _Change) -> EventDraft:
    facts = key_facts(change.data, change.type)
    name = (
        change.text("identifier", 40)
        or change.text("title")
        or change.text("name")
        or change.text("key", 80)
    )
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", change.model).lower()
    if change.model == "unknown":
        title = "Linear sent a change" + (f": {name}" if name else "")
    elif change.actor:
        title = f"{change.who} {change.verb} {words}" + (f" {name}" if name else "")
    else:
        title = f"Linear {words} {change.verb}" + (f": {name}" if name else "")
    return change.draft(
        title,
        subject=facts.subject,
        severity=facts.severity,
        fields=facts.fields,
    )


BUILDERS: dict[str, Builder] = {
    "Issue": _issue,
    "Comment": _comment,
    "Project": _project,
    "ProjectUpdate": _project_update,
    "Cycle": _cycle,
    "IssueLabel": _label,
    "Reaction": _reaction,
}
