"""Vercel source: HMAC-SHA1 signatures, event ids and titles, on payloads shaped like the docs."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError
from echodash.sources.vercel import VercelSource

SECRET = "vercel-webhook-secret-for-tests"
SOURCE = VercelSource()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


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


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def parse_one(document: dict[str, Any]) -> EventDraft:
    body = encode(document)
    drafts = SOURCE.parse({"content-type": "application/json"}, body)
    assert len(drafts) == 1
    return drafts[0]


def test_source_identity_and_entry_point() -> None:
    assert (VercelSource.kind, VercelSource.name) == ("vercel", "Vercel")
    assert VercelSource.secret_headers == frozenset()
    (entry,) = entry_points(group="echodash.sources", name="vercel")
    assert entry.load() is VercelSource


# ---- verification -----------------------------------------------------------------------------


def _reason(headers: dict[str, str], body: bytes, secrets: list[str]) -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_correct_signature_is_accepted_and_rotation_reports_the_index() -> None:
    body = encode(deployment_event("deployment.succeeded"))
    headers = {"x-vercel-signature": sign(body)}
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.verify(headers, body, ["old-secret", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "old-secret"]) == 0
    assert SOURCE.verify(headers, body, [SECRET, SECRET]) == 0
    upper = {"x-vercel-signature": sign(body).upper()}
    assert SOURCE.verify(upper, body, ["old-secret", SECRET]) == 1


def test_known_hmac_sha1_vector() -> None:
    # RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
    digest = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    assert (
        SOURCE.verify({"x-vercel-signature": digest}, b"what do ya want for nothing?", ["Jefe"])
        == 0
    )


def test_signature_failures() -> None:
    body = encode(deployment_event("deployment.error"))
    good = sign(body)
    changed = body[:50] + bytes([body[50] ^ 1]) + body[51:]
    assert _reason({"x-vercel-signature": good}, changed, [SECRET]) == "bad_signature"
    assert _reason({"x-vercel-signature": good}, body + b" ", [SECRET]) == "bad_signature"
    assert _reason({"x-vercel-signature": good}, body, ["another"]) == "bad_signature"
    assert _reason({"x-vercel-signature": good}, body, []) == "bad_signature"
    assert _reason({"x-vercel-signature": good}, body, [""]) == "bad_signature"
    sha256 = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert _reason({"x-vercel-signature": sha256}, body, [SECRET]) == "malformed_signature"
    assert _reason({}, body, [SECRET]) == "missing_signature"
    assert _reason({"x-vercel-signature": "   "}, body, [SECRET]) == "missing_signature"
    # a GitHub-style header is not Vercel's
    assert _reason({"x-hub-signature-256": good}, body, [SECRET]) == "missing_signature"


@pytest.mark.parametrize(
    "header",
    [
        "zz" + "0" * 38,  # not hex
        "0" * 39,  # short
        "0" * 41,  # odd length
        "0" * 80,  # long
        "0" * 100_000,  # huge
        "é" + "0" * 39,  # non-ASCII
        "\uff10" * 40,  # full-width digits
        "00 " + "0" * 37,
        "sha256=" + "0" * 40,
        "\x00" * 40,
    ],
)
def test_garbage_signature_headers_are_refused(header: str) -> None:
    assert _reason({"x-vercel-signature": header}, b"{}", [SECRET]) == "malformed_signature"


def test_delivery_id_is_the_body_id() -> None:
    body = encode(deployment_event("deployment.created"))
    assert SOURCE.delivery_id({}, body) == "uev_Njk3ZGRiNTMtYWM3Mi00YjNmLWE2ZGQtNTNjOGE3NjBkNmQx"
    assert SOURCE.delivery_id({}, b"not json") is None
    assert SOURCE.delivery_id({}, b'{"id": {"nested": 1}}') is None
    assert SOURCE.delivery_id({}, b'{"id": 42}') == "42"
    assert SOURCE.delivery_id({}, b"[1, 2]") is None


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
    assert parse_one({"id": "x", "type": "attack.detected", "payload": {}}).title == (
        "Vercel sent an attack.detected event"
    )
    assert parse_one({"type": "deployment.succeeded", "payload": "oops"}).title == (
        "Deployment of a project succeeded"
    )
    assert parse_one({}).title == "Vercel sent an unknown event"
    (draft,) = SOURCE.parse({}, b"\xff\xfe")
    assert draft.title == "Vercel sent a delivery that is not JSON"
    (draft,) = SOURCE.parse({}, b"[1]")
    assert draft.title == "Vercel sent a delivery that is not a JSON object"


# ---- garbage in --------------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from(["x-vercel-signature", "content-type"])
HEADERS = st.dictionaries(HEADER_NAMES | st.text(max_size=20), st.text(max_size=120))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "payload",
                    "deployment",
                    "meta",
                    "name",
                    "url",
                    "links",
                    "target",
                    "project",
                    "createdAt",
                    "githubCommitRef",
                    "githubCommitMessage",
                    "domain",
                ]
            )
            | st.text(max_size=10),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)
TYPES = st.sampled_from(
    ["deployment.succeeded", "deployment.error", "deployment.promoted", "project.created",
     "domain.created", "integration-configuration.removed", "x"]
)  # fmt: skip


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=HEADERS,
    document=JSON,
    event_type=TYPES,
    secrets=st.lists(st.text(max_size=40), max_size=3),
)
def test_arbitrary_json_and_headers_never_raise(
    headers: dict[str, str], document: Any, event_type: str, secrets: list[str]
) -> None:
    for body in (
        json.dumps(document).encode(),
        json.dumps({"type": event_type, "payload": document}).encode(),
    ):
        drafts = SOURCE.parse(headers, body)
        assert len(drafts) == 1 and drafts[0].title
        SOURCE.delivery_id(headers, body)
        try:
            SOURCE.verify(headers, body, secrets)
        except SignatureError:
            pass
