"""Vercel deliveries shaped like the payloads in Vercel's "Webhooks API Reference": one or
more for every type the sender builds a title for (`SAMPLES`, read by
tests/sources/test_events_doc.py), and the payload makers the unit tests vary."""

from __future__ import annotations

import json
from typing import Any

from echodash.events import EventDraft
from echodash.sources.vercel import VercelSource


def deployment_event(event_type: str, **payload: Any) -> dict[str, Any]:
    """A deployment event as Vercel documents it (team webhook, GitHub-connected project)."""
    base: dict[str, Any] = {
        "team": {"id": "team_a1b2c3"},
        "user": {"id": "usr_d4e5f6", "username": "ada"},
        "deployment": {
            "id": "dpl_2uoGGqTzbWkeFLBdJ3WuTmcYXS4T",
            "url": "acme-web-7sj2k9dxa-acme.vercel.app",
            "name": "acme-web",
            "meta": {
                "githubCommitRef": "main",
                "githubCommitSha": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                "githubCommitMessage": "Fix login\n\nThe session cookie was not refreshed.",
                "githubCommitAuthorName": "Ada Lovelace",
                "githubCommitAuthorLogin": "ada",
                "githubRepo": "acme-web",
                "githubOrg": "acme",
            },
        },
        "links": {
            "deployment": "https://vercel.com/acme/acme-web/2uoGGqTzbWkeFLBdJ3WuTmcYXS4T",
            "project": "https://vercel.com/acme/acme-web",
        },
        "target": "production",
        "project": {"id": "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"},
        "plan": "pro",
        "regions": ["iad1"],
    }
    base.update(payload)
    return {
        "id": "uev_Njk3ZGRiNTMtYWM3Mi00YjNmLWE2ZGQtNTNjOGE3NjBkNmQx",
        "type": event_type,
        "createdAt": 1717430400000,
        "region": "iad1",
        "payload": base,
    }


def event(event_type: str, payload: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    """Any other event: Vercel's envelope around the event's own payload."""
    return {
        "id": "uev_" + event_type.replace(".", "_"),
        "type": event_type,
        "createdAt": 1717430400000,
        "region": "iad1",
        "payload": {"team": {"id": "team_a1b2c3"}, "user": {"id": "usr_d4e5f6"}, **payload},
        **envelope,
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def parse_one(document: dict[str, Any]) -> EventDraft:
    body = encode(document)
    drafts = VercelSource().parse({"content-type": "application/json"}, body)
    assert len(drafts) == 1
    return drafts[0]


def _domain(event_type: str) -> dict[str, Any]:
    return event(event_type, {"domain": {"name": "acme.dev", "delegated": False}})


_DEPLOYMENTS = [
    "deployment.created",
    "deployment.succeeded",
    "deployment.ready",
    "deployment.error",
    "deployment.canceled",
    "deployment.promoted",
    "deployment.rollback",
    *(f"deployment-{legacy}" for legacy in ("prepared", "ready", "error", "canceled")),
    "deployment",
]
_DOMAINS = [
    "domain.created",
    "domain.dns.records.changed",
    "domain.transfer-in.started",
    "domain.transfer-in.completed",
    "domain.transfer-in.failed",
    "domain.certificate.add",
    "domain.certificate.add.failed",
    "domain.certificate.renew",
    "domain.certificate.renew.failed",
    "domain.certificate.deleted",
    "domain.renewal",
    "domain.renewal.failed",
    "domain.auto-renew.changed",
]
_CONFIGURATIONS = [
    "integration-configuration.permission-upgraded",
    "integration-configuration.removed",
    "integration-configuration.scope-change-confirmed",
    "integration-configuration.transferred",
]
_INVOICES = [
    "marketplace.invoice.created",
    "marketplace.invoice.paid",
    "marketplace.invoice.notpaid",
    "marketplace.invoice.refunded",
]
PROJECT = {"id": "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB", "name": "acme-web"}

DOCUMENTS: list[dict[str, Any]] = [
    *(deployment_event(t) for t in _DEPLOYMENTS),
    deployment_event("deployment.succeeded", target=None),
    deployment_event("deployment.check-rerequested", check={"id": "chk_1"}),
    *(
        deployment_event(
            f"deployment.integration.action.{action}",
            action="db-branch",
            installationId="icfg_9",
            resourceId="store_1",
        )
        for action in ("start", "cancel", "cleanup")
    ),
    event("project.created", {"project": PROJECT}),
    event("project.removed", {"project": PROJECT}),
    event("project.renamed", {"project": PROJECT, "oldName": "acme-site"}),
    *(_domain(t) for t in _DOMAINS),
    *(
        event(t, {"configuration": {"id": "icfg_9", "projects": [PROJECT["id"]]}})
        for t in _CONFIGURATIONS
    ),
    *(
        event(
            f"integration-resource.project-{verb}",
            {"resource": {"id": "store_1", "name": "acme-db"}, "project": PROJECT},
        )
        for verb in ("connected", "disconnected")
    ),
    event("attack.detected", {"project": PROJECT, "attack": {"type": "ddos"}}),
    event("budget.reached", {"budget": {"name": "Monthly"}}),
    *(
        event(t, {"installationId": "icfg_9", "invoiceId": "inv_1", "invoiceTotal": "12.00"})
        for t in _INVOICES
    ),
    event("edge-config.updated", {"edgeConfig": {"id": "ecfg_1", "slug": "flags"}}),
]

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    ({"content-type": "application/json"}, encode(document)) for document in DOCUMENTS
]
