"""Sentry source: signatures and delivery ids; anything at all is refused or parsed."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.sources import SignatureError
from echodash.sources.sentry import SentrySource
from tests.sources.sentry.samples import (
    ISSUE,
    SECRET,
    encode,
    headers_for,
    sign,
)

SOURCE = SentrySource()


def test_source_identity_and_entry_point() -> None:
    assert (SentrySource.kind, SentrySource.name) == ("sentry", "Sentry")
    assert SentrySource.secret_headers == frozenset({"sentry-hook-signature"})
    (entry,) = entry_points(group="echodash.sources", name="sentry")
    assert entry.load() is SentrySource


# ---- verification ------------------------------------------------------------------------


def test_a_correct_signature_is_accepted() -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "7b5e8d1c-8d9f-4d7e-9a4b-6b2c3d4e5f60"


def test_the_index_of_the_matching_secret_is_returned() -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    assert SOURCE.verify(headers, body, ["old-secret", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "new-secret"]) == 0
    upper = dict(headers, **{"sentry-hook-signature": sign(body).upper()})
    assert SOURCE.verify(upper, body, ["", SECRET]) == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("missing header", "missing_signature"),
        ("empty header", "missing_signature"),
        ("not hex", "malformed_signature"),
        ("too short", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii digits", "malformed_signature"),
        ("sha256= prefix", "malformed_signature"),
        ("only empty secrets", "bad_signature"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(ISSUE)
    headers = headers_for("issue", body)
    secrets = [SECRET]
    good = headers["sentry-hook-signature"]
    if case == "wrong secret":
        headers["sentry-hook-signature"] = sign(body, "another-secret")
    elif case == "changed byte":
        body = body.replace(b"TypeError", b"TypeErrot")
    elif case == "missing header":
        del headers["sentry-hook-signature"]
    elif case == "empty header":
        headers["sentry-hook-signature"] = "  "
    elif case == "not hex":
        headers["sentry-hook-signature"] = "z" * 64
    elif case == "too short":
        headers["sentry-hook-signature"] = good[:-2]
    elif case == "huge":
        headers["sentry-hook-signature"] = good * 10_000
    elif case == "non-ascii digits":
        headers["sentry-hook-signature"] = "\u0661" * 64  # Arabic-Indic digit one: a digit, not hex
    elif case == "sha256= prefix":
        headers["sentry-hook-signature"] = "sha256=" + good
    elif case == "only empty secrets":
        secrets = ["", ""]
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, secrets)
    assert refused.value.reason == reason


def test_no_secrets_accepts_nothing() -> None:
    body = encode(ISSUE)
    with pytest.raises(SignatureError):
        SOURCE.verify(headers_for("issue", body), body, [])


def test_delivery_id_is_absent_without_the_header() -> None:
    assert SOURCE.delivery_id({}, b"{}") is None
    assert SOURCE.delivery_id({"request-id": "  "}, b"{}") is None


# ---- parsing -----------------------------------------------------------------------------


# ---- anything at all ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
KNOWN = st.sampled_from(
    ["issue", "error", "event_alert", "metric_alert", "comment", "installation", "seer"]
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "action": JSON | st.sampled_from(["created", "resolved", "critical", "deleted"]),
        "data": st.dictionaries(
            st.sampled_from(["issue", "error", "event", "metric_alert", "installation", "comment"])
            | st.text(),
            JSON,
            max_size=3,
        ),
        "actor": JSON,
    },
)
HEADER_VALUES = st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS | JSON,
    resource=KNOWN | HEADER_VALUES,
    signature=HEADER_VALUES,
    secrets=st.lists(st.text(max_size=30), max_size=3),
    signed=st.booleans(),
)
def test_anything_is_refused_or_parsed_never_crashes(
    document: Any, resource: str, signature: str, secrets: list[str], signed: bool
) -> None:
    body = json.dumps(document).encode()
    headers = {"sentry-hook-resource": resource, "sentry-hook-signature": signature}
    if signed:
        headers["sentry-hook-signature"] = sign(body)
        secrets = [*secrets, SECRET]
    try:
        index = SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass
    else:
        assert 0 <= index < len(secrets)
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) == 1
    assert isinstance(drafts[0].title, str) and drafts[0].title
    assert drafts[0].url is None or drafts[0].url.startswith(("https://", "http://"))
