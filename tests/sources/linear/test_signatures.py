"""Linear verification: `Linear-Signature` HMACs and the signed `webhookTimestamp` window."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points

import pytest
import time_machine

from echodash.sources import SignatureError
from echodash.sources.linear import LinearSource
from tests.sources.linear.samples import ISSUE, SECRET, SOURCE, encode, headers_for, sign


def test_source_identity_and_entry_point() -> None:
    assert (LinearSource.kind, LinearSource.name) == ("linear", "Linear")
    assert LinearSource.secret_headers == frozenset({"linear-signature"})
    (entry,) = entry_points(group="echodash.sources", name="linear")
    assert entry.load() is LinearSource


# ---- verification ------------------------------------------------------------------------


def test_a_correct_signature_is_accepted() -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "234d1a4e-b617-4388-90fe-adc3633d6b72"


def test_the_index_of_the_matching_secret_is_returned() -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, ["old-secret", SECRET]) == 1
    assert SOURCE.verify(headers, body, [SECRET, "new-secret"]) == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("missing header", "missing_signature"),
        ("not hex", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii", "malformed_signature"),
        ("no timestamp", "malformed_body"),
        ("timestamp as text", "malformed_body"),
        ("not json", "malformed_body"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(ISSUE)
    headers = headers_for(body)
    if case == "wrong secret":
        headers["linear-signature"] = sign(body, "another-secret")
    elif case == "changed byte":
        body = body.replace(b"Fix login", b"Fix logon")
    elif case == "missing header":
        del headers["linear-signature"]
    elif case == "not hex":
        headers["linear-signature"] = "g" * 64
    elif case == "huge":
        headers["linear-signature"] = "a" * 1_000_000
    elif case == "non-ascii":
        headers["linear-signature"] = "é" * 64
    elif case == "no timestamp":
        body = json.dumps(ISSUE).encode()
        headers["linear-signature"] = sign(body)
    elif case == "timestamp as text":
        body = json.dumps(ISSUE | {"webhookTimestamp": str(int(time.time() * 1000))}).encode()
        headers["linear-signature"] = sign(body)
    elif case == "not json":
        body = b"webhookTimestamp=1"
        headers["linear-signature"] = sign(body)
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, [SECRET])
    assert refused.value.reason == reason


@pytest.mark.parametrize("offset_s", [-61, 61, -3600, 10**9])
def test_stale_or_future_timestamps_are_refused(offset_s: int) -> None:
    body = encode(ISSUE, at_ms=int((time.time() + offset_s) * 1000))
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers_for(body), body, [SECRET])
    assert refused.value.reason == "stale_timestamp"


@pytest.mark.parametrize("offset_s", [-55, 0, 55])
def test_timestamps_inside_the_window_are_accepted(offset_s: int) -> None:
    body = encode(ISSUE, at_ms=int((time.time() + offset_s) * 1000))
    assert SOURCE.verify(headers_for(body), body, [SECRET]) == 0


def test_the_window_follows_the_clock() -> None:
    sent = datetime(2024, 5, 2, 10, 15, 30, tzinfo=UTC)
    body = encode(ISSUE, at_ms=int(sent.timestamp() * 1000))
    with time_machine.travel(sent.timestamp() + 30, tick=False):
        assert SOURCE.verify(headers_for(body), body, [SECRET]) == 0
    with (
        time_machine.travel(sent.timestamp() + 61, tick=False),
        pytest.raises(SignatureError, match="stale_timestamp"),
    ):
        SOURCE.verify(headers_for(body), body, [SECRET])


def test_a_forged_stale_body_is_a_bad_signature() -> None:
    body = encode(ISSUE, at_ms=1)
    headers = headers_for(body, **{"linear-signature": sign(body, "nope")})
    with pytest.raises(SignatureError, match="bad_signature"):
        SOURCE.verify(headers, body, [SECRET])
