"""Sentry integration-platform webhooks: `Sentry-Hook-Signature` HMACs, readable issues/alerts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Headers, Source
from echodash.sources.hexsig import verify_hex_hmac
from echodash.sources.keyfacts import key_facts
from echodash.sources.payload import (
    dig,
    line,
    link,
    load_json_quietly,
    not_an_object,
    parse_time,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "sentry-hook-signature"
RESOURCE_HEADER = "sentry-hook-resource"

# Sentry's issue levels, gravest last.
_LEVELS: dict[str, Severity] = {
    "fatal": Severity.CRITICAL,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "debug": Severity.INFO,
    "sample": Severity.INFO,
}
# When the resource header is missing, the key under `data` tells the resource.
_DATA_KEYS = (
    ("issue", "issue"),
    ("error", "error"),
    ("event", "event_alert"),
    ("metric_alert", "metric_alert"),
    ("installation", "installation"),
    ("comment_id", "comment"),
)


class SentrySource(Source):
    """Webhooks of a Sentry internal (custom) integration: issues, errors, alerts, comments."""

    kind = "sentry"
    name = "Sentry"
    order = 60
    icon = (
        '<path d="M10.3 2.6a2 2 0 0 1 3.4 0l9 15.6a2 2 0 0 1-1.7 3H3a2 2 0 0 1-1.7-3z" '
        'fill="currentColor"/>'
        '<path d="M12 8.5v5.2" fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="2.4" '
        'stroke-linecap="round"/>'
        '<circle cx="12" cy="17.3" r="1.4" style="fill:var(--src-ink,#fff)"/>'
    )
    colour = ("#8a4aa0", "#d09be0")
    guide = Guide(
        "Settings → Developer Settings → your internal integration → Webhook URL",
        (
            "Webhook URL: {url}",
            "Enable Alert Rule Action and tick the resources (issue, error, …).",
            "Copy the integration's Client Secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The integration's Client Secret",
    )
    secret_headers = frozenset({SIGNATURE_HEADER})

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Match `Sentry-Hook-Signature` against each active secret; return the matching index."""
        return verify_hex_hmac(headers, SIGNATURE_HEADER, "Sentry-Hook-Signature", body, secrets)

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = headers.get("request-id")
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            resource = _header_resource(headers) or "unknown"
            return [not_an_object("Sentry", document, f"a {resource} delivery", resource)]
        resource = _header_resource(headers) or _guess_resource(document) or "unknown"
        action = line(document.get("action"), 60)
        event_type = f"{resource}.{action}" if action else resource
        hook = _Hook(resource, action, event_type, document)
        builder = BUILDERS.get(resource)
        if builder is not None:
            try:
                return [builder(hook)]
            except Exception:
                logger.debug("sentry %s: specific title failed", event_type, exc_info=True)
        try:
            return [_generic(hook)]
        except Exception:
            logger.debug("sentry %s: generic title failed", event_type, exc_info=True)
            return [EventDraft(type=event_type, title=f"Sentry sent {event_type}")]


class _Hook:
    """One Sentry delivery with safe accessors."""

    __slots__ = ("action", "body", "resource", "type")

    def __init__(self, resource: str, action: str | None, event_type: str, body: dict[str, Any]):
        self.resource = resource
        self.action = action
        self.type = event_type
        self.body = body

    def obj(self, path: str) -> dict[str, Any]:
        found = dig(self.body, path)
        return found if isinstance(found, dict) else {}

    @property
    def actor(self) -> str | None:
        actor = self.body.get("actor")
        if isinstance(actor, dict):
            return line(actor.get("name"), 80) or line(actor.get("id"), 80)
        return None


Builder = Callable[[_Hook], EventDraft]


def _header_resource(headers: Headers) -> str | None:
    try:
        value = headers.get(RESOURCE_HEADER)
    except Exception:
        return None
    return line(value, 60) if isinstance(value, str) else None


def _guess_resource(document: Mapping[str, Any]) -> str | None:
    data = document.get("data")
    if isinstance(data, dict):
        for key, resource in _DATA_KEYS:
            if key in data:
                return resource
    return None


def _level(value: Any, default: Severity = Severity.INFO) -> Severity:
    return _LEVELS.get(str(value).lower(), default) if isinstance(value, str) else default


def _fields(**values: FieldValue) -> dict[str, FieldValue]:
    return {key: value for key, value in values.items() if value is not None}


def _issue(hook: _Hook) -> EventDraft:
    issue = hook.obj("data.issue")
    short_id = line(issue.get("shortId"), 60) or line(issue.get("id"), 60)
    title = line(issue.get("title")) or line(issue.get("culprit")) or "an untitled issue"
    project = line(dig(issue, "project.slug"), 80) or line(dig(issue, "project.name"), 80)
    level = line(issue.get("level"), 20)
    substatus = line(issue.get("substatus"), 40)
    who = hook.actor or "Sentry"
    name = f"issue {short_id}" if short_id else "an issue"
    severity = Severity.INFO
    action = hook.action or ""
    if action == "created":
        sentence = f"New issue in {project}: {title}" if project else f"New issue: {title}"
        severity = _level(level, Severity.ERROR)
    elif action == "resolved":
        sentence = f"{who} resolved {name}: {title}"
        severity = Severity.SUCCESS
    elif action == "assigned":
        assignee = issue.get("assignedTo")
        to = None
        if isinstance(assignee, dict):
            to = line(assignee.get("name"), 80) or line(assignee.get("email"), 80)
        sentence = (
            f"{who} assigned {name} to {to}: {title}" if to else f"{who} assigned {name}: {title}"
        )
    elif action in ("archived", "ignored"):
        sentence = f"{who} archived {name}: {title}"
    elif action == "unresolved" and substatus in ("regressed", "escalating"):
        verb = "regressed" if substatus == "regressed" else "is escalating"
        where = f" in {project}" if project else ""
        sentence = f"{name[:1].upper()}{name[1:]} {verb}{where}: {title}"
        severity = _level(level, Severity.ERROR)
        if severity is Severity.INFO:
            severity = Severity.WARNING
    elif action == "unresolved":
        sentence = f"{who} reopened {name}: {title}"
        severity = Severity.WARNING
    else:
        doing = f" {action.replace('_', ' ')}" if action else ""
        sentence = f"Sentry {name}{doing}: {title}"
    return EventDraft(
        type=hook.type,
        title=sentence,
        actor=hook.actor,
        subject=project,
        url=link(issue.get("web_url"), issue.get("permalink"), dig(hook.body, "data.web_url")),
        occurred_at=parse_time(issue.get("firstSeen")) if action == "created" else None,
        severity=severity,
        tags=tuple(t for t in (level,) if t),
        fields=_fields(
            issue=short_id,
            level=level,
            status=line(issue.get("status"), 40),
            substatus=substatus,
            culprit=line(issue.get("culprit")),
        ),
    )


def _event(hook: _Hook, event: dict[str, Any], rule: str | None) -> EventDraft:
    title = line(event.get("title")) or line(event.get("message")) or "an event"
    level = line(event.get("level"), 20)
    if rule:
        sentence = f"Alert {rule} triggered: {title}"
    else:
        sentence = f"New {level or 'error'} event: {title}"
    return EventDraft(
        type=hook.type,
        title=sentence,
        summary=line(event.get("culprit"), 300) or "",
        actor=hook.actor,
        subject=line(event.get("project"), 80),
        url=link(event.get("web_url"), event.get("issue_url")),
        occurred_at=parse_time(event.get("datetime")) or parse_time(event.get("timestamp")),
        severity=_level(level, Severity.ERROR),
        tags=tuple(t for t in (level,) if t),
        fields=_fields(
            level=level,
            rule=rule,
            culprit=line(event.get("culprit")),
            event_id=line(event.get("event_id"), 64),
            issue_id=line(event.get("issue_id"), 40),
        ),
    )


def _error(hook: _Hook) -> EventDraft:
    return _event(hook, hook.obj("data.error"), None)


def _event_alert(hook: _Hook) -> EventDraft:
    rule = line(dig(hook.body, "data.triggered_rule"), 120) or "rule"
    return _event(hook, hook.obj("data.event"), rule)


_METRIC_SEVERITY = {
    "critical": Severity.CRITICAL,
    "warning": Severity.WARNING,
    "resolved": Severity.SUCCESS,
}


def _metric_alert(hook: _Hook) -> EventDraft:
    alert = hook.obj("data.metric_alert")
    rule = alert.get("alert_rule")
    rule = rule if isinstance(rule, dict) else {}
    name = (
        line(rule.get("name"))
        or line(alert.get("title"))
        or line(dig(hook.body, "data.description_title"))
        or "unnamed alert"
    )
    state = hook.action or "triggered"
    projects = rule.get("projects")
    project = line(projects[0], 80) if isinstance(projects, list) and projects else None
    moment = alert.get("date_closed") if state == "resolved" else None
    return EventDraft(
        type=hook.type,
        title=f"Metric alert {state.replace('_', ' ')}: {name}",
        summary=line(dig(hook.body, "data.description_text"), 300) or "",
        actor=hook.actor,
        subject=project,
        url=link(dig(hook.body, "data.web_url"), alert.get("web_url")),
        occurred_at=parse_time(moment) or parse_time(alert.get("date_detected")),
        severity=_METRIC_SEVERITY.get(state, Severity.WARNING),
        fields=_fields(
            rule=name if name != "unnamed alert" else None,
            aggregate=line(rule.get("aggregate"), 80),
            query=line(rule.get("query"), 120),
            incident=line(alert.get("identifier"), 40) or line(alert.get("id"), 40),
        ),
    )


def _comment(hook: _Hook) -> EventDraft:
    data = hook.obj("data")
    who = hook.actor or "Someone"
    issue = line(data.get("issue_id"), 40)
    project = line(data.get("project_slug"), 80)
    target = f"issue {issue}" if issue else "an issue"
    where = f" in {project}" if project else ""
    verb = {"created": "commented on", "updated": "edited a comment on"}.get(
        hook.action or "", "deleted a comment on" if hook.action == "deleted" else "commented on"
    )
    return EventDraft(
        type=hook.type,
        title=f"{who} {verb} {target}{where}",
        summary=line(data.get("comment"), 300) or "",
        actor=hook.actor,
        subject=project,
        occurred_at=parse_time(data.get("timestamp")),
        fields=_fields(issue_id=issue, comment_id=line(data.get("comment_id"), 40)),
    )


def _installation(hook: _Hook) -> EventDraft:
    install = hook.obj("data.installation")
    app = line(dig(install, "app.slug"), 80) or "the integration"
    org = line(dig(install, "organization.slug"), 80)
    who = hook.actor or "Someone"
    verb = {"created": "installed", "deleted": "uninstalled"}.get(
        hook.action or "", (hook.action or "changed").replace("_", " ")
    )
    where = f" in {org}" if org else ""
    return EventDraft(
        type=hook.type,
        title=f"{who} {verb} {app}{where}",
        actor=hook.actor,
        subject=org,
        severity=Severity.WARNING if hook.action == "deleted" else Severity.INFO,
        fields=_fields(status=line(install.get("status"), 40)),
    )


def _generic(hook: _Hook) -> EventDraft:
    facts = key_facts(hook.body, hook.type)
    what = hook.type.replace("_", " ")
    sentence = f"Sentry {what}"
    if facts.headline:
        sentence += ": " + " · ".join(facts.headline)
    return EventDraft(
        type=hook.type,
        title=sentence,
        actor=hook.actor or facts.actor,
        subject=facts.subject,
        url=facts.url,
        occurred_at=facts.occurred_at,
        severity=facts.severity,
        fields=facts.fields,
    )


BUILDERS: dict[str, Builder] = {
    "issue": _issue,
    "error": _error,
    "event_alert": _event_alert,
    "metric_alert": _metric_alert,
    "comment": _comment,
    "installation": _installation,
}
