"""Cloudflare source: alert titles and START/END pairing, on payloads shaped like
Cloudflare's webhook payload schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from echodash.events import Severity
from echodash.sources.cloudflare import CloudflareSource
from tests.sources.cloudflare.samples import (
    CORRELATION,
    DDOS,
    HEALTH,
    POOL,
    TEST_MESSAGE,
    alert,
    parse_one,
)

SOURCE = CloudflareSource()


# ---- parsing ----------------------------------------------------------------------------------


def test_save_and_test_message() -> None:
    draft = parse_one(TEST_MESSAGE)
    assert draft.type == "test"
    assert draft.title == "Cloudflare test notification"
    assert draft.severity is Severity.INFO
    assert draft.summary.startswith("Hello World!")


def test_origin_health_check_start_and_end_pair_up() -> None:
    start = parse_one(alert("health_check_status_notification", HEALTH))
    assert start.type == "health_check_status_notification"
    assert start.title == "Origin health check failed: api-origin (START)"
    assert start.severity is Severity.CRITICAL  # a failure's START opens an incident
    assert start.subject == "api-origin"
    assert start.occurred_at == datetime(2024, 6, 3, 16, 0, tzinfo=UTC)
    assert start.summary == "An alert fired"
    assert start.fields == {
        "alert_type": "health_check_status_notification",
        "alert_event": "START",
        "alert_correlation_id": CORRELATION,
        "policy": "Production alerts",
        "zone": "example.com",
        "account_id": "9035f53656c247e895c5a6939ae8a0e0",
    }
    assert start.tags == ("start", f"incident:{CORRELATION}")

    end = parse_one(
        alert(
            "health_check_status_notification",
            HEALTH | {"status": "Healthy", "reason": "No failures"},
            alert_event="ALERT_STATE_EVENT_END",
            ts=1717431000,
        )
    )
    assert end.title == "Origin health check recovered: api-origin (END)"
    assert end.severity is Severity.SUCCESS
    assert end.fields["alert_event"] == "END"
    assert end.tags == ("end", f"incident:{CORRELATION}")
    # the pair is related by its correlation id
    assert start.fields["alert_correlation_id"] == end.fields["alert_correlation_id"]


def test_plain_start_end_values_and_pools() -> None:
    draft = parse_one(alert("real_origin_monitoring", POOL, alert_event="START"))
    assert draft.title == "Origin health check failed: pool eu-origins (START)"
    assert draft.severity is Severity.CRITICAL
    end = parse_one(alert("real_origin_monitoring", POOL, alert_event="END"))
    assert end.title == "Origin health check recovered: pool eu-origins (END)"
    assert end.severity is Severity.SUCCESS


def test_ddos_attack() -> None:
    draft = parse_one(alert("dos_attack_l7", DDOS))
    assert draft.title == "DDoS attack mitigated on example.com (HTTP flood)"
    assert draft.severity is Severity.WARNING
    assert draft.url == DDOS["dashboard_link"]
    assert draft.subject == "example.com"
    bare = parse_one(
        {"alert_type": "dos_attack_l7", "data": {"zone_name": "example.com"}, "ts": 1717430400}
    )
    assert bare.title == "DDoS attack mitigated on example.com"
    assert bare.fields == {"alert_type": "dos_attack_l7", "zone": "example.com"}
    assert bare.tags == ()
    ended = parse_one(alert("dos_attack_l7", DDOS, alert_event="ALERT_STATE_EVENT_END"))
    assert ended.title == "DDoS attack on example.com ended (HTTP flood)"
    assert ended.severity is Severity.SUCCESS


@pytest.mark.parametrize(
    ("alert_type", "data", "title", "severity"),
    [
        (
            "universal_ssl_event_type",
            {"zone_name": "example.com", "hostname": "example.com", "event": "Issued"},
            "SSL certificate for example.com: issued (START)",
            Severity.SUCCESS,
        ),
        (
            "dedicated_ssl_certificate_event_type",
            {"hostname": "shop.example.com", "status": "Validation failed"},
            "SSL certificate for shop.example.com: validation failed (START)",
            Severity.CRITICAL,
        ),
        (
            "workers_alert",
            {"script_name": "api-gateway", "error_rate": 0.12},
            "Workers alert for api-gateway (START)",
            Severity.CRITICAL,
        ),
        (
            "billing_usage_alert",
            {"product": "Workers Standard Requests", "limit": "10000000"},
            "Usage alert for Workers Standard Requests (limit 10000000)",
            Severity.WARNING,
        ),
        (
            "some_future_alert",
            {},
            "Cloudflare alert: Production alerts (START)",
            Severity.WARNING,
        ),
        (
            "brand_protection_alert",
            {},
            "Look-alike domain found (START)",
            Severity.WARNING,
        ),
    ],
)
def test_other_alert_types(
    alert_type: str, data: dict[str, Any], title: str, severity: Severity
) -> None:
    document = alert(alert_type, data)
    if alert_type == "billing_usage_alert":
        del document["alert_event"], document["alert_correlation_id"]
    draft = parse_one(document)
    assert (draft.type, draft.title, draft.severity) == (alert_type, title, severity)


def test_type_falls_back_to_the_policy_name() -> None:
    draft = parse_one({"name": "Weekly digest", "text": "All good", "data": {}})
    assert draft.type == "Weekly digest"
    assert draft.title == "Cloudflare alert: Weekly digest: All good"
    assert draft.severity is Severity.INFO
    assert parse_one({}).type == "notification"


def test_odd_bodies_still_get_a_title() -> None:
    (draft,) = SOURCE.parse({}, b"\xff")
    assert draft.title == "Cloudflare sent a notification that is not JSON"
    (draft,) = SOURCE.parse({}, b'"text"')
    assert draft.title == "Cloudflare sent a notification that is not a JSON object"
    odd = parse_one({"alert_type": "dos_attack_l7", "data": ["x"], "alert_event": 5})
    assert odd.title == "DDoS attack mitigated on your account"
    assert odd.fields["alert_event"] == "5"
