"""Cloudflare source: the shared-secret header and body-hash dedup keys; garbage never
breaks it."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.sources import SignatureError, body_hash_key
from echodash.sources.cloudflare import CloudflareSource
from tests.sources.cloudflare.samples import (
    DDOS,
    TEST_MESSAGE,
    alert,
)

SECRET = "cf-destination-secret-for-tests"
SOURCE = CloudflareSource()


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
