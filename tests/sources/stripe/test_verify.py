"""Stripe: signatures checked with the stripe package's own header generator."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.sources import SignatureError, source_class
from echodash.sources.stripe import StripeSource
from tests.sources.stripe.support import OLD_SECRET, SECRET, event_body, refused, signed


@pytest.fixture
def source() -> StripeSource:
    return StripeSource()


# --- verification ------------------------------------------------------------------------


def test_registered_under_its_kind() -> None:
    assert source_class("stripe") is StripeSource
    assert StripeSource.name == "Stripe"


def test_valid_signature_returns_the_secret_index(source: StripeSource) -> None:
    body = event_body("charge.succeeded", "charge")
    assert source.verify(signed(body), body, [SECRET]) == 0


def test_rotation_returns_the_index_of_the_matching_secret(source: StripeSource) -> None:
    body = event_body("charge.succeeded", "charge")
    assert source.verify(signed(body, OLD_SECRET), body, [SECRET, OLD_SECRET]) == 1
    assert source.verify(signed(body, SECRET), body, [SECRET, OLD_SECRET]) == 0


def test_two_v1_signatures_during_a_secret_roll_are_accepted(source: StripeSource) -> None:
    body = event_body("invoice.paid", "invoice")
    now = int(time.time())
    new = signed(body, SECRET, now)["stripe-signature"]
    old = signed(body, OLD_SECRET, now)["stripe-signature"]
    header = f"{old},{new.split(',', 1)[1]}"  # t=…,v1=<old>,v1=<new>
    assert header.count("v1=") == 2
    assert source.verify({"stripe-signature": header}, body, [SECRET]) == 0
    assert source.verify({"stripe-signature": header}, body, [OLD_SECRET]) == 0


def test_v0_signatures_are_ignored(source: StripeSource) -> None:
    body = event_body("charge.succeeded", "charge")
    good = signed(body)["stripe-signature"]
    v0_only = good.replace("v1=", "v0=")
    assert refused({"stripe-signature": v0_only}, body) == "malformed_signature"
    with_v0 = f"{good},v0={'0' * 64}"
    assert source.verify({"stripe-signature": with_v0}, body, [SECRET]) == 0


@pytest.mark.parametrize("offset", [-301, 330, -100_000])  # future: clear of second rounding
def test_timestamp_outside_five_minutes_is_stale(offset: int) -> None:
    body = event_body("charge.succeeded", "charge")
    headers = signed(body, timestamp=int(time.time()) + offset)
    assert refused(headers, body) == "stale_timestamp"


@pytest.mark.parametrize("offset", [-299, 0, 299])
def test_timestamp_inside_five_minutes_is_fresh(source: StripeSource, offset: int) -> None:
    body = event_body("charge.succeeded", "charge")
    headers = signed(body, timestamp=int(time.time()) + offset)
    assert source.verify(headers, body, [SECRET]) == 0


def test_a_changed_byte_is_refused() -> None:
    body = event_body("charge.succeeded", "charge")
    headers = signed(body)
    tampered = body.replace(b'"amount": 100', b'"amount": 900', 1)
    assert tampered != body
    assert refused(headers, tampered) == "bad_signature"


def test_wrong_secret_is_refused() -> None:
    body = event_body("charge.succeeded", "charge")
    assert refused(signed(body, "whsec_someone_else"), body) == "bad_signature"


def test_no_active_secret_refuses() -> None:
    body = event_body("charge.succeeded", "charge")
    assert refused(signed(body), body, []) == "bad_signature"
    assert refused(signed(body), body, ["", "   "]) == "bad_signature"


@pytest.mark.parametrize("headers", [{}, {"stripe-signature": ""}, {"stripe-signature": "  "}])
def test_missing_header_is_refused(headers: dict[str, str]) -> None:
    assert refused(headers, b"{}") == "missing_signature"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "t=,v1=" + "a" * 64,
        "t=12ab,v1=" + "a" * 64,
        "t=¹²³,v1=" + "a" * 64,
        "v1=" + "a" * 64,
        "t=1700000000",
        "t=1700000000,v1=not-hex",
        "t=1700000000,v1=" + "é" * 64,
    ],
)
def test_malformed_header_is_refused(header: str) -> None:
    assert refused({"stripe-signature": header}, b"{}") == "malformed_signature"


def test_non_utf8_body_is_malformed() -> None:
    header = f"t={int(time.time())},v1={'a' * 64}"
    assert refused({"stripe-signature": header}, b"\xff\xfe{}") == "malformed_body"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.dictionaries(
        st.sampled_from(["stripe-signature", "content-type", "x-other"]), st.text(max_size=200)
    ),
    body=st.binary(max_size=300),
    secrets=st.lists(st.text(max_size=40), max_size=3),
)
def test_verify_raises_only_signature_errors(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    try:
        StripeSource().verify(headers, body, secrets)
    except SignatureError:
        pass


@settings(max_examples=200)
@given(
    timestamp=st.integers(min_value=0, max_value=10**13),
    parts=st.lists(
        st.tuples(st.sampled_from(["t", "v1", "v0", "x", ""]), st.text(max_size=70)), max_size=5
    ),
)
def test_verify_on_header_shaped_garbage(timestamp: int, parts: list[tuple[str, str]]) -> None:
    header = ",".join([f"t={timestamp}", *(f"{k}={v}" for k, v in parts)])
    try:
        StripeSource().verify({"stripe-signature": header}, b'{"id": "evt_1"}', [SECRET])
    except SignatureError:
        pass


# --- identity -----------------------------------------------------------------------------


def test_delivery_id_is_the_event_id(source: StripeSource) -> None:
    assert source.delivery_id({}, event_body("charge.succeeded", "charge")) == "evt_1TestEvent"
    assert source.delivery_id({}, b"not json") is None
    assert source.delivery_id({}, b'{"id": 42}') is None
    assert source.delivery_id({}, b"[1, 2]") is None


def test_generated_secret_looks_like_stripes(source: StripeSource) -> None:
    first, second = source.generate_secret(), source.generate_secret()
    assert first.startswith("whsec_")
    assert len(first) > 30
    assert first != second


def test_takes_no_options() -> None:
    assert StripeSource.validate_options({}) == {}
    with pytest.raises(ValueError, match="takes no options"):
        StripeSource.validate_options({"tolerance": 10})
