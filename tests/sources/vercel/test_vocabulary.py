"""Vercel events carry the change vocabulary (category, service, environment, outcome,
commits) and every documented type has its own title and severity."""

from __future__ import annotations

import pytest

from echodash.events import Category, Outcome, Severity
from echodash.sources.vercel import VercelSource
from tests.sources.vercel.samples import DOCUMENTS, SAMPLES, deployment_event, event, parse_one

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


@pytest.mark.parametrize(
    ("event_type", "outcome"),
    [
        ("deployment.created", Outcome.STARTED),
        ("deployment-prepared", Outcome.STARTED),
        ("deployment.succeeded", Outcome.SUCCESS),
        ("deployment.ready", Outcome.SUCCESS),
        ("deployment-ready", Outcome.SUCCESS),
        ("deployment.promoted", Outcome.SUCCESS),
        ("deployment.error", Outcome.FAILURE),
        ("deployment.canceled", Outcome.CANCELLED),
        ("deployment.check-rerequested", None),
    ],
)
def test_deployments(event_type: str, outcome: Outcome | None) -> None:
    draft = parse_one(deployment_event(event_type))
    assert draft.category is Category.DEPLOYMENT
    assert (draft.service, draft.environment) == ("vercel:acme-web", "production")
    assert draft.outcome is outcome
    assert draft.commits == (SHA,)


def test_a_preview_names_no_environment_and_a_gitless_deploy_no_commit() -> None:
    preview = deployment_event("deployment.succeeded", target=None)
    preview["payload"]["deployment"]["meta"] = {}
    draft = parse_one(preview)
    assert (draft.environment, draft.commits, draft.outcome) == (None, (), Outcome.SUCCESS)
    gitlab = deployment_event("deployment.created")
    gitlab["payload"]["deployment"]["meta"] = {
        "gitlabCommitSha": "f" * 40,
        "gitlabCommitRef": "dev",
    }
    assert parse_one(gitlab).commits == ("f" * 40,)


def test_a_rollback_is_a_warning() -> None:
    draft = parse_one(deployment_event("deployment.rollback"))
    assert draft.title == (
        "Project acme-web rolled back to an earlier deployment on production (main: Fix login)"
    )
    assert (draft.severity, draft.outcome) == (Severity.WARNING, Outcome.SUCCESS)


@pytest.mark.parametrize(
    ("event_type", "title", "severity"),
    [
        ("domain.created", "Domain acme.dev created", Severity.INFO),
        ("domain.certificate.renew.failed", "Domain acme.dev certificate renewal failed",
         Severity.ERROR),
        ("domain.renewal.failed", "Domain acme.dev registration renewal failed", Severity.ERROR),
        ("domain.transfer-in.completed", "Domain acme.dev transfer to Vercel completed",
         Severity.SUCCESS),
        ("domain.dns.records.changed", "Domain acme.dev DNS records changed", Severity.INFO),
    ],
)  # fmt: skip
def test_domains_are_config(event_type: str, title: str, severity: Severity) -> None:
    draft = parse_one(event(event_type, {"domain": {"name": "acme.dev"}}))
    assert (draft.title, draft.severity, draft.category) == (title, severity, Category.CONFIG)
    assert draft.fields["domain"] == "acme.dev"
    assert (draft.environment, draft.outcome) == (None, None)


def test_projects_integrations_firewall_budget_and_invoices() -> None:
    project = {"id": "prj_1", "name": "acme-web"}
    renamed = parse_one(event("project.renamed", {"project": project, "oldName": "acme-site"}))
    assert (renamed.title, renamed.category) == ("Project acme-site renamed to acme-web",
                                                 Category.CONFIG)  # fmt: skip
    assert renamed.service == "vercel:acme-web"
    connected = parse_one(
        event(
            "integration-resource.project-connected",
            {"resource": {"id": "store_1", "name": "acme-db"}, "project": project},
        )
    )
    assert connected.title == "Integration resource acme-db connected to acme-web"
    attack = parse_one(event("attack.detected", {"project": project, "attack": {"type": "ddos"}}))
    assert attack.title == "Vercel Firewall detected a ddos attack on acme-web"
    assert (attack.category, attack.severity) == (Category.ALERT, Severity.WARNING)
    budget = parse_one(event("budget.reached", {}))
    assert budget.title == "The team's spend budget was reached"
    assert (budget.category, budget.severity) == (Category.ALERT, Severity.WARNING)
    unpaid = parse_one(event("marketplace.invoice.notpaid", {"invoiceId": "inv_1"}))
    assert unpaid.title == "Marketplace invoice inv_1 not paid"
    assert (unpaid.category, unpaid.severity) == (Category.PAYMENT, Severity.ERROR)


def test_another_type_reads_as_the_generic_line() -> None:
    draft = parse_one(event("edge-config.updated", {"project": {"name": "acme-web"}}))
    assert draft.title == "Vercel sent an edge-config.updated event for acme-web"
    assert draft.category is Category.OTHER


def test_every_built_type_has_a_sample() -> None:
    sent = {document["type"] for document in DOCUMENTS}
    assert set(VercelSource.titles.names()) <= sent
    assert len(SAMPLES) == len(DOCUMENTS)
