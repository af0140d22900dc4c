"""GitHub source: who it is, signatures, delivery ids, and any bytes at all."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.sources import SignatureError
from echodash.sources.github import GitHubSource
from tests.sources.github.helpers import (
    SECRET,
    SOURCE,
    fixture,
    sign,
)


def test_source_identity_and_entry_point() -> None:
    assert (GitHubSource.kind, GitHubSource.name) == ("github", "GitHub")
    assert GitHubSource.secret_headers == frozenset()
    (entry,) = entry_points(group="echodash.sources", name="github")
    assert entry.load() is GitHubSource


def test_delivery_id() -> None:
    assert SOURCE.delivery_id({"x-github-delivery": " abc-123 "}, b"") == "abc-123"
    assert SOURCE.delivery_id({"x-github-delivery": ""}, b"") is None
    assert SOURCE.delivery_id({}, b"{}") is None


# ---- verification -----------------------------------------------------------------------------


def test_official_test_vector() -> None:
    digest = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    headers = {"x-hub-signature-256": f"sha256={digest}"}
    assert SOURCE.verify(headers, b"Hello, World!", ["It's a Secret to Everybody"]) == 0


def _reason(headers: dict[str, str], body: bytes, secrets: list[str]) -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_signature_failures() -> None:
    body = fixture("push/payload.json")
    good = sign(body)
    changed = body[:100] + bytes([body[100] ^ 1]) + body[101:]
    assert _reason({"x-hub-signature-256": good}, changed, [SECRET]) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, ["another"]) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, []) == "bad_signature"
    assert _reason({"x-hub-signature-256": good}, body, [""]) == "bad_signature"
    assert _reason({}, body, [SECRET]) == "missing_signature"
    assert _reason({"x-hub-signature-256": "  "}, body, [SECRET]) == "missing_signature"
    legacy = {"x-hub-signature": "sha1=" + "0" * 40}
    assert _reason(legacy, body, [SECRET]) == "missing_signature"


@pytest.mark.parametrize(
    "header",
    [
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # no sha256=
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
        "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # not hex
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e",  # short
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700",  # long
        "sha256=75 7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=\uff17\uff157107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=é57107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=",
    ],
)
def test_malformed_signature(header: str) -> None:
    reason = _reason({"x-hub-signature-256": header}, b"Hello, World!", ["x"])
    assert reason == "malformed_signature"


def test_rotation_reports_which_secret_matched() -> None:
    body = fixture("ping/payload.json")
    headers = {"x-hub-signature-256": sign(body, "new-secret")}
    assert SOURCE.verify(headers, body, ["old-secret", "new-secret"]) == 1
    assert SOURCE.verify(headers, body, ["new-secret", "old-secret"]) == 0
    assert SOURCE.verify(headers, body, ["new-secret", "new-secret"]) == 0
    upper = {"x-hub-signature-256": "SHA256=" + sign(body, "new-secret")[7:].upper()}
    assert SOURCE.verify(upper, body, ["old-secret", "new-secret"]) == 1


# ---- garbage in --------------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from(
    [
        "x-github-event",
        "x-hub-signature-256",
        "x-hub-signature",
        "x-github-delivery",
        "content-type",
    ]
)
HEADERS = st.dictionaries(HEADER_NAMES | st.text(max_size=20), st.text(max_size=120))
SECRETS = st.lists(st.text(max_size=40), max_size=3)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(headers=HEADERS, body=st.binary(max_size=400), secrets=SECRETS)
def test_arbitrary_bytes_and_headers_never_raise(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) >= 1
    assert all(d.title for d in drafts)
    SOURCE.delivery_id(headers, body)
    try:
        SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass
