"""Linear titles: one builder per model, each reading the action (create, update, remove…).

Titles name the issue by its identifier (`ENG-12 Fix login bug`) wherever the payload has
one. A builder may assume the usual payload shape: the base falls back to the generic line
when one raises (see sources/_base.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

from echodash.events import Category, EventDraft, Severity
from echodash.sources.kit.keyfacts import key_facts
from echodash.sources.kit.text import moment
from echodash.sources.kit.titles import TitleBook
from echodash.sources.linear.reader import Change

TITLES: TitleBook[Change] = TitleBook()
builds = TITLES.builds

# Linear's workflow state types and project/initiative health.
_STATE_SEVERITY = {"completed": Severity.SUCCESS}
_HEALTH = {
    "onTrack": ("on track", Severity.SUCCESS),
    "atRisk": ("at risk", Severity.WARNING),
    "offTrack": ("off track", Severity.ERROR),
}
_URGENT = 1  # Linear's priority numbers: 1 urgent, 2 high, 3 medium, 4 low, 0 none


def issue_name(identifier: str | None, title: str | None) -> str:
    return " ".join(part for part in (identifier, title) if part) or "an issue"


@TITLES.otherwise
def generic(c: Change) -> EventDraft:
    """Any other model: `alice created initiative update Q3` from the payload's key facts."""
    facts = key_facts(c.data, c.type)
    name = (
        c.issue_id("data.identifier")
        or c.text("data.title")
        or c.text("data.name")
        or c.text("data.key", 80)
    )
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", c.model).lower()
    if c.model == "unknown":
        title = "Linear sent a change" + (f": {name}" if name else "")
    elif c.actor:
        title = f"{c.who} {c.verb} {words}" + (f" {name}" if name else "")
    else:
        title = f"Linear {words} {c.verb}" + (f": {name}" if name else "")
    draft = c.draft(title, severity=facts.severity, fields=facts.fields)
    return replace(draft, subject=c.subject or facts.subject)


# ---- issues and what hangs on them -----------------------------------------------------


@builds("Issue")
def _issue(c: Change) -> EventDraft:
    identifier = c.issue_id("data.identifier")
    name = issue_name(identifier, c.text("data.title"))
    state, state_type = c.text("data.state.name", 60), c.text("data.state.type", 40)
    assignee, priority = c.text("data.assignee.name", 80), c.text("data.priorityLabel", 40)
    urgent = c.data.get("priority") == _URGENT
    previous = c.previous
    severity = Severity.INFO
    if c.action == "create":
        title = f"{c.who} created issue {name}"
        severity = Severity.WARNING if urgent else Severity.INFO
    elif c.action == "update" and "stateId" in previous and state:
        title = f"{c.who} moved {name} to {state}"
        severity = _STATE_SEVERITY.get(state_type or "", Severity.INFO)
    elif c.action == "update" and "assigneeId" in previous:
        title = (
            f"{c.who} assigned {name} to {assignee}" if assignee else f"{c.who} unassigned {name}"
        )
    elif c.action == "update" and "priority" in previous and priority:
        title = f"{c.who} set the priority of {name} to {priority}"
        severity = Severity.WARNING if urgent else Severity.INFO
    elif c.action == "update" and "title" in previous:
        title = f"{c.who} renamed issue {name}"
    else:
        title = f"{c.who} {c.verb} issue {name}"
    labels = c.get("data.labels")
    tags = (
        [c.text(f"data.labels.{i}.name", 40) for i in range(min(len(labels), 10))]
        if isinstance(labels, list)
        else []
    )
    return c.draft(
        title,
        severity=severity,
        tags=tags,
        category=Category.ISSUE,
        fields={
            "issue": identifier,
            "state": state,
            "priority": priority,
            "assignee": assignee,
            "team": c.text("data.team.key", 40) or c.text("data.team.name", 80),
        },
    )


_COMMENT_VERBS = {
    "create": "commented on",
    "update": "edited a comment on",
    "remove": "deleted a comment on",
}


@builds("Comment")
def _comment(c: Change) -> EventDraft:
    identifier = c.issue_id("data.issue.identifier")
    target = issue_name(identifier, c.text("data.issue.title"))
    if target == "an issue":
        if c.text("data.projectUpdate.id", 60) or c.text("data.projectUpdateId", 60):
            target = "a project update"
        elif c.text("data.initiativeUpdate.id", 60) or c.text("data.initiativeUpdateId", 60):
            target = "an initiative update"
        elif document := c.text("data.document.title") or (
            "a document" if c.text("data.documentId", 60) else None
        ):
            target = document
    doing = _COMMENT_VERBS.get(c.action or "", "commented on")
    return c.draft(
        f"{c.who} {doing} {target}",
        summary=c.text("data.body", 300),
        category=Category.ISSUE,
        fields={"issue": identifier},
    )


@builds("Reaction")
def _reaction(c: Change) -> EventDraft:
    emoji = c.text("data.emoji", 40)
    identifier = c.issue_id("data.issue.identifier", "data.comment.issue.identifier")
    comment = bool(c.data.get("commentId") or c.data.get("comment"))
    if identifier:
        on = f"a comment on {identifier}" if comment else identifier
    else:
        on = "a comment" if comment else "an item"
    with_emoji = f" with {emoji}" if emoji else ""
    if c.action == "remove":
        title = f"{c.who} removed a reaction{with_emoji} from {on}"
    else:
        title = f"{c.who} reacted{with_emoji} to {on}"
    return c.draft(title, category=Category.ISSUE, fields={"emoji": emoji, "issue": identifier})


@builds("Attachment")
def _attachment(c: Change) -> EventDraft:
    identifier = c.issue_id("data.issue.identifier")
    issue = issue_name(identifier, c.text("data.issue.title"))
    name = c.text("data.title") or c.text("data.source.type", 40) or "a link"
    if c.action == "create":
        title = f"{c.who} attached {name} to {issue}"
    elif c.action == "remove":
        title = f"{c.who} removed {name} from {issue}"
    else:
        title = f"{c.who} {c.verb} attachment {name} on {issue}"
    return c.draft(
        title,
        url=c.link("url", "data.issue.url", "data.url"),
        category=Category.ISSUE,
        summary=c.text("data.subtitle", 300),
        fields={"issue": identifier, "attachment": c.link("data.url")},
    )


_SLA = {
    "set": ("SLA set on {issue}{due}", Severity.INFO),
    "highRisk": ("{issue} is about to breach its SLA{due}", Severity.WARNING),
    "breached": ("{issue} breached its SLA{due}", Severity.WARNING),
}


@builds("IssueSLA")
def _issue_sla(c: Change) -> EventDraft:
    """Linear's SLA alerts: the issue is in `issueData`, not `data`."""
    identifier = c.issue_id("issueData.identifier")
    issue = issue_name(identifier, c.text("issueData.title"))
    breaches = moment(c.get("issueData.slaBreachesAt"))
    due = f"{breaches:%Y-%m-%d %H:%M} UTC" if breaches else None
    template, severity = _SLA.get(c.action or "", ("SLA of {issue} {verb}{due}", Severity.INFO))
    title = template.format(issue=issue, due=f" (due {due})" if due else "", verb=c.verb)
    return c.draft(
        title[0].upper() + title[1:],
        url=c.link("url", "issueData.url"),
        severity=severity,
        category=Category.ISSUE,
        fields={
            "issue": identifier,
            "sla_type": c.text("issueData.slaType", 40),
            "breaches_at": c.text("issueData.slaBreachesAt", 40),
            "priority": c.text("issueData.priorityLabel", 40),
        },
    )


@builds("IssueLabel")
def _label(c: Change) -> EventDraft:
    name = c.text("data.name", 80)
    team = c.text("data.team.key", 40)
    title = f"{c.who} {c.verb} label {name}" if name else f"{c.who} {c.verb} a label"
    return c.draft(
        title + (f" in {team}" if team else ""),
        category=Category.CONFIG,
        fields={"label": name, "team": team},
    )


# ---- projects, cycles, initiatives, documents -----------------------------------------


def _planned(c: Change, kind: str, state: str | None, person: tuple[str, str]) -> EventDraft:
    """A project or initiative: created, moved to a status, renamed, deleted."""
    name = c.text("data.name") or f"a {kind}"
    title, severity = f"{c.who} {c.verb} {kind} {name}", Severity.INFO
    if c.action == "update" and state and ({"statusId", "state", "status"} & c.previous.keys()):
        title = f"{c.who} moved {kind} {name} to {state}"
        severity = Severity.SUCCESS if state.lower() == "completed" else Severity.INFO
    role, path = person
    return c.draft(
        title,
        severity=severity,
        category=Category.ACTIVITY,
        fields={"state": state, role: c.text(path, 80)},
    )


@builds("Project")
def _project(c: Change) -> EventDraft:
    state = c.text("data.status.name", 60) or c.text("data.state", 60)
    return _planned(c, "project", state, ("lead", "data.lead.name"))


@builds("Initiative")
def _initiative(c: Change) -> EventDraft:
    return _planned(c, "initiative", c.text("data.status", 60), ("owner", "data.owner.name"))


def _update_post(c: Change, of: str) -> EventDraft:
    """A project's or initiative's update post, with its health."""
    name = c.text(f"data.{of}.name")
    health = c.text("data.health", 20)
    label, severity = _HEALTH.get(health or "", (None, Severity.INFO))
    where = f" on {name}" if name else ""
    what = f"{'an' if of == 'initiative' else 'a'} {of} update"
    if c.action == "create":
        title = f"{c.who} posted {what}{where}"
    else:
        title = f"{c.who} {c.verb} {what}{where}"
    return c.draft(
        title + (f" ({label})" if label else ""),
        summary=c.text("data.body", 300),
        severity=severity if c.action != "remove" else Severity.INFO,
        category=Category.ACTIVITY,
        fields={"health": label},
    )


@builds("ProjectUpdate")
def _project_update(c: Change) -> EventDraft:
    return _update_post(c, "project")


@builds("InitiativeUpdate")
def _initiative_update(c: Change) -> EventDraft:
    return _update_post(c, "initiative")


@builds("Cycle")
def _cycle(c: Change) -> EventDraft:
    number, name = c.text("data.number", 20), c.text("data.name")
    label = name or (f"cycle {number}" if number else "a cycle")
    if name and number:
        label = f"cycle {number} {name}"
    team = c.text("data.team.key", 40) or c.text("data.team.name", 80)
    return c.draft(
        f"{c.who} {c.verb} {label}" + (f" in {team}" if team else ""),
        category=Category.ACTIVITY,
        fields={
            "cycle": number,
            "starts": c.text("data.startsAt", 40),
            "ends": c.text("data.endsAt", 40),
        },
    )


@builds("Document")
def _document(c: Change) -> EventDraft:
    name = c.text("data.title") or "a document"
    within = c.text("data.project.name") or c.text("data.initiative.name")
    return c.draft(
        f"{c.who} {c.verb} document {name}" + (f" in {within}" if within else ""),
        category=Category.ACTIVITY,
    )


# ---- customers -------------------------------------------------------------------------


@builds("Customer")
def _customer(c: Change) -> EventDraft:
    name = c.text("data.name", 80) or "a customer"
    return c.draft(
        f"{c.who} {c.verb} customer {name}",
        category=Category.ACTIVITY,
        fields={"domains": c.text("data.domains.0", 80), "status": c.text("data.status.name", 40)},
    )


@builds("CustomerNeed")
def _customer_need(c: Change) -> EventDraft:
    customer = c.text("data.customer.name", 80)
    identifier = c.issue_id("data.issue.identifier")
    target = issue_name(identifier, c.text("data.issue.title"))
    if target == "an issue" and (project := c.text("data.project.name")):
        target = f"project {project}"
    what = "a customer request" + (f" from {customer}" if customer else "")
    if c.action == "create":
        title = f"{c.who} added {what} to {target}"
    elif c.action == "remove":
        title = f"{c.who} removed {what} from {target}"
    else:
        title = f"{c.who} {c.verb} {what} on {target}"
    return c.draft(
        title,
        summary=c.text("data.body", 300),
        category=Category.ISSUE,
        fields={"issue": identifier, "customer": customer},
    )


# ---- the workspace: people, apps, audit log --------------------------------------------


@builds("User")
def _user(c: Change) -> EventDraft:
    person = c.text("data.name", 80) or c.text("data.email", 80) or "someone"
    previous = c.previous
    category = Category.CONFIG
    if c.action == "create":
        title, category = f"{person} joined the Linear workspace", Category.SIGNUP
    elif "active" in previous and c.data.get("active") is False:
        title = f"{person} was deactivated in the Linear workspace"
    elif "active" in previous:
        title = f"{person} was reactivated in the Linear workspace"
    elif "admin" in previous:
        role = "an admin" if c.data.get("admin") is True else "no longer an admin"
        title = f"{person} is now {role} of the Linear workspace"
    elif c.action == "remove":
        title = f"{person} left the Linear workspace"
    else:
        title = f"{person}'s Linear profile was updated"
    return c.draft(title, category=category, fields={"email": c.text("data.email", 120)})


@builds("OAuthApp")
def _oauth_app(c: Change) -> EventDraft:
    client = c.text("oauthClientId", 80)
    app = f"OAuth app {client}" if client else "an OAuth app"
    if c.action == "revoked":
        title, severity = f"The Linear workspace revoked {app}'s access", Severity.WARNING
    else:
        title, severity = f"Linear {c.verb} {app}", Severity.INFO
    return c.draft(
        title,
        severity=severity,
        category=Category.CONFIG,
        fields={"oauth_client": client, "organization": c.text("organizationId", 80)},
    )


@builds("AuditEntry")
def _audit_entry(c: Change) -> EventDraft:
    kind = c.text("data.type", 80) or "an entry"
    what = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()
    ip, country = c.text("data.ip", 60), c.text("data.countryCode", 8)
    source = " from " + " ".join(p for p in (ip, f"({country})" if country else None) if p)
    return c.draft(
        f"Linear audit log: {what}"
        + (f" by {c.actor}" if c.actor else "")
        + (source if ip or country else ""),
        category=Category.CONFIG,
        fields={"audit_type": kind, "ip": ip, "country": country},
    )
