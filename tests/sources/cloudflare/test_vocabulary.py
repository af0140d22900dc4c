"""Cloudflare notifications carry the change vocabulary (category, service, environment,
outcome) and every documented alert type has its own title and severity."""

from __future__ import annotations

import pytest

from echodash.events import Category, Outcome, Severity
from echodash.sources.cloudflare import CloudflareSource
from tests.sources.cloudflare.samples import DDOS, DOCUMENTS, TEST_MESSAGE, alert, parse_one


def test_alerts_name_their_zone_as_the_service() -> None:
    draft = parse_one(alert("dos_attack_l7", DDOS))
    assert (draft.category, draft.service) == (Category.ALERT, "cloudflare:example.com")
    assert (draft.environment, draft.outcome, draft.commits) == (None, None, ())
    account = parse_one(alert("dos_attack_l4", {"account_name": "Acme"}))
    assert account.service is None
    hostname_only = parse_one(alert("dedicated_ssl_certificate_event_type", {"hostname": "a.b"}))
    assert hostname_only.service is None  # a hostname is not a zone


def test_the_test_message_is_other() -> None:
    draft = parse_one(TEST_MESSAGE)
    assert (draft.type, draft.category, draft.service) == ("test", Category.OTHER, None)


def test_certificates_and_settings_are_config() -> None:
    issued = parse_one(alert("universal_ssl_event_type", {"zone_name": "example.com",
                                                          "event": "Issued"}))  # fmt: skip
    assert (issued.category, issued.severity) == (Category.CONFIG, Severity.SUCCESS)
    tunnel = parse_one(alert("tunnel_update_event", {"tunnel_name": "office"}))
    assert tunnel.title == "Tunnel configuration changed: office (START)"
    assert tunnel.category is Category.CONFIG
    token = parse_one(alert("expiring_service_token_alert", {"zone_name": "example.com"}))
    assert (token.category, token.severity) == (Category.CONFIG, Severity.WARNING)


def test_cloudflare_incidents_are_incidents() -> None:
    start = parse_one(alert("incident_alert", {"incident_name": "Elevated errors",
                                               "impact": "minor"}))  # fmt: skip
    assert start.title == "Cloudflare incident: Elevated errors (minor impact)"
    assert (start.category, start.severity) == (Category.INCIDENT, Severity.WARNING)
    end = parse_one(alert("incident_alert", {"incident_name": "Elevated errors"},
                          alert_event="ALERT_STATE_EVENT_END"))  # fmt: skip
    assert end.title == "Cloudflare incident resolved: Elevated errors"
    assert end.severity is Severity.SUCCESS


@pytest.mark.parametrize(
    ("event", "title", "outcome", "severity"),
    [
        ("EVENT_DEPLOYMENT_STARTED", "Pages deployment of docs started", Outcome.STARTED,
         Severity.INFO),
        ("EVENT_DEPLOYMENT_SUCCESS", "Pages deployment of docs succeeded", Outcome.SUCCESS,
         Severity.SUCCESS),
        ("EVENT_DEPLOYMENT_FAILED", "Pages deployment of docs failed", Outcome.FAILURE,
         Severity.ERROR),
    ],
)  # fmt: skip
def test_pages_deployments(event: str, title: str, outcome: Outcome, severity: Severity) -> None:
    data = {"project_name": "docs", "event": event, "environment": "production"}
    draft = parse_one(alert("pages_event_alert", data, alert_event=None))
    assert (draft.title, draft.outcome, draft.severity) == (title, outcome, severity)
    assert (draft.category, draft.environment) == (Category.DEPLOYMENT, "production")


@pytest.mark.parametrize(
    ("alert_type", "title", "severity"),
    [
        ("bgp_hijack_notification", "Possible BGP hijack of your prefixes on example.com (START)",
         Severity.CRITICAL),
        ("scriptmonitor_alert_new_malicious_scripts",
         "Page Shield: malicious script on example.com (START)", Severity.CRITICAL),
        ("brand_protection_alert", "Look-alike domain found on example.com (START)",
         Severity.WARNING),
        ("secondary_dns_primaries_failing",
         "Secondary DNS: a primary is failing on example.com (START)", Severity.WARNING),
        ("web_analytics_metrics_update", "Web Analytics weekly metrics on example.com (START)",
         Severity.INFO),
    ],
)  # fmt: skip
def test_notices(alert_type: str, title: str, severity: Severity) -> None:
    draft = parse_one(alert(alert_type, {"zone_name": "example.com"}))
    assert (draft.title, draft.severity) == (title, severity)


def test_http_error_rates_and_expiring_certificates() -> None:
    high = parse_one(alert("http_alert_origin_error", {"zone_name": "example.com",
                                                       "error_rate": "12%"}))  # fmt: skip
    assert high.title == "Origin error rate high on example.com (12%) (START)"
    assert high.severity is Severity.CRITICAL
    normal = parse_one(alert("http_alert_origin_error", {"zone_name": "example.com"},
                             alert_event="ALERT_STATE_EVENT_END"))  # fmt: skip
    assert normal.title == "Origin error rate back to normal on example.com"
    expiring = parse_one(alert("access_custom_certificate_expiration_type",
                               {"hostname": "sso.example.com", "expires_on": "2024-07-01"},
                               alert_event=None))  # fmt: skip
    assert expiring.title == "Certificate for sso.example.com expires on 2024-07-01"
    assert (expiring.severity, expiring.category) == (Severity.WARNING, Category.ALERT)


def test_every_built_type_has_a_sample() -> None:
    sent = {document.get("alert_type", "test") for document in DOCUMENTS}
    assert set(CloudflareSource.titles.names()) <= sent


def test_an_alert_that_calls_itself_test_reads_as_an_alert() -> None:
    draft = parse_one(alert("test", {"zone_name": "example.com"}))
    assert (draft.type, draft.title) == ("test", "Cloudflare alert: Production alerts (START)")
    assert draft.category is Category.OTHER
    assert draft.service == "cloudflare:example.com"
