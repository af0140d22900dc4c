"""Notion verification: the unsigned verification-token handshake (and that the token is
never kept outside the endpoint's sealed secret), and `X-Notion-Signature`."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from urllib.parse import urlencode

import pytest

from echodash.events import Severity
from echodash.sources import Handshake, SignatureError
from echodash.sources.notion import (
    REDACTED,
    VERIFICATION_TITLE,
    NotionSource,
    redacted_fields,
    redacted_handshake,
)
from tests.sources.notion.samples import CONTENT_UPDATED, SOURCE, TOKEN, encode, headers_for, sign


def test_source_identity_and_entry_point() -> None:
    assert (NotionSource.kind, NotionSource.name) == ("notion", "Notion")
    assert NotionSource.secret_from_handshake is True
    assert NotionSource.secret_headers == frozenset({"x-notion-signature"})
    (entry,) = entry_points(group="echodash.sources", name="notion")
    assert entry.load() is NotionSource


# ---- the handshake -----------------------------------------------------------------------


def test_the_unsigned_verification_request_is_a_handshake() -> None:
    body = encode({"verification_token": TOKEN})
    found = SOURCE.handshake({"content-type": "application/json"}, body, [])
    assert found == Handshake(
        answer={"status": "accepted", "handshake": True},
        secret=TOKEN,
        keep=True,
        kept_body=b'{"verification_token":"' + REDACTED.encode() + b'"}',
    )
    # Also with secrets already there: the server (not the source) refuses to replace them.
    assert SOURCE.handshake({}, body, ["old"]) == found
    assert SOURCE.delivery_id({}, body) is None


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"x-notion-signature": sign(b'{"verification_token": "secret_abcdefgh"}')}, None),
        ({"x-notion-signature": ""}, None),
        ({}, encode(CONTENT_UPDATED)),
        ({}, encode({"verification_token": TOKEN, "type": "page.created"})),
        ({}, encode({"verification_token": TOKEN, "id": "x"})),
        ({}, encode({"verification_token": ""})),
        ({}, encode({"verification_token": "short"})),
        ({}, encode({"verification_token": "secret_" + "a" * 300})),
        ({}, encode({"verification_token": "secret with spaces"})),
        ({}, encode({"verification_token": "secret_é" + "a" * 10})),
        ({}, encode({"verification_token": 12345678901})),
        ({}, encode({"verification_token": ["secret_abcdefgh"]})),
        ({}, encode([{"verification_token": TOKEN}])),
        ({}, b"verification_token=secret_abcdefgh"),
        ({}, b'{"verification_token": "secret_abc'),
        ({}, b""),
        ({}, b"\xff\xfe"),
    ],
)
def test_anything_else_is_no_handshake(headers: dict[str, str], body: bytes | None) -> None:
    body = encode({"verification_token": "secret_abcdefgh"}) if body is None else body
    assert SOURCE.handshake(headers, body, []) is None


def test_the_handshake_reads_as_the_token_to_paste_but_never_holds_it() -> None:
    body = encode({"verification_token": TOKEN})
    handshake = SOURCE.handshake({"content-type": "application/json"}, body, [])
    assert handshake is not None and handshake.kept_body is not None
    # As kept (the token taken out), and as an older version kept it: the same line.
    for stored in (handshake.kept_body, body):
        (draft,) = SOURCE.parse({"content-type": "application/json"}, stored)
        assert draft.type == "verification"
        assert draft.title == VERIFICATION_TITLE
        assert draft.severity is Severity.WARNING
        assert draft.fields == {"verification_token": REDACTED}
        assert TOKEN not in repr(draft)


def test_a_form_encoded_handshake_is_kept_as_a_form_without_the_token() -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    body = urlencode({"payload": json.dumps({"verification_token": TOKEN})}).encode()
    handshake = SOURCE.handshake(headers, body, [])
    assert handshake is not None and handshake.secret == TOKEN
    assert handshake.kept_body is not None and TOKEN.encode() not in handshake.kept_body
    (draft,) = SOURCE.parse(headers, handshake.kept_body)
    assert draft.type == "verification"


def test_what_older_versions_stored_is_redacted_once() -> None:
    headers = {"content-type": "application/json"}
    old = encode({"verification_token": TOKEN})
    kept = redacted_handshake(headers, old)
    assert kept is not None and TOKEN.encode() not in kept
    assert redacted_handshake(headers, kept) is None  # kept by this version already
    assert redacted_handshake(headers, encode(CONTENT_UPDATED)) is None
    assert redacted_handshake(headers, b"not json") is None
    assert redacted_fields({"verification_token": TOKEN}) == {"verification_token": REDACTED}
    assert redacted_fields({"verification_token": REDACTED}) is None
    assert redacted_fields({"workspace": "Acme Docs"}) is None


# ---- verification ------------------------------------------------------------------------


def test_a_correct_signature_is_accepted() -> None:
    body = encode(CONTENT_UPDATED)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, [TOKEN]) == 0
    assert SOURCE.verify(headers, body, ["secret_older_token", TOKEN]) == 1
    assert SOURCE.delivery_id(headers, body) == CONTENT_UPDATED["id"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong token", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("missing header", "missing_signature"),
        ("empty header", "missing_signature"),
        ("no prefix", "malformed_signature"),
        ("other algorithm", "malformed_signature"),
        ("not hex", "malformed_signature"),
        ("short", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii", "malformed_signature"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(CONTENT_UPDATED)
    headers = headers_for(body)
    digest = headers["x-notion-signature"].removeprefix("sha256=")
    if case == "wrong token":
        headers["x-notion-signature"] = sign(body, "secret_not_the_token")
    elif case == "changed byte":
        body = body.replace(b"Acme", b"Acne")
    elif case == "missing header":
        del headers["x-notion-signature"]
    elif case == "empty header":
        headers["x-notion-signature"] = "  "
    elif case == "no prefix":
        headers["x-notion-signature"] = digest
    elif case == "other algorithm":
        headers["x-notion-signature"] = "sha1=" + digest
    elif case == "not hex":
        headers["x-notion-signature"] = "sha256=" + "g" * 64
    elif case == "short":
        headers["x-notion-signature"] = "sha256=" + digest[:40]
    elif case == "huge":
        headers["x-notion-signature"] = "sha256=" + "a" * 1_000_000
    elif case == "non-ascii":
        headers["x-notion-signature"] = "sha256=" + "é" * 64
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, [TOKEN])
    assert refused.value.reason == reason


def test_no_usable_secret_matches_nothing() -> None:
    body = encode(CONTENT_UPDATED)
    with pytest.raises(SignatureError, match="bad_signature"):
        SOURCE.verify(headers_for(body), body, [])
    with pytest.raises(SignatureError, match="bad_signature"):
        SOURCE.verify(headers_for(body, **{"x-notion-signature": sign(body, "")}), body, [""])
