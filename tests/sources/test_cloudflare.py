"""Cloudflare source: the shared-secret header, body-hash dedup keys, alert titles and START/END
pairing, on payloads shaped like Cloudflare's webhook payload schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import SignatureError, body_hash_key
from echodash.sources.cloudflare import CloudflareSource

SECRET = "cf-destination-secret-for-tests"
SOURCE = CloudflareSource()
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
    drafts = SOURCE.parse({"content-type": "application/json"}, json.dumps(document).encode())
    assert len(drafts) == 1
    return drafts[0]


def test_source_identity_and_entry_point() -> None:
    assert (CloudflareSource.kind, CloudflareSource.name) == ("cloudflare", "Cloudflare")
    assert CloudflareSource.secret_headers == frozenset({"cf-webhook-auth"})
    (entry,) = entry_points(group="echodash.sources", name="cloudflare")
    assert entry.load() is CloudflareSource


# ---- verification -----------------------------------------------------------------------------


def _reason(headers: dict[str, str], secrets: list[str], body: bytes = b"{}") -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_the_secret_is_accepted_and_rotation_reports_the_index() -> None:
    body = json.dumps(TEST_MESSAGE).encode()
    headers = {"cf-webhook-auth": SECRET}
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.verify(headers, body, ["old", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "old"]) == 0
    assert SOURCE.verify(headers, body, [SECRET, SECRET]) == 0
    # the body is not part of the check (nothing is signed)
    assert SOURCE.verify(headers, body + b" ", [SECRET]) == 0
    # a secret with non-ASCII characters, compared as UTF-8 bytes
    assert SOURCE.verify({"cf-webhook-auth": "clé-secrète"}, body, ["x", "clé-secrète"]) == 1


def test_refusals() -> None:
    assert _reason({"cf-webhook-auth": SECRET}, ["another"]) == "bad_signature"
    assert _reason({"cf-webhook-auth": SECRET + "x"}, [SECRET]) == "bad_signature"
    assert _reason({"cf-webhook-auth": SECRET[:-1]}, [SECRET]) == "bad_signature"
    assert _reason({"cf-webhook-auth": SECRET.upper()}, [SECRET]) == "bad_signature"
    assert _reason({"cf-webhook-auth": SECRET}, []) == "bad_signature"
    assert _reason({"cf-webhook-auth": "x"}, [""]) == "bad_signature"
    assert _reason({}, [SECRET]) == "missing_signature"
    assert _reason({"cf-webhook-auth": "  "}, [SECRET]) == "missing_signature"
    assert _reason({"authorization": f"Bearer {SECRET}"}, [SECRET]) == "missing_signature"


@pytest.mark.parametrize(
    "header",
    ["é" * 30, "\x00", "\ud800", "🔥" * 10, "x" * 100_000, SECRET + "\x00", "Bearer " + SECRET],
)
def test_garbage_headers_are_refused(header: str) -> None:
    assert _reason({"cf-webhook-auth": header}, [SECRET, "é" * 29]) == "bad_signature"


def test_delivery_id_is_a_hash_of_the_body() -> None:
    body = json.dumps(alert("dos_attack_l7", DDOS)).encode()
    assert SOURCE.delivery_id({}, body) == body_hash_key(body)
    assert SOURCE.delivery_id({}, body) != SOURCE.delivery_id({}, body + b"\n")
    assert SOURCE.delivery_id({}, b"") == body_hash_key(b"")


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
            "brand_protection_alert",
            {},
            "Cloudflare alert: Production alerts (START)",
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


# ---- garbage in --------------------------------------------------------------------------------

KEYS = st.sampled_from(
    ["name", "text", "data", "ts", "account_id", "policy_id", "policy_name", "alert_type",
     "alert_correlation_id", "alert_event", "zone_name", "pool_name", "status", "hostname",
     "script_name", "dashboard_link", "product", "limit"]
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(KEYS | st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=25,
)
TYPES = st.sampled_from(
    ["health_check_status_notification", "real_origin_monitoring", "dos_attack_l7",
     "universal_ssl_event_type", "workers_alert", "billing_usage_alert", "other"]
)  # fmt: skip
HEADERS = st.dictionaries(
    st.sampled_from(["cf-webhook-auth", "content-type"]) | st.text(max_size=20),
    st.text(max_size=120),
)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=HEADERS,
    document=JSON,
    alert_type=TYPES,
    secrets=st.lists(st.text(max_size=40), max_size=3),
)
def test_arbitrary_json_and_headers_never_raise(
    headers: dict[str, str], document: Any, alert_type: str, secrets: list[str]
) -> None:
    for body in (
        json.dumps(document).encode(),
        json.dumps({"alert_type": alert_type, "data": document}).encode(),
        json.dumps(
            {"alert_type": alert_type, "alert_event": document, "data": {"status": document}}
        ).encode(),
    ):
        drafts = SOURCE.parse(headers, body)
        assert len(drafts) == 1 and drafts[0].title
        assert SOURCE.delivery_id(headers, body)
        try:
            SOURCE.verify(headers, body, secrets)
        except SignatureError:
            pass
