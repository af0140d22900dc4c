"""Vercel source: HMAC-SHA1 signatures and event ids; garbage never breaks it."""

from __future__ import annotations

import hashlib
import hmac
import json
from importlib.metadata import entry_points
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.sources import SignatureError
from echodash.sources.vercel import VercelSource
from tests.sources.vercel.samples import deployment_event, encode

SECRET = "vercel-webhook-secret-for-tests"
SOURCE = VercelSource()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


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
