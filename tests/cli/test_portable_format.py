"""The export format's readers, line by line (pure: no store, no process)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet

from echodash import endpoint_admin
from echodash.cli import portable_limits as limits
from echodash.cli.portable_fields import Fields, InvalidLine
from echodash.cli.portable_format import (
    DELIVERY_FIELDS,
    ENDPOINT_FIELDS,
    EVENT_FIELDS,
    HEADER_FIELDS,
    PlainSecret,
    delivery_doc,
    endpoint_doc,
    event_doc,
    parse_delivery,
    parse_endpoint,
    parse_event,
    parse_header,
)
from echodash.crypto import SecretBox
from echodash.events import EARLIEST, LATEST, Category, Event, Origin, Outcome, Severity
from echodash.sources.generic import GenericSource
from echodash.store.base import EndpointRecord, SecretRecord, StoredDelivery

BOX = SecretBox(Fernet.generate_key())
MAX_BODY = 1024


def fields(document: dict[str, Any]) -> Fields:
    return Fields(7, document)


def refusal(parse: Any, document: dict[str, Any], *args: Any) -> str:
    with pytest.raises(InvalidLine) as caught:
        parse(fields(document), *args)
    message = str(caught.value)
    assert message.startswith("line 7: "), message
    return message


# The values at the edges of every range: all of them come back exactly.
DELIVERY = StoredDelivery(
    id=limits.MAX_ID,
    endpoint_id=1,
    workspace_id=0,
    source="generic",
    key="k" * limits.SHORT_TEXT,
    headers={"content-type": "application/json", "x-long": "v" * limits.LONG_TEXT},
    body=bytes(range(256)) * 4,
    received_at=EARLIEST,
    secret_id=None,
    duplicates=limits.MAX_COUNT,
    origin=Origin.IMPORT,
)
EVENT = Event(
    id=1,
    workspace_id=0,
    endpoint_id=None,
    delivery_id=limits.MAX_ID,
    source="custom",
    type="Signed up",
    title="",
    summary="s" * limits.LONG_TEXT,
    actor=None,
    subject="web",
    url=None,
    occurred_at=LATEST,
    received_at=datetime(2026, 1, 2, 3, 4, 5, 678901, UTC),
    severity=Severity.CRITICAL,
    tags=tuple(f"t{n}" for n in range(limits.MAX_ITEMS)),
    fields={"n": limits.MIN_JSON_INT, "m": limits.MAX_ID, "x": 0.5, "b": False, "z": None},
    category=Category.SIGNUP,
    service="web-app",
    environment="production",
    outcome=Outcome.SUCCESS,
    commits=("9f2c1ab4e", "0" * 40),
    origin=Origin.API,
)


def test_what_export_writes_import_reads_back_exactly() -> None:
    endpoint = EndpointRecord(
        id=3,
        workspace_id=9,
        kind="generic",
        name="uptime",
        slug="Ab-_" * 25,
        options=GenericSource.validate_options({"auth": "hmac", "id_path": "a.b"}),
        created_at=EARLIEST,
        secrets=(SecretRecord(5, BOX.seal("s" * 1000), LATEST, None),),
    )
    doc = endpoint_doc(endpoint, BOX)
    assert tuple(doc) == ENDPOINT_FIELDS
    assert parse_endpoint(fields(doc)) == (
        EndpointRecord(3, 0, "generic", "uptime", "Ab-_" * 25, endpoint.options, EARLIEST),
        (PlainSecret("s" * 1000, LATEST, None),),
    )
    doc = delivery_doc(DELIVERY, True)
    assert tuple(doc) == DELIVERY_FIELDS
    assert parse_delivery(fields(doc), MAX_BODY) == (DELIVERY, True)
    doc = event_doc(EVENT)
    assert tuple(doc) == EVENT_FIELDS
    assert parse_event(fields(doc)) == EVENT


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"auth": "none", "type_header": "X-Kind"},
        {"auth": "hmac", "algorithm": "SHA1", "encoding": "base64", "prefix": "v1="},
        {"auth": "hmac", "algorithm": 5},
        {"auth": "token", "id_path": ["a"]},
        {"auth": "token", "id_header": "x-id", "id_path": "id"},
        {"auth": "token", "prefix": "v1="},
        {"auth": "jwt"},
        {"unknown": "x"},
    ],
)
def test_endpoint_options_are_checked_by_the_apis_own_rule(options: dict[str, Any]) -> None:
    doc = {**endpoint_doc(EndpointRecord(1, 1, "generic", "n", "slug", {}, EARLIEST), BOX)}
    doc["options"] = options
    try:
        expected: dict[str, Any] | str = endpoint_admin.check_options(GenericSource, options)
    except endpoint_admin.InvalidEndpointError as exc:
        expected = str(exc).rstrip(".")
    if isinstance(expected, dict):
        assert parse_endpoint(fields(doc))[0].options == expected
    else:
        assert refusal(parse_endpoint, doc) == (
            f"line 7: the endpoint's `options` do not suit a generic endpoint: {expected}"
        )


def test_the_header_version_is_read_before_anything_else() -> None:
    header = {
        "type": "header",
        "format": "echodash-export",
        "version": 1,
        "exported_at": "2026-01-01T00:00:00Z",
        "workspace": {"name": " Acme ", "retention_days": 30},
    }
    assert tuple(header) == HEADER_FIELDS
    assert parse_header(fields(header)) == ("Acme", 30)
    newer = {**header, "version": 2, "compression": "zstd"}
    assert "export format version 2 is not supported" in refusal(parse_header, newer)
    assert "unknown field `compression`" in refusal(parse_header, {**newer, "version": 1})
    for days in (2**63, 0, -1, 1.5, "30", True):
        message = refusal(
            parse_header, {**header, "workspace": {"name": "A", "retention_days": days}}
        )
        assert "the header's workspace's `retention_days` must be" in message
    message = refusal(
        parse_header, {**header, "workspace": {"name": "x" * 81, "retention_days": None}}
    )
    assert message == "line 7: the header's workspace's `name` must be text of 1 to 80 characters"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": 2**63}, "`id` must be a whole number from 1 to 9223372036854775807"),
        ({"id": 1.0}, "`id` must be a whole number from 1"),
        ({"endpoint_id": None}, "`endpoint_id` must be a whole number from 1"),
        ({"duplicates": 2**31}, "`duplicates` must be a whole number from 0 to 2147483647"),
        ({"duplicates": False}, "`duplicates` must be a whole number from 0 to 2147483647"),
        ({"processed": 1}, "`processed` must be true or false"),
        ({"key": "k" * 1001}, "`key` must be at most 1,000 characters long"),
        ({"source": None}, "`source` must be text"),
        ({"headers": {"a": None}}, "`headers` must map names to text"),
        ({"headers": {"h" * 1001: "v"}}, "`headers` has a name longer than 1,000 characters"),
        ({"headers": {str(n): "" for n in range(1001)}}, "`headers` must hold at most 1,000"),
        ({"body_base64": "not base64!"}, "`body_base64` is not valid base64"),
        (
            {"body_base64": base64.b64encode(bytes(MAX_BODY + 1)).decode()},
            "`body_base64` holds a body over this installation's limit of 1,024 bytes "
            "(ECHODASH_MAX_BODY_BYTES)",
        ),
        ({"body_base64": "A" * 10_000_000}, "over this installation's limit"),
        ({"received_at": "2026-01-01T00:00:00"}, "`received_at` must be an ISO-8601 UTC time"),
        ({"received_at": "0001-01-01T00:00:00Z"}, "from 0001-01-02 to 9999-12-30"),
        ({"received_at": "0001-01-01T00:00:00+01:00"}, "`received_at` must be an ISO-8601"),
        ({"received_at": "9999-12-31T23:00:00-05:00"}, "`received_at` must be an ISO-8601"),
        ({"received_at": "2026-01-01" + " " * 100}, "`received_at` must be an ISO-8601"),
        ({"secret_id": 4}, "has an unknown field `secret_id`"),
    ],
)
def test_a_delivery_out_of_range_is_refused_naming_the_field(
    change: dict[str, Any], problem: str
) -> None:
    doc = {**delivery_doc(DELIVERY, False), **change}
    assert problem in refusal(parse_delivery, doc, MAX_BODY)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"delivery_id": 0},
            "`delivery_id` must be a whole number from 1 to 9223372036854775807 (or null)",
        ),
        ({"endpoint_id": "3"}, "`endpoint_id` must be a whole number from 1"),
        ({"title": None}, "`title` must be text"),
        ({"url": "u" * 100_001}, "`url` must be at most 100,000 characters long (or null)"),
        (
            {"severity": "fatal"},
            "`severity` must be one of info, success, warning, error, critical",
        ),
        ({"severity": ["info"]}, "`severity` must be one of"),
        ({"tags": "main"}, "`tags` must be a JSON array"),
        ({"tags": [1]}, "`tags` must be texts of at most 1,000 characters"),
        ({"tags": ["t"] * 1001}, "`tags` must hold at most 1,000 items"),
        ({"fields": {"n": 2**63}}, "`fields` must map names to plain values"),
        ({"fields": {"n": -(2**63) - 1}}, "`fields` must map names to plain values"),
        ({"fields": {"n": float("inf")}}, "`fields` must map names to plain values"),
        ({"fields": {"n": [1]}}, "`fields` must map names to plain values"),
        ({"fields": {"n": {"a": 1}}}, "`fields` must map names to plain values"),
        ({"occurred_at": 1767225600}, "`occurred_at` must be an ISO-8601 UTC time"),
        ({"event_type": "t" * 1001}, "`event_type` must be at most 1,000 characters long"),
    ],
)
def test_an_event_out_of_range_is_refused_naming_the_field(
    change: dict[str, Any], problem: str
) -> None:
    doc = {**event_doc(EVENT), **change}
    assert problem in refusal(parse_event, doc)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kind": "fax"}, "endpoint kind 'fax' is not installed here"),
        ({"kind": 7}, "the endpoint's `kind` must be text"),
        ({"name": ""}, "the endpoint's `name` must be text of 1 to 200 characters"),
        ({"name": "n" * 201}, "the endpoint's `name` must be text of 1 to 200 characters"),
        ({"slug": "a/b"}, "the endpoint's `slug` must be 1 to 100 letters, digits"),
        ({"slug": "s" * 101}, "the endpoint's `slug` must be 1 to 100 letters, digits"),
        ({"options": []}, "the endpoint's `options` must be a JSON object"),
        ({"secrets": {}}, "the endpoint's `secrets` must be a JSON array"),
        ({"secrets": ["s"]}, "each secret must be a JSON object"),
        (
            {"secrets": [{"secret": 5}]},
            "the endpoint's secret's `secret` must be text of 1 to 1000",
        ),
        (
            {"secrets": [{"secret": "s", "created_at": "2026-01-01T00:00:00Z"}]},
            "the endpoint's secret has no `expires_at`",
        ),
        (
            {"secrets": [{"secret": "s", "created_at": "now", "expires_at": None}]},
            "the endpoint's secret's `created_at` must be an ISO-8601 UTC time",
        ),
    ],
)
def test_an_endpoint_out_of_range_is_refused_naming_the_field(
    change: dict[str, Any], problem: str
) -> None:
    record = EndpointRecord(1, 1, "github", "acme/web", "slug", {}, EARLIEST)
    doc = {**endpoint_doc(record, BOX), **change}
    assert problem in refusal(parse_endpoint, doc)
