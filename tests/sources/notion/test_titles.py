"""Notion titles: what a person reads in the feed for each event, and that no delivery is
ever lost to the parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Category, Outcome, Severity
from echodash.sources import SignatureError
from tests.sources.notion.samples import (
    BASE,
    BOT,
    COMMENT_CREATED,
    CONTENT_UPDATED,
    DATA_SOURCE_CREATED,
    EVENTS,
    PAGE_DELETED,
    PAGE_ID,
    PERSON,
    PROPERTIES_UPDATED,
    SCHEMA_UPDATED,
    SOURCE,
    TOKEN,
    headers_for,
    parse_one,
    sign,
)

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


# What a person reads for each sample event, in the order of samples.EVENTS.
SEEN = [
    ("person 1a2b3c4d… created page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    (
        "person 1a2b3c4d… updated the content of page 59833787…",
        Category.ACTIVITY,
        Severity.INFO,
        None,
    ),
    (
        "person 1a2b3c4d… updated the properties of page 59833787…",
        Category.ACTIVITY,
        Severity.INFO,
        None,
    ),
    ("person 1a2b3c4d… moved page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… deleted page 59833787…", Category.ACTIVITY, Severity.WARNING, None),
    ("person 1a2b3c4d… restored page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… locked page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… unlocked page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… created database 842a0286…", Category.ACTIVITY, Severity.INFO, None),
    (
        "person 1a2b3c4d… updated the content of database 842a0286…",
        Category.ACTIVITY,
        Severity.INFO,
        None,
    ),
    (
        "person 1a2b3c4d… changed the schema of database 842a0286…",
        Category.CONFIG,
        Severity.INFO,
        None,
    ),
    ("person 1a2b3c4d… moved database 842a0286…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… deleted database 842a0286…", Category.ACTIVITY, Severity.WARNING, None),
    ("person 1a2b3c4d… restored database 842a0286…", Category.ACTIVITY, Severity.INFO, None),
    ("bot 9f8e7d6c… created data source 2f26ee68…", Category.ACTIVITY, Severity.INFO, None),
    (
        "person 1a2b3c4d… updated the content of data source 2f26ee68…",
        Category.ACTIVITY,
        Severity.INFO,
        None,
    ),
    (
        "person 1a2b3c4d… changed the schema of data source 2f26ee68…",
        Category.CONFIG,
        Severity.INFO,
        None,
    ),
    ("person 1a2b3c4d… moved data source 2f26ee68…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… deleted data source 2f26ee68…", Category.ACTIVITY, Severity.WARNING, None),
    ("person 1a2b3c4d… restored data source 2f26ee68…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… commented on page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    ("person 1a2b3c4d… edited a comment on page 59833787…", Category.ACTIVITY, Severity.INFO, None),
    (
        "person 1a2b3c4d… deleted a comment on page 59833787…",
        Category.ACTIVITY,
        Severity.WARNING,
        None,
    ),
    (
        "person 1a2b3c4d… started uploading file 2a1c5c8e…",
        Category.ACTIVITY,
        Severity.INFO,
        Outcome.STARTED,
    ),
    (
        "person 1a2b3c4d… uploaded file 2a1c5c8e…",
        Category.ACTIVITY,
        Severity.SUCCESS,
        Outcome.SUCCESS,
    ),
    ("Upload of file 2a1c5c8e… failed", Category.ACTIVITY, Severity.WARNING, Outcome.FAILURE),
    (
        "Upload of file 2a1c5c8e… expired unfinished",
        Category.ACTIVITY,
        Severity.WARNING,
        Outcome.FAILURE,
    ),
]


@pytest.mark.parametrize(("document", "seen"), list(zip(EVENTS, SEEN, strict=True)))
def test_every_event_type_reads_as_its_own_line(
    document: dict[str, Any], seen: tuple[str, Category, Severity, Outcome | None]
) -> None:
    draft = parse_one(document)
    assert (draft.title, draft.category, draft.severity, draft.outcome) == seen
    assert draft.type == document["type"]


def test_the_service_is_the_workspace_by_id() -> None:
    draft = parse_one(CONTENT_UPDATED)
    assert draft.service == "notion:13950b26-c203-4f3b-b97d-93ec06319565"
    assert draft.fields["workspace"] == "Acme Docs"
    assert (
        parse_one({k: v for k, v in CONTENT_UPDATED.items() if k != "workspace_id"}).service is None
    )


def test_an_event_cannot_borrow_the_verification_line() -> None:
    """Only a handshake body reads as the token to paste; an event named `verification` is
    an ordinary event (and says nothing of a token)."""
    draft = parse_one(BASE | {"type": "verification", "verification_token": TOKEN})
    assert draft.type == "verification"
    assert "verification token" not in draft.title
    assert TOKEN not in repr(draft)


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
    future = parse_one(BASE | {"type": "view.published", "entity": {"id": "v1ew", "type": "view"}})
    assert future.title == "person 1a2b3c4d… published view v1ew"
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
        "type": st.sampled_from(SOURCE.titles.names()) | JSON,  # every type with a title
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
