"""Any webhook: each auth mode, each option, key-field extraction on realistic bodies, garbage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from echodash.events import Severity
from echodash.sources import SignatureError, source_class
from echodash.sources.generic import NO_SECRET_CHECKED, GenericSource
from echodash.sources.kit.keyfacts import key_facts

SECRET = "s3cr3t-token-value"
OTHER = "older-token-value"
BODY = b'{"event": "deploy.finished", "status": "success", "id": "dep_1"}'
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def refused(source: GenericSource, headers: dict[str, str], body: bytes = BODY) -> str:
    with pytest.raises(SignatureError) as caught:
        source.verify(headers, body, [SECRET])
    return caught.value.reason


def sign(body: bytes, secret: str = SECRET, algorithm: str = "sha256") -> bytes:
    return hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).digest()


def test_registered_under_its_kind() -> None:
    assert source_class("generic") is GenericSource
    assert GenericSource.name == "Any webhook"


# --- options ------------------------------------------------------------------------------


def test_defaults_are_a_bearer_token_in_authorization() -> None:
    assert GenericSource.validate_options({}) == {"auth": "token", "token_header": "authorization"}
    source = GenericSource()
    assert source.options == {"auth": "token", "token_header": "authorization"}
    assert source.secret_headers == frozenset({"authorization"})
    assert source.requires_secret is True


def test_hmac_defaults() -> None:
    assert GenericSource.validate_options({"auth": "hmac"}) == {
        "auth": "hmac",
        "signature_header": "x-signature",
        "algorithm": "sha256",
        "prefix": "",
        "encoding": "hex",
    }


def test_options_are_normalized_and_validation_is_idempotent() -> None:
    raw = {
        "auth": "hmac",
        "signature_header": " X-Hub-Signature-256 ",
        "algorithm": "SHA512",
        "prefix": "sha512=",
        "encoding": "Base64",
        "id_path": " data.id ",
        "type_header": "X-Event",
        "type_path": None,
        "title_path": "data.summary",
    }
    normalized = GenericSource.validate_options(raw)
    assert normalized == {
        "auth": "hmac",
        "signature_header": "x-hub-signature-256",
        "algorithm": "sha512",
        "prefix": "sha512=",
        "encoding": "base64",
        "id_path": "data.id",
        "type_header": "x-event",
        "title_path": "data.summary",
    }
    assert GenericSource.validate_options(normalized) == normalized


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"auth": "basic"}, "auth must be one of none, token, hmac"),
        ({"auth": None}, "auth must be one of"),
        ({"colour": "red"}, "unknown option"),
        ({"auth": "token", "algorithm": "sha1"}, "'algorithm' only applies when auth is 'hmac'"),
        ({"auth": "none", "token_header": "x-t"}, "only applies when auth is 'token'"),
        ({"auth": "hmac", "token_header": "x-t"}, "only applies when auth is 'token'"),
        ({"token_header": ""}, "not a valid HTTP header name"),
        ({"token_header": "x token"}, "not a valid HTTP header name"),
        ({"token_header": "x-tökén"}, "not a valid HTTP header name"),
        ({"token_header": 5}, "must be text"),
        ({"auth": "hmac", "algorithm": "md5"}, "algorithm must be one of sha1, sha256, sha512"),
        ({"auth": "hmac", "encoding": "base32"}, "encoding must be one of hex, base64"),
        ({"auth": "hmac", "prefix": "x" * 51}, "at most 50"),
        ({"auth": "hmac", "prefix": None}, "must be text"),
        ({"id_header": "x-id", "id_path": "id"}, "id_header or id_path, not both"),
        ({"id_path": "a..b"}, "dotted path"),
        ({"type_path": ""}, "dotted path"),
        ({"title_path": "."}, "dotted path"),
        ({"type_path": ["event"]}, "must be text"),
    ],
)
def test_bad_options_are_explained(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        GenericSource.validate_options(options)


def test_constructor_refuses_bad_options() -> None:
    with pytest.raises(ValueError, match="auth must be"):
        GenericSource({"auth": "magic"})


# --- auth: none ---------------------------------------------------------------------------


def test_auth_none_accepts_anything_and_needs_no_secret() -> None:
    source = GenericSource({"auth": "none"})
    assert source.requires_secret is False
    assert source.verify({}, b"anything", []) == NO_SECRET_CHECKED == -1
    assert source.verify({"authorization": "whatever"}, BODY, [SECRET]) == -1
    assert source.secret_headers == frozenset()


# --- auth: token --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [SECRET, f"Bearer {SECRET}", f"bearer  {SECRET} ", f" {SECRET} "])
def test_token_in_authorization_with_or_without_bearer(value: str) -> None:
    source = GenericSource({"auth": "token"})
    assert source.requires_secret is True
    assert source.verify({"authorization": value}, BODY, [SECRET]) == 0


def test_token_rotation_returns_the_matching_index() -> None:
    source = GenericSource()
    assert source.verify({"authorization": f"Bearer {OTHER}"}, BODY, [SECRET, OTHER]) == 1
    assert source.verify({"authorization": SECRET}, BODY, [SECRET, OTHER]) == 0


def test_custom_token_header_is_used_and_never_stored() -> None:
    source = GenericSource({"token_header": "X-Hook-Token"})
    assert source.secret_headers == frozenset({"x-hook-token"})
    assert GenericSource.secret_headers == frozenset()  # the class default is untouched
    assert source.verify({"x-hook-token": SECRET}, BODY, [SECRET]) == 0
    # `Bearer` is only understood in the Authorization header.
    assert refused(source, {"x-hook-token": f"Bearer {SECRET}"}) == "bad_signature"
    assert refused(source, {"authorization": SECRET}) == "missing_signature"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_signature"),
        ({"authorization": "   "}, "missing_signature"),
        ({"authorization": "Bearer"}, "bad_signature"),
        ({"authorization": "Bearer wrong"}, "bad_signature"),
        ({"authorization": SECRET + "x"}, "bad_signature"),
        ({"authorization": f"Basic {SECRET}"}, "bad_signature"),
        ({"authorization": "Bearer é"}, "bad_signature"),
    ],
)
def test_token_refusals(headers: dict[str, str], reason: str) -> None:
    assert refused(GenericSource(), headers) == reason


def test_empty_secret_never_matches_an_empty_token() -> None:
    with pytest.raises(SignatureError, match="bad_signature"):
        GenericSource().verify({"authorization": "Bearer "}, BODY, [""])


# --- auth: hmac ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_hmac_each_algorithm_and_encoding(algorithm: str, encoding: str) -> None:
    source = GenericSource({"auth": "hmac", "algorithm": algorithm, "encoding": encoding})
    digest = sign(BODY, algorithm=algorithm)
    value = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    assert source.verify({"x-signature": value}, BODY, [SECRET]) == 0
    assert source.secret_headers == frozenset()


def test_hmac_with_prefix_and_custom_header_like_github() -> None:
    source = GenericSource(
        {"auth": "hmac", "signature_header": "X-Hub-Signature-256", "prefix": "sha256="}
    )
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    secret = "It's a Secret to Everybody"
    assert source.verify({"x-hub-signature-256": expected}, body, [secret]) == 0
    assert source.verify({"x-hub-signature-256": expected.upper()}, body, [secret]) == 0
    with pytest.raises(SignatureError, match="malformed_signature"):
        source.verify({"x-hub-signature-256": expected[7:]}, body, [secret])


def test_hmac_base64_url_safe_and_unpadded_are_accepted() -> None:
    source = GenericSource({"auth": "hmac", "encoding": "base64"})
    digest = sign(BODY)
    value = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert source.verify({"x-signature": value}, BODY, [SECRET]) == 0


def test_hmac_rotation_and_refusals() -> None:
    source = GenericSource({"auth": "hmac"})
    assert source.verify({"x-signature": sign(BODY, OTHER).hex()}, BODY, [SECRET, OTHER]) == 1
    assert refused(source, {"x-signature": sign(BODY, "wrong").hex()}) == "bad_signature"
    assert refused(source, {"x-signature": sign(BODY).hex()}, BODY + b" ") == "bad_signature"
    assert refused(source, {}) == "missing_signature"


@pytest.mark.parametrize(
    "value",
    ["zz" * 32, "abc", "ab" * 20, "ab" * 64, "é" * 64, "sha256=" + "ab" * 32],
)
def test_hmac_malformed_hex(value: str) -> None:
    source = GenericSource({"auth": "hmac"})
    assert refused(source, {"x-signature": value}) == "malformed_signature"


@pytest.mark.parametrize("value", ["!!!!", "QUJD", "a", "é"])
def test_hmac_malformed_base64(value: str) -> None:
    source = GenericSource({"auth": "hmac", "encoding": "base64"})
    assert refused(source, {"x-signature": value}) == "malformed_signature"


@settings(max_examples=300)
@given(
    options=st.sampled_from(
        [
            {"auth": "token"},
            {"auth": "token", "token_header": "x-token"},
            {"auth": "hmac"},
            {"auth": "hmac", "encoding": "base64", "prefix": "v1="},
            {"auth": "hmac", "algorithm": "sha1"},
        ]
    ),
    headers=st.dictionaries(
        st.sampled_from(["authorization", "x-token", "x-signature"]), st.text(max_size=150)
    ),
    body=st.binary(max_size=200),
    secrets=st.lists(st.text(max_size=30), max_size=3),
)
def test_verify_raises_only_signature_errors(
    options: dict[str, str], headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    try:
        GenericSource(options).verify(headers, body, secrets)
    except SignatureError:
        pass


# --- dedup key ----------------------------------------------------------------------------


def test_no_id_option_means_no_delivery_id() -> None:
    assert GenericSource().delivery_id({"x-request-id": "r1"}, BODY) is None


def test_id_header() -> None:
    source = GenericSource({"id_header": "X-Request-Id"})
    assert source.delivery_id({"x-request-id": " r-123 "}, BODY) == "r-123"
    assert source.delivery_id({}, BODY) is None


def test_id_path_in_json_and_form() -> None:
    source = GenericSource({"id_path": "data.0.id"})
    assert source.delivery_id({}, b'{"data": [{"id": 77}]}') == "77"
    assert source.delivery_id({}, b'{"data": [{"id": {"nested": 1}}]}') is None
    assert source.delivery_id({}, b"not json") is None
    flat = GenericSource({"id_path": "ref"})
    assert flat.delivery_id({"content-type": FORM}, b"ref=abc&x=1") == "abc"


# --- parsing: type and title options ------------------------------------------------------


def test_type_from_event_then_type_then_webhook() -> None:
    source = GenericSource()
    assert source.parse({}, b'{"event": "a.b", "type": "c"}')[0].type == "a.b"
    assert source.parse({}, b'{"event": {"x": 1}, "type": "c"}')[0].type == "c"
    assert source.parse({}, b'{"kind": "c"}')[0].type == "webhook"


def test_type_path_and_type_header() -> None:
    by_path = GenericSource({"type_path": "meta.kind"})
    assert by_path.parse({}, b'{"meta": {"kind": "build.done"}, "event": "x"}')[0].type == (
        "build.done"
    )
    assert by_path.parse({}, b'{"event": "x"}')[0].type == "webhook"
    by_header = GenericSource({"type_header": "X-Shopify-Topic"})
    headers = {"x-shopify-topic": "orders/create"}
    assert by_header.parse(headers, b'{"event": "x"}')[0].type == "orders/create"
    assert by_header.parse({}, b'{"event": "x"}')[0].type == "x"
    assert by_header.parse(headers, b"plain text")[0].type == "orders/create"


def test_title_path_wins_when_present() -> None:
    source = GenericSource({"title_path": "msg.text"})
    body = b'{"event": "note", "msg": {"text": "Disk almost full on db-1"}, "name": "x"}'
    assert source.parse({}, body)[0].title == "Disk almost full on db-1"
    assert source.parse({}, b'{"event": "note", "name": "x"}')[0].title == "note: x"


@pytest.mark.parametrize(
    ("options", "headers", "body", "title", "severity"),
    [
        (
            {},
            {},
            b'{"event": "deploy.finished", "status": "success", "service": "api"}',
            "deploy.finished: success",
            Severity.SUCCESS,
        ),
        (
            {},
            {},
            b'{"event": "backup.failed", "host": "db-1", "message": "disk full", "ts": 1714567890}',
            "backup.failed: disk full",
            Severity.ERROR,
        ),
        (
            {},
            {"content-type": FORM},
            b"event=contact&name=Ann+Lee&email=ann%40example.com&message=Hi",
            "contact: Ann Lee · ann@example.com",
            Severity.INFO,
        ),
        (
            {"title_path": "alert.summary"},
            {},
            b'{"alert": {"summary": "Disk almost full on db-1"}}',
            "Disk almost full on db-1",
            Severity.INFO,
        ),
    ],
)
def test_examples_from_the_docs(
    options: dict[str, str], headers: dict[str, str], body: bytes, title: str, severity: Severity
) -> None:
    [draft] = GenericSource(options).parse(headers, body)
    assert (draft.title, draft.severity) == (title, severity)


# --- parsing: key fields on realistic bodies ----------------------------------------------

SENTRY_LIKE = {
    "action": "triggered",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "event": {
            "event_id": "ec36e1ed2b3345d3ba6a8f22e3e0b7a7",
            "project": 1,
            "level": "error",
            "title": "ZeroDivisionError: division by zero",
            "culprit": "app.views in divide",
            "timestamp": 1625077236.0,
            "url": "https://sentry.io/api/0/projects/acme/web/events/ec36/",
            "web_url": "https://sentry.io/organizations/acme/issues/1170820242/events/ec36/",
            "user": {"email": "jane@example.com", "id": "42"},
        },
        "triggered_rule": "Send a notification for new issues",
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}

SHOPIFY_LIKE = {
    "id": 820982911946154508,
    "email": "jon@example.com",
    "created_at": "2024-01-01T10:00:00-05:00",
    "name": "#9999",
    "total_price": "598.94",
    "currency": "USD",
    "financial_status": "voided",
    "order_status_url": "https://shop.example.com/548380009/orders/123456abcd/authenticate",
    "customer": {"id": 115310627314723954, "email": "john@example.com", "first_name": "John"},
    "line_items": [{"id": 866550311766439020, "name": "IPod Nano - 8GB", "price": "199.00"}],
}


def test_sentry_like_alert() -> None:
    source = GenericSource({"type_header": "sentry-hook-resource"})
    headers = {"content-type": "application/json", "sentry-hook-resource": "event_alert"}
    [draft] = source.parse(headers, json.dumps(SENTRY_LIKE).encode())
    assert draft.type == "event_alert"
    assert draft.title == (
        "event_alert: ZeroDivisionError: division by zero · jane@example.com · error"
    )
    assert draft.severity is Severity.ERROR
    assert draft.actor == "jane@example.com"
    assert draft.url == "https://sentry.io/organizations/acme/issues/1170820242/events/ec36/"
    assert draft.occurred_at == datetime(2021, 6, 30, 18, 20, 36, tzinfo=UTC)
    assert draft.fields == {
        "title": "ZeroDivisionError: division by zero",
        "event_id": "ec36e1ed2b3345d3ba6a8f22e3e0b7a7",
        "level": "error",
        "user": "jane@example.com",
        "project": 1,
    }


def test_shopify_like_order() -> None:
    source = GenericSource({"type_header": "x-shopify-topic", "id_header": "x-shopify-webhook-id"})
    headers = {"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "b54557e4"}
    body = json.dumps(SHOPIFY_LIKE).encode()
    assert source.delivery_id(headers, body) == "b54557e4"
    [draft] = source.parse(headers, body)
    assert draft.title == "orders/create: #9999 · jon@example.com · 598.94 USD"
    assert draft.url == "https://shop.example.com/548380009/orders/123456abcd/authenticate"
    assert draft.occurred_at == datetime(2024, 1, 1, 15, 0, tzinfo=UTC)
    assert draft.severity is Severity.INFO
    assert draft.fields == {
        "name": "#9999",
        "id": 820982911946154508,
        "financial_status": "voided",
        "email": "jon@example.com",
        "total_price": "598.94 USD",
    }


def test_alertmanager_like_batch_uses_labels_one_level_down() -> None:
    body = {
        "receiver": "echodash",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "severity": "critical", "service": "api"},
                "annotations": {"summary": "p99 latency above 2 s"},
            }
        ],
        "commonLabels": {"alertname": "HighLatency", "severity": "critical"},
    }
    [draft] = GenericSource({"auth": "none"}).parse({}, json.dumps(body).encode())
    assert draft.severity is Severity.CRITICAL
    assert draft.title == "webhook: p99 latency above 2 s · firing"
    assert draft.subject == "api"


def test_github_like_people_and_places_are_not_titles() -> None:
    body = {
        "action": "opened",
        "issue": {
            "number": 42,
            "title": "Login is broken",
            "html_url": "https://github.com/acme/web/issues/42",
            "state": "open",
        },
        "repository": {"full_name": "acme/web", "name": "web"},
        "sender": {"login": "octocat", "html_url": "https://github.com/octocat"},
    }
    [draft] = GenericSource().parse({}, json.dumps(body).encode())
    assert draft.title == "webhook: Login is broken · octocat · open"
    assert draft.actor == "octocat"
    assert draft.subject == "acme/web"
    assert draft.url == "https://github.com/acme/web/issues/42"
    assert draft.fields == {
        "title": "Login is broken",
        "number": 42,
        "state": "open",
        "login": "octocat",
        "repository": "acme/web",
    }


def test_flat_form_becomes_a_dict() -> None:
    body = b"event=signup&email=ann%40example.com&plan=pro&amount=49&status=ok&tag=a&tag=b"
    [draft] = GenericSource().parse({"content-type": f"{FORM}; charset=utf-8"}, body)
    assert draft.type == "signup"
    assert draft.title == "signup: ann@example.com · 49 · ok"
    assert draft.severity is Severity.SUCCESS
    assert draft.fields == {"status": "ok", "email": "ann@example.com", "amount": "49"}


def test_form_with_a_json_payload_field() -> None:
    payload = json.dumps({"event": "ping", "title": "Hello"})
    body = b"payload=" + payload.encode().replace(b" ", b"+")
    [draft] = GenericSource().parse({"content-type": FORM}, body)
    assert draft.title == "ping: Hello"


def test_timestamps_in_unix_seconds_millis_and_text() -> None:
    expected = datetime(2021, 2, 25, 15, 2, 10, tzinfo=UTC)
    for value in (1614265330, 1614265330000, "1614265330", "2021-02-25T15:02:10Z"):
        [draft] = GenericSource().parse({}, json.dumps({"ts": value}).encode())
        assert draft.occurred_at == expected, value
    [draft] = GenericSource().parse({}, b'{"time": "yesterday"}')
    assert draft.occurred_at is None


@pytest.mark.parametrize(
    ("document", "severity"),
    [
        ({"status": "failed"}, Severity.ERROR),
        ({"level": "Warning"}, Severity.WARNING),
        ({"severity": "CRITICAL"}, Severity.CRITICAL),
        ({"data": {"state": "down"}}, Severity.ERROR),
        ({"status": "success", "level": "fatal"}, Severity.CRITICAL),
        ({"status": "passed"}, Severity.SUCCESS),
        ({"status": "queued"}, Severity.INFO),
        ({"status": 500}, Severity.INFO),
        ({"actor": {"status": "failed"}}, Severity.INFO),
    ],
)
def test_severity_from_status_like_values(document: dict[str, Any], severity: Severity) -> None:
    assert key_facts(document).severity is severity


@pytest.mark.parametrize(
    ("event_type", "document", "severity"),
    [
        ("backup.failed", {}, Severity.ERROR),
        ("job_succeeded", {}, Severity.SUCCESS),
        ("invoice.payment_failed", {"status": "open"}, Severity.ERROR),
        ("monitor/down", {}, Severity.ERROR),
        ("deploy.finished", {"status": "critical"}, Severity.CRITICAL),
        ("user.created", {"status": "partially_paid"}, Severity.INFO),
        ("", {}, Severity.INFO),
    ],
)
def test_severity_from_the_event_type(
    event_type: str, document: dict[str, Any], severity: Severity
) -> None:
    assert key_facts(document, event_type).severity is severity


def test_at_most_six_fields_and_only_web_urls() -> None:
    document = {
        "title": "t",
        "id": 1,
        "status": "s",
        "email": "e@x.test",
        "amount": 5,
        "project": "p",
        "extra": "ignored",
        "url": "javascript:alert(1)",
    }
    facts = key_facts(document)
    assert len(facts.fields) == 6
    assert "extra" not in facts.fields
    assert facts.url is None


def test_empty_object_gets_a_plain_title() -> None:
    [draft] = GenericSource().parse({}, b"{}")
    assert draft.title == "webhook received"
    assert draft.fields == {}


@pytest.mark.parametrize(
    ("headers", "body", "title"),
    [
        ({"content-type": "text/plain"}, b"hello", "Webhook received (5 bytes, text/plain)"),
        ({}, b"\xff\xfe", "Webhook received (2 bytes, no content type)"),
        ({"content-type": JSON}, b"[1,2,3]", f"Webhook received (7 bytes, {JSON})"),
        ({"content-type": FORM}, b"\xff=\xfe", f"Webhook received (3 bytes, {FORM})"),
        ({}, b"", "Webhook received (0 bytes, no content type)"),
    ],
)
def test_non_json_bodies(headers: dict[str, str], body: bytes, title: str) -> None:
    [draft] = GenericSource().parse(headers, body)
    assert draft.type == "webhook"
    assert draft.title == title


@settings(max_examples=300)
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(["", "application/json", FORM, "text/plain"]),
)
def test_parse_never_raises_on_bytes(body: bytes, content_type: str) -> None:
    source = GenericSource({"title_path": "a.b", "id_path": "x.0", "type_path": "t"})
    [draft] = source.parse({"content-type": content_type}, body)
    assert draft.title
    source.delivery_id({"content-type": content_type}, body)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["id", "name", "email", "user", "status", "level", "amount", "currency", "url",
             "ts", "created_at", "data", "event", "type", "project", "title", "Html-Url"]
        )
        | st.text(max_size=5),
        inner,
        max_size=6,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300)
@given(document=_json)
def test_parse_never_raises_on_any_json(document: Any) -> None:
    [draft] = GenericSource().parse({}, json.dumps(document).encode())
    assert draft.title
    assert len(draft.fields) <= 6
