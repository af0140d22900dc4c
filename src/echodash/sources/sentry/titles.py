"""Sentry titles: issues, errors, issue alerts, metric alerts, comments, installations and
Seer's analyses; and the generic line for other resources.

New and regressed issues, errors and alerts are `alert` (Sentry telling you something is
wrong); what people do with an issue (resolve, assign, archive, comment) is `issue`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from echodash.events import Category, EventDraft, FieldValue, Severity
from echodash.sources.kit.keyfacts import key_facts
from echodash.sources.kit.payload import dig, line, link, parse_time
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook
from echodash.sources.sentry.reader import Payload

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

# Sentry's issue levels.
_LEVELS: dict[str, Severity] = {
    "fatal": Severity.CRITICAL,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "debug": Severity.INFO,
    "sample": Severity.INFO,
}
_RANK = {s: i for i, s in enumerate(Severity)}  # info < success < warning < error < critical


def level(value: Any, default: Severity = Severity.INFO) -> Severity:
    return _LEVELS.get(value.lower(), default) if isinstance(value, str) else default


@TITLES.otherwise
def generic(p: Payload) -> EventDraft:
    """`Sentry seer.root cause completed: Null check missing`, from the payload's key facts."""
    facts = key_facts(p.body, p.type)
    sentence = f"Sentry {p.type.replace('_', ' ')}"
    if facts.headline:
        sentence += ": " + " · ".join(facts.headline)
    draft = p.draft(
        sentence,
        url=facts.url,
        occurred_at=facts.occurred_at,
        severity=facts.severity,
        fields=facts.fields,
    )
    return replace(draft, actor=p.actor or facts.actor, subject=facts.subject)


# ---- issues ------------------------------------------------------------------------------


def _issue_title(p: Payload, issue: dict[str, Any]) -> tuple[str, Severity, Category]:
    short_id = line(issue.get("shortId"), 60) or line(issue.get("id"), 60)
    title = line(issue.get("title")) or line(issue.get("culprit")) or "an untitled issue"
    project = p.subject
    issue_level = line(issue.get("level"), 20)
    substatus = line(issue.get("substatus"), 40)
    who = p.actor or "Sentry"
    name = f"issue {short_id}" if short_id else "an issue"
    action = p.action or ""
    if action == "created":
        sentence = f"New issue in {project}: {title}" if project else f"New issue: {title}"
        return sentence, level(issue_level, Severity.ERROR), Category.ALERT
    if action == "resolved":
        return f"{who} resolved {name}: {title}", Severity.SUCCESS, Category.ISSUE
    if action == "assigned":
        assignee = issue.get("assignedTo")
        to = None
        if isinstance(assignee, dict):
            to = line(assignee.get("name"), 80) or line(assignee.get("email"), 80)
        target = f"{name} to {to}" if to else name
        return f"{who} assigned {target}: {title}", Severity.INFO, Category.ISSUE
    if action in ("archived", "ignored"):
        return f"{who} archived {name}: {title}", Severity.INFO, Category.ISSUE
    if action == "unresolved" and substatus in ("regressed", "escalating"):
        verb = "regressed" if substatus == "regressed" else "is escalating"
        where = f" in {project}" if project else ""
        severity = level(issue_level, Severity.ERROR)
        sentence = f"{name[:1].upper()}{name[1:]} {verb}{where}: {title}"
        return sentence, max(severity, Severity.WARNING, key=_RANK.__getitem__), Category.ALERT
    if action == "unresolved":
        return f"{who} reopened {name}: {title}", Severity.WARNING, Category.ALERT
    doing = f" {words(action)}" if action else ""
    return f"Sentry {name}{doing}: {title}", Severity.INFO, Category.ISSUE


@builds("issue")
def _issue(p: Payload) -> EventDraft:
    issue = p.obj("data.issue")
    sentence, severity, category = _issue_title(p, issue)
    issue_level = line(issue.get("level"), 20)
    return p.draft(
        sentence,
        url=link(issue.get("web_url"), issue.get("permalink"), p.get("data.web_url")),
        occurred_at=parse_time(issue.get("firstSeen")) if p.action == "created" else None,
        severity=severity,
        tags=[issue_level],
        fields={
            "issue": line(issue.get("shortId"), 60) or line(issue.get("id"), 60),
            "level": issue_level,
            "status": line(issue.get("status"), 40),
            "substatus": line(issue.get("substatus"), 40),
            "culprit": line(issue.get("culprit")),
        },
        category=category,
    )


# ---- errors and alerts -------------------------------------------------------------------


def _event(p: Payload, event: dict[str, Any], rule: str | None) -> EventDraft:
    title = line(event.get("title")) or line(event.get("message")) or "an event"
    event_level = line(event.get("level"), 20)
    if rule:
        sentence = f"Alert {rule} triggered: {title}"
    else:
        sentence = f"New {event_level or 'error'} event: {title}"
    fields: dict[str, FieldValue] = {
        "level": event_level,
        "rule": rule,
        "culprit": line(event.get("culprit")),
        "event_id": line(event.get("event_id"), 64),
        "issue_id": line(event.get("issue_id"), 40),
    }
    return p.draft(
        sentence,
        summary=line(event.get("culprit"), 300),
        url=link(event.get("web_url"), event.get("issue_url")),
        occurred_at=parse_time(event.get("datetime")) or parse_time(event.get("timestamp")),
        severity=level(event_level, Severity.ERROR),
        tags=[event_level],
        fields=fields,
        category=Category.ALERT,
    )


@builds("error")
def _error(p: Payload) -> EventDraft:
    return _event(p, p.obj("data.error"), None)


@builds("event_alert")
def _event_alert(p: Payload) -> EventDraft:
    rule = line(p.get("data.triggered_rule"), 120) or "rule"
    return _event(p, p.obj("data.event"), rule)


_METRIC_SEVERITY = {
    "critical": Severity.CRITICAL,
    "warning": Severity.WARNING,
    "resolved": Severity.SUCCESS,
}


@builds("metric_alert")
def _metric_alert(p: Payload) -> EventDraft:
    alert = p.obj("data.metric_alert")
    rule = p.obj("data.metric_alert.alert_rule")
    name = (
        line(rule.get("name"))
        or line(alert.get("title"))
        or line(p.get("data.description_title"))
        or "unnamed alert"
    )
    state = p.action or "triggered"
    moment = alert.get("date_closed") if state == "resolved" else None
    return p.draft(
        f"Metric alert {words(state)}: {name}",
        summary=line(p.get("data.description_text"), 300),
        url=link(p.get("data.web_url"), alert.get("web_url")),
        occurred_at=parse_time(moment) or parse_time(alert.get("date_detected")),
        severity=_METRIC_SEVERITY.get(state, Severity.WARNING),
        fields={
            "rule": name if name != "unnamed alert" else None,
            "aggregate": line(rule.get("aggregate"), 80),
            "query": line(rule.get("query"), 120),
            "incident": line(alert.get("identifier"), 40) or line(alert.get("id"), 40),
        },
        category=Category.ALERT,
    )


# ---- people: comments, installations -------------------------------------------------------

_COMMENT_VERBS = {
    "created": "commented on",
    "updated": "edited a comment on",
    "deleted": "deleted a comment on",
}


@builds("comment")
def _comment(p: Payload) -> EventDraft:
    issue = line(p.get("data.issue_id"), 40)
    target = f"issue {issue}" if issue else "an issue"
    where = f" in {p.project}" if p.project else ""
    verb = _COMMENT_VERBS.get(p.action or "", "commented on")
    return p.draft(
        f"{p.actor or 'Someone'} {verb} {target}{where}",
        summary=line(p.get("data.comment"), 300),
        occurred_at=parse_time(p.get("data.timestamp")),
        fields={"issue_id": issue, "comment_id": line(p.get("data.comment_id"), 40)},
        category=Category.ISSUE,
    )


@builds("installation")
def _installation(p: Payload) -> EventDraft:
    install = p.obj("data.installation")
    app = line(dig(install, "app.slug"), 80) or "the integration"
    org = line(dig(install, "organization.slug"), 80)
    verb = {"created": "installed", "deleted": "uninstalled"}.get(
        p.action or "", words(p.action or "changed")
    )
    where = f" in {org}" if org else ""
    return p.draft(
        f"{p.actor or 'Someone'} {verb} {app}{where}",
        severity=Severity.WARNING if p.action == "deleted" else Severity.INFO,
        fields={"status": line(install.get("status"), 40)},
        category=Category.CONFIG,
    )


# ---- Seer: root causes, solutions, code changes -----------------------------------------------

_SEER = {
    "root_cause_started": ("started looking for the root cause of", Severity.INFO),
    "root_cause_completed": ("found the root cause of", Severity.INFO),
    "solution_started": ("started working on a solution for", Severity.INFO),
    "solution_completed": ("proposed a solution for", Severity.INFO),
    "coding_started": ("started coding a fix for", Severity.INFO),
    "coding_completed": ("finished coding a fix for", Severity.SUCCESS),
    "pr_created": ("opened a pull request to fix", Severity.SUCCESS),
}


@builds("seer")
def _seer(p: Payload) -> EventDraft:
    what, severity = _SEER.get(p.action or "", (f"{words(p.action or 'updated')}:", Severity.INFO))
    group = line(p.get("data.group_id"), 40)
    issue = f"issue {group}" if group else "an issue"
    about = line(p.get("data.title"), 160) or line(p.get("data.root_cause.description"), 160)
    return p.draft(
        f"Seer {what} {issue}" + (f": {about}" if about else ""),
        url=p.link("data.pull_request.url", "data.web_url"),
        severity=severity,
        fields={"run_id": line(p.get("data.run_id"), 40), "issue_id": group},
        category=Category.ISSUE,
    )
