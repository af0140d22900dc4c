"""Notion source: the verification-token handshake, signatures, and parsing of Notion's signals."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import Handshake, SignatureError
from echodash.sources.notion import (
    REDACTED,
    VERIFICATION_TITLE,
    NotionSource,
    redacted_fields,
    redacted_handshake,
)

TOKEN = "secret_q7ZbR2mK9xLp4TvW8nYc3HfJ6dGs1aEu5oNi0kBr"
SOURCE = NotionSource()
PAGE_ID = "59833787-2cf9-4fdf-8782-e53db20768a5"
PERSON = {"id": "1a2b3c4d-0000-4a4a-8b8b-0123456789ab", "type": "person"}
BOT = {"id": "9f8e7d6c-1111-4b4b-9c9c-abcdef012345", "type": "bot"}

# Shapes from developers.notion.com ("Event types & delivery", "Webhook events").
BASE: dict[str, Any] = {
    "id": "367cba44-b6f3-4c92-81e7-6a2e9659efd4",
    "timestamp": "2025-06-02T14:35:41.512Z",
    "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565",
    "workspace_name": "Acme Docs",
    "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
    "integration_id": "0ef2e755-4912-8096-91c1-00376a88a5ca",
    "authors": [PERSON],
    "attempt_number": 1,
    "api_version": "2022-06-28",
}
CONTENT_UPDATED: dict[str, Any] = BASE | {
    "type": "page.content_updated",
    "entity": {"id": PAGE_ID, "type": "page"},
    "data": {
        "parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"},
        "updated_blocks": [
            {"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "block"},
            {"id": "153104cd-477e-80ee-8f4e-c8c7dd2f8a4a", "type": "block"},
        ],
    },
}
PROPERTIES_UPDATED: dict[str, Any] = BASE | {
    "type": "page.properties_updated",
    "entity": {"id": PAGE_ID, "type": "page"},
    "data": {
        "parent": {"id": "c1a2e3b4-0f0f-4a4a-8b8b-1234567890ab", "type": "database"},
        "updated_properties": ["XGe%40", "%3AqbT"],
    },
}
DATA_SOURCE_CREATED: dict[str, Any] = BASE | {
    "type": "data_source.created",
    "authors": [BOT],
    "entity": {"id": "2f26ee68-df30-4251-aad4-8ddc420cba3d", "type": "data_source"},
    "data": {"parent": {"id": "842a0286-cef0-46a8-abba-eac4c8ca644e", "type": "database"}},
}
SCHEMA_UPDATED: dict[str, Any] = BASE | {
    "type": "data_source.schema_updated",
    "entity": {"id": "2f26ee68-df30-4251-aad4-8ddc420cba3d", "type": "data_source"},
    "data": {
        "parent": {"id": "842a0286-cef0-46a8-abba-eac4c8ca644e", "type": "database"},
        "updated_properties": [
            {"id": "fy:{", "name": "Status", "action": "created"},
            {"id": "AbC1", "name": "Owner", "action": "deleted"},
        ],
    },
}
COMMENT_CREATED: dict[str, Any] = BASE | {
    "type": "comment.created",
    "entity": {"id": "c0ffee00-1234-4abc-9def-00112233aabb", "type": "comment"},
    "data": {"page_id": PAGE_ID, "parent": {"id": PAGE_ID, "type": "page"}},
}
PAGE_DELETED: dict[str, Any] = BASE | {
    "type": "page.deleted",
    "entity": {"id": PAGE_ID, "type": "page"},
    "data": {"parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"}},
}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def sign(body: bytes, secret: str = TOKEN) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_for(body: bytes, **extra: str) -> dict[str, str]:
    headers = {"content-type": "application/json", "x-notion-signature": sign(body)}
    headers.update(extra)
    return headers


def parse_one(document: Any) -> EventDraft:
    body = encode(document)
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    return drafts[0]


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


# ---- parsing -----------------------------------------------------------------------------


def test_page_content_updated() -> None:
    draft = parse_one(CONTENT_UPDATED)
    assert draft.type == "page.content_updated"
    assert draft.title == "person 1a2b3c4d… updated the content of page 59833787…"
    assert draft.actor == "person 1a2b3c4d…"
    assert draft.subject == "page 59833787…"
    assert draft.url == "https://www.notion.so/598337872cf94fdf8782e53db20768a5"
    assert draft.occurred_at == datetime(2025, 6, 2, 14, 35, 41, 512000, tzinfo=UTC)
    assert draft.severity is Severity.INFO
    assert draft.fields == {
        "workspace": "Acme Docs",
        "entity_type": "page",
        "entity_id": PAGE_ID,
        "parent_type": "space",
        "parent_id": "13950b26-c203-4f3b-b97d-93ec06319565",
        "authors": 1,
        "updated_blocks": 2,
        "attempt_number": 1,
    }


def test_page_properties_updated_lists_the_property_ids() -> None:
    draft = parse_one(PROPERTIES_UPDATED)
    assert draft.title == "person 1a2b3c4d… updated the properties of page 59833787…"
    assert draft.fields["updated_properties"] == "XGe%40, %3AqbT"
    assert draft.fields["parent_type"] == "database"


def test_data_source_created_by_a_bot() -> None:
    draft = parse_one(DATA_SOURCE_CREATED)
    assert draft.title == "bot 9f8e7d6c… created data source 2f26ee68…"
    assert draft.actor == "bot 9f8e7d6c…"
    assert draft.subject == "data source 2f26ee68…"
    assert draft.url is None  # data sources have no page of their own


def test_schema_updated_names_the_properties() -> None:
    draft = parse_one(SCHEMA_UPDATED)
    assert draft.title == "person 1a2b3c4d… changed the schema of data source 2f26ee68…"
    assert draft.fields["updated_properties"] == "Status (created), Owner (deleted)"


def test_comments_name_their_page() -> None:
    created = parse_one(COMMENT_CREATED)
    assert created.title == "person 1a2b3c4d… commented on page 59833787…"
    assert created.subject == "comment c0ffee00…"
    assert created.url == "https://www.notion.so/598337872cf94fdf8782e53db20768a5"
    assert created.fields["page_id"] == PAGE_ID
    edited = parse_one(COMMENT_CREATED | {"type": "comment.updated"})
    assert edited.title == "person 1a2b3c4d… edited a comment on page 59833787…"
    deleted = parse_one(COMMENT_CREATED | {"type": "comment.deleted"})
    assert deleted.title == "person 1a2b3c4d… deleted a comment on page 59833787…"
    assert deleted.severity is Severity.WARNING


@pytest.mark.parametrize(
    ("kind", "words", "severity"),
    [
        ("page.created", "created page", Severity.INFO),
        ("page.moved", "moved page", Severity.INFO),
        ("page.deleted", "deleted page", Severity.WARNING),
        ("page.undeleted", "restored page", Severity.INFO),
        ("page.locked", "locked page", Severity.INFO),
        ("page.unlocked", "unlocked page", Severity.INFO),
    ],
)
def test_page_lifecycle(kind: str, words: str, severity: Severity) -> None:
    draft = parse_one(PAGE_DELETED | {"type": kind})
    assert draft.title == f"person 1a2b3c4d… {words} 59833787…"
    assert draft.severity is severity


def test_databases_link_to_notion() -> None:
    database = BASE | {
        "type": "database.schema_updated",
        "entity": {"id": "842a0286-cef0-46a8-abba-eac4c8ca644e", "type": "database"},
        "data": {"updated_properties": [{"id": "x", "name": "Due", "action": "updated"}]},
    }
    draft = parse_one(database)
    assert draft.title == "person 1a2b3c4d… changed the schema of database 842a0286…"
    assert draft.url == "https://www.notion.so/842a0286cef046a8abbaeac4c8ca644e"


def test_aggregated_events_count_their_authors() -> None:
    draft = parse_one(CONTENT_UPDATED | {"authors": [PERSON, BOT, PERSON]})
    assert draft.title.startswith("person 1a2b3c4d… and 2 others updated")
    assert draft.fields["authors"] == 3
    agent = parse_one(CONTENT_UPDATED | {"authors": [{"id": "a9e1", "type": "agent"}]})
    assert agent.actor == "agent a9e1"


def test_unknown_types_still_read() -> None:
    future = parse_one(
        BASE | {"type": "file_upload.completed", "entity": {"id": "f1le", "type": "file_upload"}}
    )
    assert future.title == "person 1a2b3c4d… completed file upload f1le"
    odd = parse_one(BASE | {"type": "view.refreshing", "entity": {"id": "v1", "type": "view"}})
    assert odd.title == "Notion sent view.refreshing for view v1"
    bare = parse_one({"id": "e1"})
    assert bare.type == "unknown"
    assert bare.title == "Notion sent an event"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1]",
        b"null",
        b'{"type": 3}',
        b'{"type": "page.created", "entity": [], "authors": {}, "data": "x"}',
        b'{"type": "page.created", "entity": {"id": "javascript:alert(1)", "type": "page"}}',
        b'{"type": "comment.created", "data": {"page_id": 7}}',
    ],
)
def test_odd_bodies_still_get_a_title(body: bytes) -> None:
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    assert drafts[0].title and "\n" not in drafts[0].title
    assert drafts[0].url is None


# ---- anything at all ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "type": st.sampled_from(
            [
                "page.content_updated",
                "page.properties_updated",
                "data_source.schema_updated",
                "comment.created",
                "page.deleted",
            ]
        )
        | JSON,
        "entity": st.fixed_dictionaries({}, optional={"id": JSON, "type": JSON}) | JSON,
        "authors": st.lists(st.fixed_dictionaries({}, optional={"id": JSON, "type": JSON})) | JSON,
        "data": JSON,
        "timestamp": JSON,
        "attempt_number": JSON,
        "verification_token": JSON,
    },
)
HEADER_VALUES = st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS | JSON,
    signature=HEADER_VALUES,
    secrets=st.lists(st.text(max_size=30), max_size=3),
    signed=st.booleans(),
)
def test_anything_is_refused_or_parsed_never_crashes(
    document: Any, signature: str, secrets: list[str], signed: bool
) -> None:
    body = json.dumps(document).encode()
    headers = {"x-notion-signature": sign(body) if signed else signature}
    if signed:
        secrets = [*secrets, TOKEN]
    try:
        index = SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass
    else:
        assert 0 <= index < len(secrets)
    found = SOURCE.handshake(headers, body, secrets)
    assert found is None  # signed or not, a request with the header is never a handshake
    found = SOURCE.handshake({}, body, secrets)
    assert found is None or (isinstance(found.secret, str) and 8 <= len(found.secret) <= 200)
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) == 1
    assert isinstance(drafts[0].title, str) and drafts[0].title
    assert drafts[0].url is None or drafts[0].url.startswith("https://www.notion.so/")
    delivery = SOURCE.delivery_id(headers, body)
    assert delivery is None or isinstance(delivery, str)
