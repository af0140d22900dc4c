"""Vercel source: titles, on payloads shaped like Vercel's docs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from echodash.events import Severity
from echodash.sources.vercel import VercelSource
from tests.sources.vercel.samples import deployment_event, parse_one

SOURCE = VercelSource()


# ---- parsing ----------------------------------------------------------------------------------


def test_deployment_succeeded() -> None:
    draft = parse_one(deployment_event("deployment.succeeded"))
    assert draft.type == "deployment.succeeded"
    assert draft.title == "Deployment of acme-web to production succeeded (main: Fix login)"
    assert draft.severity is Severity.SUCCESS
    assert draft.url == "https://vercel.com/acme/acme-web/2uoGGqTzbWkeFLBdJ3WuTmcYXS4T"
    assert (draft.actor, draft.subject) == ("ada", "acme-web")
    assert draft.occurred_at == datetime(2024, 6, 3, 16, 0, tzinfo=UTC)
    assert draft.tags == ("production", "main")
    assert draft.fields == {
        "project": "acme-web",
        "target": "production",
        "branch": "main",
        "commit": "a1b2c3d",
        "deployment": "dpl_2uoGGqTzbWkeFLBdJ3WuTmcYXS4T",
    }


def test_deployment_error_on_a_preview_without_git() -> None:
    document = deployment_event("deployment.error", target=None, links={})
    document["payload"]["deployment"]["meta"] = {}
    draft = parse_one(document)
    assert draft.title == "Deployment of acme-web failed"
    assert draft.severity is Severity.ERROR
    assert draft.url == "https://acme-web-7sj2k9dxa-acme.vercel.app"
    assert draft.actor == "ada"  # the user who deployed from the CLI


@pytest.mark.parametrize(
    ("event_type", "title", "severity"),
    [
        (
            "deployment.created",
            "Deployment of acme-web to production started (main: Fix login)",
            Severity.INFO,
        ),
        (
            "deployment.canceled",
            "Deployment of acme-web to production was canceled (main: Fix login)",
            Severity.WARNING,
        ),
        (
            "deployment.promoted",
            "Deployment of acme-web promoted to production (main: Fix login)",
            Severity.SUCCESS,
        ),
        (
            "deployment.error",
            "Deployment of acme-web to production failed (main: Fix login)",
            Severity.ERROR,
        ),
        (
            "deployment-ready",  # legacy name
            "Deployment of acme-web to production succeeded (main: Fix login)",
            Severity.SUCCESS,
        ),
        (
            "deployment.check-rerequested",
            "Deployment of acme-web: check rerequested (main: Fix login)",
            Severity.INFO,
        ),
    ],
)
def test_deployment_kinds(event_type: str, title: str, severity: Severity) -> None:
    draft = parse_one(deployment_event(event_type))
    assert (draft.type, draft.title, draft.severity) == (event_type, title, severity)


def test_project_domain_and_integration_events() -> None:
    created = parse_one(
        {
            "id": "uev_p1",
            "type": "project.created",
            "createdAt": 1717430400000,
            "payload": {"team": {"id": "team_1"}, "project": {"id": "prj_1", "name": "acme-api"}},
        }
    )
    assert created.title == "Project acme-api created"
    assert created.subject == "acme-api"
    removed = parse_one(
        {"id": "uev_p2", "type": "project.removed", "payload": {"project": {"id": "prj_1"}}}
    )
    assert removed.title == "Project prj_1 removed"
    assert removed.severity is Severity.WARNING
    domain = parse_one(
        {
            "id": "uev_d1",
            "type": "domain.created",
            "payload": {"domain": {"name": "acme.dev", "delegated": False}},
        }
    )
    assert domain.title == "Domain acme.dev created"
    assert domain.fields["domain"] == "acme.dev"
    integration = parse_one(
        {
            "id": "uev_i1",
            "type": "integration-configuration.removed",
            "payload": {"configuration": {"id": "icfg_9", "projects": ["prj_1"]}},
        }
    )
    assert integration.title == "Integration configuration icfg_9 removed"


def test_unknown_and_odd_bodies_still_get_a_title() -> None:
    assert parse_one({"id": "x", "type": "edge-config.updated", "payload": {}}).title == (
        "Vercel sent an edge-config.updated event"
    )
    assert parse_one({"type": "deployment.succeeded", "payload": "oops"}).title == (
        "Deployment of a project succeeded"
    )
    assert parse_one({}).title == "Vercel sent an unknown event"
    (draft,) = SOURCE.parse({}, b"\xff\xfe")
    assert draft.title == "Vercel sent a delivery that is not JSON"
    (draft,) = SOURCE.parse({}, b"[1]")
    assert draft.title == "Vercel sent a delivery that is not a JSON object"
