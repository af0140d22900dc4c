"""Notion deliveries for the tests: events shaped as developers.notion.com shows them
("Event types & delivery", "Webhook events"), signed with a test token, and one sample
(headers, body) per event type the sender titles (read by tests/sources/test_events_doc.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from echodash.events import EventDraft
from echodash.sources.notion import NotionSource

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


# ---- one delivery per event type (tests/sources/test_events_doc.py) -------------------------

DATABASE_ID = "842a0286-cef0-46a8-abba-eac4c8ca644e"
DATA_SOURCE_ID = "2f26ee68-df30-4251-aad4-8ddc420cba3d"
SPACE = {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"}
BLOCKS = [{"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "block"}]


def event(kind: str, entity: str, entity_id: str, **data: Any) -> dict[str, Any]:
    return BASE | {"type": kind, "entity": {"id": entity_id, "type": entity}, "data": data}


def page(action: str, **data: Any) -> dict[str, Any]:
    return event(f"page.{action}", "page", PAGE_ID, parent=SPACE, **data)


def database(action: str, **data: Any) -> dict[str, Any]:
    return event(f"database.{action}", "database", DATABASE_ID, parent=SPACE, **data)


def data_source(action: str, **data: Any) -> dict[str, Any]:
    parent = {"id": DATABASE_ID, "type": "database"}
    return event(f"data_source.{action}", "data_source", DATA_SOURCE_ID, parent=parent, **data)


def upload(action: str) -> dict[str, Any]:
    return event(f"file_upload.{action}", "file_upload", "2a1c5c8e-7d4b-4e5f-9a6b-3c2d1e0f9a8b")


EVENTS: list[dict[str, Any]] = [
    page("created"),
    CONTENT_UPDATED,
    PROPERTIES_UPDATED,
    page("moved"),
    PAGE_DELETED,
    page("undeleted"),
    page("locked"),
    page("unlocked"),
    database("created"),
    database("content_updated", updated_blocks=BLOCKS),
    database(
        "schema_updated", updated_properties=[{"id": "x", "name": "Due", "action": "updated"}]
    ),
    database("moved"),
    database("deleted"),
    database("undeleted"),
    DATA_SOURCE_CREATED,
    data_source("content_updated", updated_blocks=BLOCKS),
    SCHEMA_UPDATED,
    data_source("moved"),
    data_source("deleted"),
    data_source("undeleted"),
    COMMENT_CREATED,
    COMMENT_CREATED | {"type": "comment.updated"},
    COMMENT_CREATED | {"type": "comment.deleted"},
    upload("created"),
    upload("completed"),
    upload("upload_failed"),
    upload("expired"),
]
HANDSHAKE = {"verification_token": TOKEN}

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    *((headers_for(encode(e)), encode(e)) for e in EVENTS),
    ({"content-type": "application/json"}, encode(HANDSHAKE)),
]
