"""Vercel titles: deployments, projects, domains, integrations, the firewall, budgets and
marketplace invoices.

Each builder may assume the usual payload shape: the base falls back to the generic line when
one raises (see sources/_base.py).
"""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.kit.payload import parse_time
from echodash.sources.kit.text import short_sha, words
from echodash.sources.kit.titles import TitleBook
from echodash.sources.vercel.reader import Payload

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

# The category of every type of a family (`domain.*`), for builders and the generic line.
FAMILIES = {
    "deployment": Category.DEPLOYMENT,
    "project": Category.CONFIG,
    "domain": Category.CONFIG,
    "integration-configuration": Category.CONFIG,
    "integration-resource": Category.CONFIG,
    "attack": Category.ALERT,
    "budget": Category.ALERT,
    "marketplace": Category.PAYMENT,
}


def family(p: Payload) -> Category:
    return FAMILIES.get(p.kind.split(".", 1)[0], Category.OTHER)


def _draft(
    p: Payload,
    title: str,
    *,
    severity: Severity = Severity.INFO,
    outcome: Outcome | None = None,
    fields: dict[str, FieldValue] | None = None,
    tags: tuple[str | None, ...] = (),
) -> EventDraft:
    """The draft every Vercel event shares: its project, target, branch and commit."""
    target, branch, sha = p.environment, p.meta("CommitRef"), p.meta("CommitSha")
    return p.draft(
        title,
        occurred_at=parse_time(p.get("createdAt")),
        severity=severity,
        tags=(target, branch, *tags),
        fields={
            "project": p.subject,
            "target": target,
            "branch": branch,
            "commit": short_sha(sha),
            "deployment": p.data("deployment.id", 100),
            **(fields or {}),
        },
        category=family(p),
        outcome=outcome,
        commits=[sha],
    )


@TITLES.otherwise
def generic(p: Payload) -> EventDraft:
    """`Vercel sent an edge-config.updated event for acme-web`."""
    article = "an" if p.type[:1].lower() in "aeiou" else "a"
    where = f" for {p.subject}" if p.subject else ""
    return _draft(p, f"Vercel sent {article} {p.type} event{where}")


# ---- deployments -----------------------------------------------------------------------------

# deployment.<what>: (verb for the title, severity, outcome)
_DEPLOYMENT: dict[str, tuple[str, Severity, Outcome]] = {
    "created": ("started", Severity.INFO, Outcome.STARTED),
    "succeeded": ("succeeded", Severity.SUCCESS, Outcome.SUCCESS),
    "ready": ("is ready", Severity.SUCCESS, Outcome.SUCCESS),
    "error": ("failed", Severity.ERROR, Outcome.FAILURE),
    "canceled": ("was canceled", Severity.WARNING, Outcome.CANCELLED),
}


def _commit(p: Payload) -> str:
    """` (main: Fix login)`, with whatever of the branch and message the deployment names."""
    branch, message = p.meta("CommitRef"), p.commit_message
    if branch and message:
        return f" ({branch}: {message})"
    return f" ({branch or message})" if branch or message else ""


def _what(p: Payload) -> str:
    return p.subject or "a project"


@builds(*(f"deployment.{action}" for action in _DEPLOYMENT))
def _deployment(p: Payload) -> EventDraft:
    verb, severity, outcome = _DEPLOYMENT[p.kind.removeprefix("deployment.")]
    to = f" to {p.environment}" if p.environment else ""
    return _draft(
        p, f"Deployment of {_what(p)}{to} {verb}{_commit(p)}", severity=severity, outcome=outcome
    )


@builds("deployment.promoted")
def _promoted(p: Payload) -> EventDraft:
    to = p.environment or "production"
    return _draft(
        p,
        f"Deployment of {_what(p)} promoted to {to}{_commit(p)}",
        severity=Severity.SUCCESS,
        outcome=Outcome.SUCCESS,
    )


@builds("deployment.rollback")
def _rollback(p: Payload) -> EventDraft:
    to = f" on {p.environment}" if p.environment else ""
    return _draft(
        p,
        f"Project {_what(p)} rolled back to an earlier deployment{to}{_commit(p)}",
        severity=Severity.WARNING,
        outcome=Outcome.SUCCESS,
    )


@builds("deployment.check-rerequested")
def _check_rerequested(p: Payload) -> EventDraft:
    return _draft(
        p,
        f"Deployment of {_what(p)}: check rerequested{_commit(p)}",
        fields={"check": p.data("check.id", 100)},
    )


_ACTIONS = {
    "deployment.integration.action.start": "started",
    "deployment.integration.action.cancel": "canceled",
    "deployment.integration.action.cleanup": "cleaned up",
}


@builds(*_ACTIONS)
def _integration_action(p: Payload) -> EventDraft:
    action = p.data("action", 100)
    label = f"Integration action {action}" if action else "An integration action"
    return _draft(
        p,
        f"{label} {_ACTIONS[p.kind]} for the deployment of {_what(p)}",
        fields={"action": action, "resource": p.data("resourceId", 100)},
    )


# ---- projects, domains, integrations -----------------------------------------------------


@builds("project.created", "project.removed")
def _project(p: Payload) -> EventDraft:
    removed = p.kind == "project.removed"
    return _draft(
        p,
        f"Project {_what(p)} {'removed' if removed else 'created'}",
        severity=Severity.WARNING if removed else Severity.INFO,
    )


@builds("project.renamed")
def _project_renamed(p: Payload) -> EventDraft:
    old = p.data("oldName", 100) or p.data("previousName", 100)
    return _draft(
        p, f"Project {old} renamed to {_what(p)}" if old else f"Project renamed to {_what(p)}"
    )


# domain.<what>: (title after the domain's name, severity)
_DOMAIN: dict[str, tuple[str, Severity]] = {
    "domain.created": ("created", Severity.INFO),
    "domain.dns.records.changed": ("DNS records changed", Severity.INFO),
    "domain.transfer-in.started": ("transfer to Vercel started", Severity.INFO),
    "domain.transfer-in.completed": ("transfer to Vercel completed", Severity.SUCCESS),
    "domain.transfer-in.failed": ("transfer to Vercel failed", Severity.ERROR),
    "domain.certificate.add": ("certificate issued", Severity.INFO),
    "domain.certificate.add.failed": ("certificate could not be issued", Severity.ERROR),
    "domain.certificate.renew": ("certificate renewed", Severity.SUCCESS),
    "domain.certificate.renew.failed": ("certificate renewal failed", Severity.ERROR),
    "domain.certificate.deleted": ("certificate deleted", Severity.INFO),
    "domain.renewal": ("registration renewed", Severity.SUCCESS),
    "domain.renewal.failed": ("registration renewal failed", Severity.ERROR),
    "domain.auto-renew.changed": ("auto-renewal changed", Severity.INFO),
}


@builds(*_DOMAIN)
def _domain(p: Payload) -> EventDraft:
    what, severity = _DOMAIN[p.kind]
    domain = p.data("domain.name", 200) or p.data("domain", 200) or p.data("name", 200)
    return _draft(
        p,
        f"Domain {domain} {what}" if domain else f"Domain {what}",
        severity=severity,
        fields={"domain": domain},
    )


_CONFIGURATION = {
    "integration-configuration.permission-upgraded": "permission upgraded",
    "integration-configuration.removed": "removed",
    "integration-configuration.scope-change-confirmed": "scope change confirmed",
    "integration-configuration.transferred": "transferred",
}


@builds(*_CONFIGURATION)
def _configuration(p: Payload) -> EventDraft:
    config = p.data("configuration.id", 100)
    label = f"Integration configuration {config}" if config else "Integration configuration"
    return _draft(p, f"{label} {_CONFIGURATION[p.kind]}", fields={"configuration": config})


@builds("integration-resource.project-connected", "integration-resource.project-disconnected")
def _resource(p: Payload) -> EventDraft:
    resource = p.data("resource.name", 100) or p.data("resource.id", 100) or "a resource"
    verb = "connected to" if p.kind.endswith("-connected") else "disconnected from"
    return _draft(p, f"Integration resource {resource} {verb} {_what(p)}")


# ---- the firewall, budgets, invoices ---------------------------------------------------------


@builds("attack.detected")
def _attack(p: Payload) -> EventDraft:
    kind = p.data("attack.type", 80) or p.data("attackType", 80) or p.data("type", 80)
    return _draft(
        p,
        f"Vercel Firewall detected {'a ' + words(kind) + ' attack' if kind else 'an attack'}"
        + f" on {_what(p)}",
        severity=Severity.WARNING,
        tags=("security",),
    )


@builds("budget.reached")
def _budget(p: Payload) -> EventDraft:
    budget = p.data("budget.name", 100) or p.data("budgetName", 100)
    return _draft(
        p,
        f"Spend budget {budget} reached" if budget else "The team's spend budget was reached",
        severity=Severity.WARNING,
    )


_INVOICE: dict[str, tuple[str, Severity]] = {
    "marketplace.invoice.created": ("created", Severity.INFO),
    "marketplace.invoice.paid": ("paid", Severity.SUCCESS),
    "marketplace.invoice.notpaid": ("not paid", Severity.ERROR),
    "marketplace.invoice.refunded": ("refunded", Severity.INFO),
}


@builds(*_INVOICE)
def _invoice(p: Payload) -> EventDraft:
    verb, severity = _INVOICE[p.kind]
    invoice = p.data("invoiceId", 100) or p.data("invoice.id", 100)
    label = f"Marketplace invoice {invoice}" if invoice else "A marketplace invoice"
    total = p.data("invoiceTotal", 40)
    return _draft(
        p,
        f"{label} {verb}" + (f" ({total})" if total else ""),
        severity=severity,
        fields={"invoice": invoice, "total": total},
    )
