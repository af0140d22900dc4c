"""GitLab source: secret-token and signing-token verification and delivery ids."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from echodash.sources import SignatureError
from echodash.sources.gitlab import GitLabSource

TOKEN = "glsec-test-token-123"
SIGNING_KEY = "whsec_" + base64.b64encode(b"gitlab signing key for tests!").decode()
OTHER_KEY = "whsec_" + base64.b64encode(b"another signing key, unused").decode()
SOURCE = GitLabSource()


def signed(
    body: bytes, secret: str, *, at: int | None = None, msg_id: str = "m1"
) -> dict[str, str]:
    moment = int(time.time()) if at is None else at
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(moment), "webhook-signature": signature}


def reason(headers: dict[str, str], secrets: list[str], body: bytes = b"{}") -> str:
    with pytest.raises(SignatureError) as caught:
        SOURCE.verify(headers, body, secrets)
    return caught.value.reason


def test_identity_and_entry_point() -> None:
    assert (GitLabSource.kind, GitLabSource.name) == ("gitlab", "GitLab")
    assert GitLabSource.secret_headers == frozenset({"x-gitlab-token"})
    (entry,) = entry_points(group="echodash.sources", name="gitlab")
    assert entry.load() is GitLabSource


# ---- verification: secret token -----------------------------------------------------------


def test_secret_token_is_accepted_and_rotation_reports_the_index() -> None:
    headers = {"x-gitlab-token": TOKEN}
    assert SOURCE.verify(headers, b"{}", [TOKEN]) == 0
    assert SOURCE.verify(headers, b"{}", ["old-token", TOKEN]) == 1
    assert SOURCE.verify({"x-gitlab-token": f"  {TOKEN} "}, b"anything", [TOKEN]) == 0
    assert SOURCE.verify({"x-gitlab-token": "clé"}, b"{}", ["x", "clé"]) == 1


def test_secret_token_refusals() -> None:
    assert reason({"x-gitlab-token": "wrong"}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN[:-1]}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN.upper()}, [TOKEN]) == "bad_signature"
    assert reason({"x-gitlab-token": TOKEN}, []) == "bad_signature"
    assert reason({"x-gitlab-token": "x"}, [""]) == "bad_signature"
    assert reason({}, [TOKEN]) == "missing_signature"
    assert reason({"x-gitlab-token": "   "}, [TOKEN]) == "missing_signature"
    assert reason({"authorization": f"Bearer {TOKEN}"}, [TOKEN]) == "missing_signature"


# ---- verification: signing token (Standard Webhooks) --------------------------------------


def test_signing_token_is_accepted() -> None:
    body = b'{"object_kind":"push"}'
    assert SOURCE.verify(signed(body, SIGNING_KEY), body, [SIGNING_KEY]) == 0
    assert SOURCE.verify(signed(body, SIGNING_KEY), body, [OTHER_KEY, SIGNING_KEY]) == 1
    # a webhook with both tokens set: the signature decides
    both = {**signed(body, SIGNING_KEY), "x-gitlab-token": TOKEN}
    assert SOURCE.verify(both, body, [TOKEN, SIGNING_KEY]) == 1


def test_signing_token_refusals() -> None:
    body = b'{"object_kind":"push"}'
    assert reason(signed(body, OTHER_KEY), [SIGNING_KEY], body) == "bad_signature"
    assert reason(signed(body, SIGNING_KEY), [SIGNING_KEY], body + b" ") == "bad_signature"
    stale = signed(body, SIGNING_KEY, at=int(time.time()) - 301)
    assert reason(stale, [SIGNING_KEY], body) == "stale_timestamp"
    future = signed(body, SIGNING_KEY, at=int(time.time()) + 400)
    assert reason(future, [SIGNING_KEY], body) == "stale_timestamp"
    missing_id = {k: v for k, v in signed(body, SIGNING_KEY).items() if k != "webhook-id"}
    assert reason(missing_id, [SIGNING_KEY], body) == "missing_signature"
    # signed, but the endpoint only has a plain token and no token header came along
    assert reason(signed(body, SIGNING_KEY), [TOKEN], body) == "malformed_signature"
    # a forged signature next to a correct token does not pass when the endpoint signs
    forged = {**signed(body, OTHER_KEY), "x-gitlab-token": TOKEN}
    assert reason(forged, [TOKEN, SIGNING_KEY], body) == "bad_signature"


def test_both_tokens_sent_to_an_endpoint_that_knows_only_the_secret_token() -> None:
    body = b'{"object_kind":"push"}'
    headers = {**signed(body, SIGNING_KEY), "x-gitlab-token": TOKEN}
    assert SOURCE.verify(headers, body, [TOKEN]) == 0
    assert reason({**headers, "x-gitlab-token": "nope"}, [TOKEN], body) == "bad_signature"


def test_signing_window_with_a_fixed_clock() -> None:
    body = b'{"object_kind":"note"}'
    at = 1_717_430_400
    headers = signed(body, SIGNING_KEY, at=at)
    with time_machine.travel(at + 299, tick=False):
        assert SOURCE.verify(headers, body, [SIGNING_KEY]) == 0
    with time_machine.travel(at + 301, tick=False):
        assert reason(headers, [SIGNING_KEY], body) == "stale_timestamp"


NASTY = [
    "é" * 30,
    "\x00",
    "\ud800",
    "🔥" * 10,
    "x" * 100_000,
    TOKEN + "\x00",
    "Bearer " + TOKEN,
    "v1,",
    "v1,!!!!",
    "v2,abc v1,====",
]


@pytest.mark.parametrize("value", NASTY)
def test_garbage_headers_are_refused_with_signature_errors(value: str) -> None:
    for headers in (
        {"x-gitlab-token": value},
        {"webhook-signature": value, "webhook-id": value, "webhook-timestamp": value},
        {"webhook-signature": value, "webhook-id": "m", "webhook-timestamp": str(int(time.time()))},
        {"webhook-signature": value, "x-gitlab-token": value},
    ):
        for secrets in ([TOKEN, SIGNING_KEY], ["whsec_!!notbase64"], ["x" + value], []):
            for body in (b"{}", b"\xff\xfe", value.encode("utf-8", "surrogatepass")):
                with pytest.raises(SignatureError):
                    SOURCE.verify(headers, body, secrets)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(
            ["x-gitlab-token", "webhook-signature", "webhook-id", "webhook-timestamp", "x-other"]
        ),
        st.text(max_size=80),
    ),
    body=st.binary(max_size=200),
    secrets=st.lists(st.text(max_size=40), max_size=3),
)
def test_verify_raises_only_signature_errors(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    try:
        SOURCE.verify(headers, body, secrets)
    except SignatureError:
        pass


# ---- delivery ids ---------------------------------------------------------------------------


def test_delivery_id_prefers_the_idempotency_key() -> None:
    uuid_a = "908a6d9e-45fd-46c8-97e6-c4f350f219dd"
    headers = {"idempotency-key": uuid_a, "x-gitlab-event-uuid": "shared-by-one-request"}
    assert SOURCE.delivery_id(headers, b"{}") == uuid_a
    assert SOURCE.delivery_id({"webhook-id": "msg_1"}, b"{}") == "msg_1"
    assert SOURCE.delivery_id({"idempotency-key": " k ", "webhook-id": "w"}, b"{}") == "k"
    # the event UUID is shared by all events one request sends: no key (the body hash is used)
    assert SOURCE.delivery_id({"x-gitlab-event-uuid": "u"}, b"{}") is None
    assert SOURCE.delivery_id({}, b"{}") is None
