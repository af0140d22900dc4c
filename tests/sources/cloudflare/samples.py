"""Cloudflare notifications shaped like Cloudflare's webhook payload schema: one or more for
every alert type the sender builds a title for (`SAMPLES`, read by
tests/sources/test_events_doc.py), and the payload makers the unit tests vary."""

from __future__ import annotations

import json
from typing import Any

from echodash.events import EventDraft
from echodash.sources.cloudflare import CloudflareSource

CORRELATION = "000eaa907ed24e78946d3a93adb2ae57"
TEST_MESSAGE = {"text": "Hello World! This is a test message sent from https://cloudflare.com"}


def alert(alert_type: str, data: dict[str, Any], **top: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "Production alerts",
        "text": "An alert fired",
        "data": data,
        "ts": 1717430400,
        "account_id": "9035f53656c247e895c5a6939ae8a0e0",
        "policy_id": "6f2ee4a5-3c6e-4f5c-9b1e-0b1d2a3c4d5e",
        "policy_name": "Production alerts",
        "alert_type": alert_type,
        "alert_correlation_id": CORRELATION,
        "alert_event": "ALERT_STATE_EVENT_START",
    }
    document.update(top)
    return document


HEALTH = {
    "time": "2024-06-03 16:00:00 +0000 UTC",
    "status": "Unhealthy",
    "reason": "TCP connection failed",
    "name": "api-origin",
    "health_check_id": "e1b2c3d4e5f6",
    "expected_codes": "200",
    "actual_code": 0,
    "zone_name": "example.com",
    "preview_error": "",
}
POOL = {"pool_name": "eu-origins", "origin_name": "eu-1", "new_health": "Unhealthy"}
DDOS = {
    "zone_name": "example.com",
    "attack_id": "a8f3b2c1",
    "attack_vector": "HTTP flood",
    "max_rate": "1.2M rps",
    "mitigation": "Blocked",
    "rule_description": "HTTP requests with unusual HTTP headers",
    "dashboard_link": "https://dash.cloudflare.com/9035f53656c247e895c5a6939ae8a0e0/example.com/security",
}


def parse_one(document: dict[str, Any]) -> EventDraft:
    drafts = CloudflareSource().parse(
        {"content-type": "application/json"}, json.dumps(document).encode()
    )
    assert len(drafts) == 1
    return drafts[0]


# Alert-specific `data` for each type the sender reads field by field; the others carry the
# zone and a status, as most of Cloudflare's notifications do.
DATA: dict[str, dict[str, Any]] = {
    "health_check_status_notification": HEALTH,
    "real_origin_monitoring": {"zone_name": "example.com", "status": "Unreachable"},
    "load_balancing_health_alert": POOL,
    "load_balancing_pool_enablement_alert": {**POOL, "new_health": "Healthy"},
    "http_alert_origin_error": {"zone_name": "example.com", "error_rate": "12%"},
    "http_alert_edge_error": {"zone_name": "example.com", "error_rate": "3%"},
    "advanced_http_alert_error": {"zone_name": "example.com"},
    "dos_attack_l7": DDOS,
    "dos_attack_l4": {"attack_vector": "SYN flood", "account_name": "Acme"},
    "advanced_ddos_attack_l7_alert": DDOS,
    "advanced_ddos_attack_l4_alert": {"attack_vector": "UDP flood"},
    "fbm_dosd_attack": {"prefix": "203.0.113.0/24", "attack_vector": "UDP flood"},
    "fbm_volumetric_attack": {"prefix": "203.0.113.0/24"},
    "universal_ssl_event_type": {
        "zone_name": "example.com",
        "hostname": "example.com",
        "event": "Issued",
    },
    "dedicated_ssl_certificate_event_type": {
        "hostname": "shop.example.com",
        "status": "Validation failed",
    },
    "custom_ssl_certificate_event_type": {
        "zone_name": "example.com",
        "hostname": "api.example.com",
        "status": "Active",
    },
    "access_custom_certificate_expiration_type": {
        "hostname": "sso.example.com",
        "expires_on": "2024-07-01",
    },
    "hostname_aop_custom_certificate_expiration_type": {
        "zone_name": "example.com",
        "hostname": "example.com",
        "expires_on": "2024-07-01",
    },
    "zone_aop_custom_certificate_expiration_type": {
        "zone_name": "example.com",
        "expires_on": "2024-07-01",
    },
    "mtls_certificate_store_certificate_expiration_type": {"name": "client-ca"},
    "workers_alert": {"script_name": "api-gateway", "error_rate": 0.12},
    "workers_observability_alert": {"script_name": "api-gateway"},
    "pages_event_alert": {
        "project_name": "docs",
        "event": "EVENT_DEPLOYMENT_FAILED",
        "environment": "production",
    },
    "billing_usage_alert": {"product": "Workers Standard Requests", "limit": "10000000"},
    "incident_alert": {"incident_name": "Elevated errors in Frankfurt", "impact": "minor"},
    "maintenance_event_notification": {"airport_code": "FRA"},
    "tunnel_health_event": {"tunnel_name": "office", "status": "Down"},
    "tunnel_update_event": {"tunnel_name": "office"},
}
TYPES = [
    *DATA,
    "abuse_report_alert", "bgp_hijack_notification", "block_notification_new_block",
    "block_notification_review_rejected", "block_notification_block_removed",
    "bot_traffic_basic_alert", "custom_bot_detection_alert", "brand_protection_alert",
    "brand_protection_digest", "logo_match_alert", "security_insights_alert", "sentinel_alert",
    "clickhouse_alert_fw_anomaly", "clickhouse_alert_fw_ent_anomaly", "traffic_anomalies_alert",
    "fbm_auto_advertisement", "cloudforce_one_request_notification", "radar_notification",
    "scriptmonitor_alert_new_code_change_detections", "scriptmonitor_alert_new_hosts",
    "scriptmonitor_alert_new_malicious_hosts", "scriptmonitor_alert_new_malicious_scripts",
    "scriptmonitor_alert_new_malicious_url", "scriptmonitor_alert_new_max_length_resource_url",
    "scriptmonitor_alert_new_resources", "magic_tunnel_health_check_event",
    "magic_wan_tunnel_health", "device_connectivity_anomaly_alert",
    "secondary_dns_all_primaries_failing", "secondary_dns_primaries_failing",
    "secondary_dns_warning", "secondary_dns_zone_validation_warning",
    "secondary_dns_zone_successfully_updated", "expiring_service_token_alert",
    "failing_logpush_job_disabled_alert", "synthetic_test_latency_alert",
    "synthetic_test_low_availability_alert", "custom_analytics", "web_analytics_metrics_update",
    "stream_live_notifications", "image_notification", "image_resizing_notification",
]  # fmt: skip
DOCUMENTS: list[dict[str, Any]] = [
    TEST_MESSAGE,
    *(alert(t, DATA.get(t, {"zone_name": "example.com"})) for t in TYPES),
    *(
        alert(t, DATA.get(t, {"zone_name": "example.com"}), alert_event="ALERT_STATE_EVENT_END")
        for t in TYPES[:10]
    ),
    alert("pages_event_alert", {"project_name": "docs", "event": "EVENT_DEPLOYMENT_STARTED"}),
    alert("pages_event_alert", {"project_name": "docs", "event": "EVENT_DEPLOYMENT_SUCCESS"}),
    alert("some_future_alert", {"zone_name": "example.com"}),
    {"name": "Weekly digest", "text": "All good", "data": {}},
]
SAMPLES: list[tuple[dict[str, str], bytes]] = [
    ({"content-type": "application/json"}, json.dumps(document).encode()) for document in DOCUMENTS
]
