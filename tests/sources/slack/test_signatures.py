"""Slack verification: `v0` signatures, the 5-minute timestamp window, and the signed
url_verification challenge."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
import time_machine

from echodash.sources import Handshake, SignatureError
from echodash.sources.slack import SlackSource
from tests.sources.slack.samples import (
    APP_MENTION,
    RATE_LIMITED,
    SECRET,
    SOURCE,
    URL_VERIFICATION,
    encode,
    headers_for,
    wrap,
)


def test_source_identity_and_entry_point() -> None:
    assert (SlackSource.kind, SlackSource.name) == ("slack", "Slack")
    assert SlackSource.secret_headers == frozenset({"x-slack-signature"})
    (entry,) = entry_points(group="echodash.sources", name="slack")
    assert entry.load() is SlackSource
    placeholder = SOURCE.generate_secret()
    assert len(placeholder) == 32 and placeholder != SOURCE.generate_secret()


# ---- verification ------------------------------------------------------------------------


def test_slacks_own_example_signature() -> None:
    # docs.slack.dev/authentication/verifying-requests-from-slack (a slash command's body).
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = {
        "x-slack-request-timestamp": "1531420618",
        "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    with time_machine.travel(1531420618 + 10, tick=False):
        assert SOURCE.verify(headers, body, [SECRET]) == 0
        with pytest.raises(SignatureError, match="bad_signature"):
            SOURCE.verify(headers, body + b"-", [SECRET])


def test_a_correct_signature_is_accepted() -> None:
    body = encode(APP_MENTION)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "Ev123ABC456"


def test_the_index_of_the_matching_secret_is_returned() -> None:
    body = encode(APP_MENTION)
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, ["old-secret", "", SECRET]) == 2
    assert SOURCE.verify(headers, body, [SECRET, "new-secret"]) == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong secret", "bad_signature"),
        ("changed byte", "bad_signature"),
        ("other timestamp", "bad_signature"),
        ("no secrets", "bad_signature"),
        ("missing signature", "missing_signature"),
        ("blank signature", "missing_signature"),
        ("missing timestamp", "missing_signature"),
        ("no v0 prefix", "malformed_signature"),
        ("v1 prefix", "malformed_signature"),
        ("not hex", "malformed_signature"),
        ("short", "malformed_signature"),
        ("huge", "malformed_signature"),
        ("non-ascii", "malformed_signature"),
        ("timestamp not a number", "malformed_signature"),
        ("timestamp with fraction", "malformed_signature"),
        ("timestamp in unicode digits", "malformed_signature"),
        ("negative timestamp", "malformed_signature"),
    ],
)
def test_bad_deliveries_are_refused(case: str, reason: str) -> None:
    body = encode(APP_MENTION)
    headers = headers_for(body)
    secrets = [SECRET]
    now = str(int(time.time()))
    if case == "wrong secret":
        headers = headers_for(body, secret="another-secret")
    elif case == "changed byte":
        body = body.replace(b"hello", b"jello")
    elif case == "other timestamp":
        headers["x-slack-request-timestamp"] = str(int(time.time()) - 5)
    elif case == "no secrets":
        secrets = []
    elif case == "missing signature":
        del headers["x-slack-signature"]
    elif case == "blank signature":
        headers["x-slack-signature"] = "   "
    elif case == "missing timestamp":
        del headers["x-slack-request-timestamp"]
    elif case == "no v0 prefix":
        headers["x-slack-signature"] = headers["x-slack-signature"][3:]
    elif case == "v1 prefix":
        headers["x-slack-signature"] = "v1=" + headers["x-slack-signature"][3:]
    elif case == "not hex":
        headers["x-slack-signature"] = "v0=" + "g" * 64
    elif case == "short":
        headers["x-slack-signature"] = headers["x-slack-signature"][:-2]
    elif case == "huge":
        headers["x-slack-signature"] = "v0=" + "a" * 1_000_000
    elif case == "non-ascii":
        headers["x-slack-signature"] = "v0=" + "é" * 64
    elif case == "timestamp not a number":
        headers["x-slack-request-timestamp"] = "yesterday"
    elif case == "timestamp with fraction":
        headers["x-slack-request-timestamp"] = now + ".5"
    elif case == "timestamp in unicode digits":
        headers["x-slack-request-timestamp"] = "".join(chr(0x0660 + int(d)) for d in now)
    elif case == "negative timestamp":
        headers["x-slack-request-timestamp"] = "-" + now
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, secrets)
    assert refused.value.reason == reason


@pytest.mark.parametrize("offset_s", [-301, 330, -3600, 10**9])  # future: clear of rounding
def test_stale_or_future_timestamps_are_refused(offset_s: int) -> None:
    body = encode(APP_MENTION)
    headers = headers_for(body, at=time.time() + offset_s)
    with pytest.raises(SignatureError) as refused:
        SOURCE.verify(headers, body, [SECRET])
    assert refused.value.reason == "stale_timestamp"


@pytest.mark.parametrize("offset_s", [-290, 0, 290])
def test_timestamps_inside_the_window_are_accepted(offset_s: int) -> None:
    body = encode(APP_MENTION)
    assert SOURCE.verify(headers_for(body, at=time.time() + offset_s), body, [SECRET]) == 0


def test_the_window_follows_the_clock() -> None:
    sent = datetime(2024, 5, 2, 10, 15, 30, tzinfo=UTC).timestamp()
    body = encode(APP_MENTION)
    headers = headers_for(body, at=sent)
    with time_machine.travel(sent + 299, tick=False):
        assert SOURCE.verify(headers, body, [SECRET]) == 0
    with (
        time_machine.travel(sent + 301, tick=False),
        pytest.raises(SignatureError, match="stale_timestamp"),
    ):
        SOURCE.verify(headers, body, [SECRET])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-slack-signature": None, "x-slack-request-timestamp": None},
        {"x-slack-signature": 5, "x-slack-request-timestamp": 7},
        {"x-slack-signature": "v0=" + "0" * 64, "x-slack-request-timestamp": "9" * 500},
        {"x-slack-signature": "\x00" * 67, "x-slack-request-timestamp": "\udcff"},
    ],
)
def test_garbage_headers_are_signature_errors(headers: dict[str, Any]) -> None:
    for body in (b"", b"\xff\xfe", encode(APP_MENTION)):
        with pytest.raises(SignatureError):
            SOURCE.verify(headers, body, [SECRET])
        with pytest.raises(SignatureError):
            SOURCE.handshake(headers, encode(URL_VERIFICATION), [SECRET])


def test_odd_secrets_and_bodies_are_refused_not_crashed() -> None:
    body = b"\xff\x00 not utf-8"
    headers = headers_for(body)
    assert SOURCE.verify(headers, body, ["\udcff", SECRET]) == 1
    with pytest.raises(SignatureError, match="bad_signature"):
        SOURCE.verify(headers, body, ["\udcff", "", 7])  # type: ignore[list-item]


# ---- the url_verification handshake ------------------------------------------------------


def test_a_signed_url_verification_is_answered_with_its_challenge() -> None:
    body = encode(URL_VERIFICATION)
    found = SOURCE.handshake(headers_for(body), body, ["old", SECRET])
    assert found == Handshake(answer={"challenge": URL_VERIFICATION["challenge"]})
    assert found.keep is False and found.secret is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("unsigned", "missing_signature"),
        ("wrong secret", "bad_signature"),
        ("stale", "stale_timestamp"),
    ],
)
def test_an_unverified_url_verification_is_refused(change: str, reason: str) -> None:
    body = encode(URL_VERIFICATION)
    if change == "unsigned":
        headers = {"content-type": "application/json"}
    elif change == "wrong secret":
        headers = headers_for(body, secret="not-the-signing-secret")
    else:
        headers = headers_for(body, at=time.time() - 600)
    with pytest.raises(SignatureError) as refused:
        SOURCE.handshake(headers, body, [SECRET])
    assert refused.value.reason == reason


def test_a_url_verification_without_a_challenge_is_refused() -> None:
    body = encode({"type": "url_verification", "token": "t", "challenge": 42})
    with pytest.raises(SignatureError, match="malformed_body"):
        SOURCE.handshake(headers_for(body), body, [SECRET])


@pytest.mark.parametrize(
    "body",
    [
        encode(APP_MENTION),
        encode(RATE_LIMITED),
        encode(wrap({"type": "message", "text": "type url_verification", "channel": "C1"})),
        b'["url_verification"]',
        b"url_verification",
        b"",
        b"\xff",
    ],
)
def test_other_bodies_are_no_handshake(body: bytes) -> None:
    # Unsigned on purpose: a body that is not a url_verification is left to verify().
    assert SOURCE.handshake({}, body, [SECRET]) is None
