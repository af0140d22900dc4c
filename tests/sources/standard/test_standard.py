"""Standard Webhooks: the official test vector, the ±5 minute window, rotation and garbage."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from echodash.events import Severity
from echodash.sources import SignatureError, source_class
from echodash.sources.standard import StandardWebhooksSource

# The vector published by the Standard Webhooks project.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

OTHER_SECRET = "whsec_" + base64.b64encode(b"another key of twenty-four").decode()


def vector_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
        "content-type": "application/json",
    }
    headers.update(overrides)
    return headers


def signed(
    body: bytes, secret: str, *, at: int | None = None, msg_id: str = "msg_1"
) -> dict[str, str]:
    moment = int(time.time()) if at is None else at
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": signature,
    }


def refused(headers: dict[str, str], body: bytes, secrets: list[str]) -> str:
    with pytest.raises(SignatureError) as caught:
        StandardWebhooksSource().verify(headers, body, secrets)
    return caught.value.reason


@pytest.fixture
def source() -> StandardWebhooksSource:
    return StandardWebhooksSource()


@pytest.fixture
def at_vector_time() -> Any:
    with time_machine.travel(VECTOR_TIMESTAMP, tick=False) as traveller:
        yield traveller


def test_registered_under_its_kind() -> None:
    assert source_class("standard") is StandardWebhooksSource
    assert StandardWebhooksSource.name == "Standard Webhooks"


@pytest.mark.usefixtures("at_vector_time")
def test_official_vector_is_accepted(source: StandardWebhooksSource) -> None:
    assert source.verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET]) == 0


@pytest.mark.usefixtures("at_vector_time")
def test_our_signing_matches_the_official_vector() -> None:
    headers = signed(VECTOR_BODY, VECTOR_SECRET, at=VECTOR_TIMESTAMP, msg_id=VECTOR_ID)
    assert headers["webhook-signature"] == VECTOR_SIGNATURE


@pytest.mark.parametrize("offset", [-301, 301])
def test_official_vector_outside_the_window_is_stale(offset: int) -> None:
    with time_machine.travel(VECTOR_TIMESTAMP + offset, tick=False):
        reason = refused(vector_headers(), VECTOR_BODY, [VECTOR_SECRET])
    assert reason == "stale_timestamp"


@pytest.mark.parametrize("offset", [-300, 300])
def test_official_vector_at_the_window_edge_is_fresh(
    source: StandardWebhooksSource, offset: int
) -> None:
    with time_machine.travel(VECTOR_TIMESTAMP + offset, tick=False):
        assert source.verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET]) == 0


@pytest.mark.usefixtures("at_vector_time")
def test_a_changed_byte_is_refused() -> None:
    assert refused(vector_headers(), b'{"test": 2432232315}', [VECTOR_SECRET]) == "bad_signature"


@pytest.mark.usefixtures("at_vector_time")
def test_a_changed_id_is_refused() -> None:
    headers = vector_headers(**{"webhook-id": "msg_other"})
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "bad_signature"


@pytest.mark.usefixtures("at_vector_time")
def test_wrong_secret_is_refused() -> None:
    assert refused(vector_headers(), VECTOR_BODY, [OTHER_SECRET]) == "bad_signature"
    assert refused(vector_headers(), VECTOR_BODY, []) == "bad_signature"


@pytest.mark.usefixtures("at_vector_time")
def test_rotation_returns_the_index_of_the_matching_secret(
    source: StandardWebhooksSource,
) -> None:
    assert source.verify(vector_headers(), VECTOR_BODY, [OTHER_SECRET, VECTOR_SECRET]) == 1
    assert source.verify(vector_headers(), VECTOR_BODY, [VECTOR_SECRET, OTHER_SECRET]) == 0


@pytest.mark.usefixtures("at_vector_time")
def test_an_unusable_secret_is_skipped_when_another_matches(
    source: StandardWebhooksSource,
) -> None:
    assert source.verify(vector_headers(), VECTOR_BODY, ["whsec_a", VECTOR_SECRET]) == 1


@pytest.mark.usefixtures("at_vector_time")
@pytest.mark.parametrize("secret", ["whsec_a", "whsec_", "whsec_é€", ""])
def test_only_unusable_secrets_is_reported_as_malformed(secret: str) -> None:
    assert refused(vector_headers(), VECTOR_BODY, [secret]) == "malformed_signature"


@pytest.mark.usefixtures("at_vector_time")
def test_unprefixed_base64_secret_works(source: StandardWebhooksSource) -> None:
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert source.verify(vector_headers(), VECTOR_BODY, [bare]) == 0


@pytest.mark.usefixtures("at_vector_time")
@pytest.mark.parametrize(
    "signature",
    [
        f"v1,{'A' * 43}= {VECTOR_SIGNATURE}",
        f"{VECTOR_SIGNATURE} v1,{'A' * 43}=",
        f"v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ== {VECTOR_SIGNATURE}",
        f"garbage  {VECTOR_SIGNATURE}",
        f"v1,not*base64 {VECTOR_SIGNATURE}",
        f"v2,{'A' * 43}= {VECTOR_SIGNATURE} v1,too,many",
    ],
)
def test_several_signatures_any_match_accepts(
    source: StandardWebhooksSource, signature: str
) -> None:
    headers = vector_headers(**{"webhook-signature": signature})
    assert source.verify(headers, VECTOR_BODY, [VECTOR_SECRET]) == 0


@pytest.mark.usefixtures("at_vector_time")
def test_several_signatures_none_match_is_refused() -> None:
    signature = f"v1,{'A' * 43}= v1,{'B' * 43}="
    headers = vector_headers(**{"webhook-signature": signature})
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "bad_signature"


def test_fresh_signature_from_the_library_is_accepted(source: StandardWebhooksSource) -> None:
    secret = source.generate_secret()
    body = b'{"type": "user.created", "data": {"id": "usr_1"}}'
    assert source.verify(signed(body, secret), body, [OTHER_SECRET, secret]) == 1


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_each_missing_header_is_refused(missing: str) -> None:
    headers = vector_headers(**{missing: ""})
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "missing_signature"
    del headers[missing]
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "missing_signature"


@pytest.mark.parametrize("timestamp", ["abc", "1614265330.5", "-1614265330", "١٢٣", "nan"])
def test_malformed_timestamp_is_refused(timestamp: str) -> None:
    headers = vector_headers(**{"webhook-timestamp": timestamp})
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "malformed_signature"


@pytest.mark.usefixtures("at_vector_time")
@pytest.mark.parametrize(
    "signature", ["garbage", "v1", "v1,", "v1,!!!!", "v1,AAAA", "v0,g0hM9SsE", "v1a,abc"]
)
def test_no_well_formed_v1_signature_is_refused(signature: str) -> None:
    headers = vector_headers(**{"webhook-signature": signature})
    assert refused(headers, VECTOR_BODY, [VECTOR_SECRET]) == "malformed_signature"


@pytest.mark.usefixtures("at_vector_time")
def test_non_utf8_body_is_refused() -> None:
    assert refused(vector_headers(), b"\xff\xfe", [VECTOR_SECRET]) == "malformed_body"


@settings(max_examples=300, deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature", "x"]),
        st.text(max_size=120),
    ),
    body=st.binary(max_size=200),
    secrets=st.lists(
        st.text(max_size=40) | st.text(max_size=40).map(lambda s: "whsec_" + s), max_size=3
    ),
)
def test_verify_raises_only_signature_errors(
    headers: dict[str, str], body: bytes, secrets: list[str]
) -> None:
    try:
        StandardWebhooksSource().verify(headers, body, secrets)
    except SignatureError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["v1", "v1a", "", "v2"]), st.text(max_size=50)), max_size=4
    ),
    body=st.binary(max_size=100),
)
def test_verify_on_signature_shaped_garbage(entries: list[tuple[str, str]], body: bytes) -> None:
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": " ".join(f"{v},{s}" for v, s in entries),
    }
    try:
        StandardWebhooksSource().verify(headers, body, [VECTOR_SECRET])
    except SignatureError:
        pass


def test_delivery_id_is_the_webhook_id(source: StandardWebhooksSource) -> None:
    assert source.delivery_id(vector_headers(), VECTOR_BODY) == VECTOR_ID
    assert source.delivery_id({}, VECTOR_BODY) is None
    assert source.delivery_id({"webhook-id": "  "}, VECTOR_BODY) is None


def test_generated_secret_is_whsec_base64_of_24_bytes(source: StandardWebhooksSource) -> None:
    secret = source.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24
    assert secret != source.generate_secret()


# --- parsing ------------------------------------------------------------------------------


def test_vector_body_becomes_a_message(source: StandardWebhooksSource) -> None:
    [draft] = source.parse(vector_headers(), VECTOR_BODY)
    assert draft.type == "message"
    assert draft.title == "message from Standard Webhooks sender"
    assert draft.occurred_at == datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)
    assert draft.severity is Severity.INFO


def test_typed_event_with_data_names_its_subject(source: StandardWebhooksSource) -> None:
    body = json.dumps(
        {
            "type": "user.created",
            "timestamp": "2022-11-03T20:26:10.344522Z",
            "data": {
                "id": "user_29w83sxmDNGwOuEthce5gg56FcC",
                "email_addresses": [{"email_address": "example@example.org"}],
                "first_name": "Example",
                "username": "example",
                "object": "user",
            },
        }
    ).encode()
    [draft] = source.parse(vector_headers(), body)
    assert draft.type == "user.created"
    assert draft.title == (
        "user.created from Standard Webhooks sender: example · user_29w83sxmDNGwOuEthce5gg56FcC"
    )
    assert draft.actor == "example"
    assert draft.occurred_at == datetime(2022, 11, 3, 20, 26, 10, 344522, tzinfo=UTC)
    assert draft.fields == {"id": "user_29w83sxmDNGwOuEthce5gg56FcC", "username": "example"}


def test_email_event_shows_subject_recipient_and_status(source: StandardWebhooksSource) -> None:
    body = json.dumps(
        {
            "type": "email.bounced",
            "created_at": "2024-11-22T23:41:12.126Z",
            "data": {
                "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
                "from": "Acme <onboarding@example.com>",
                "to": ["delivered@example.com"],
                "subject": "Sending this example",
                "status": "failed",
            },
        }
    ).encode()
    [draft] = source.parse({}, body)
    assert draft.title == (
        "email.bounced from Standard Webhooks sender: Sending this example · failed"
    )
    assert draft.severity is Severity.ERROR
    assert draft.occurred_at == datetime(2024, 11, 22, 23, 41, 12, 126000, tzinfo=UTC)
    assert draft.fields == {"subject": "Sending this example", "status": "failed"}


@pytest.mark.parametrize(
    ("document", "title", "severity"),
    [
        (
            {"type": "user.created", "data": {"id": "user_2", "email": "ann@example.com"}},
            "user.created from Standard Webhooks sender: ann@example.com · user_2",
            Severity.INFO,
        ),
        (
            {"type": "email.bounced", "data": {"subject": "Welcome", "status": "failed"}},
            "email.bounced from Standard Webhooks sender: Welcome · failed",
            Severity.ERROR,
        ),
        (
            {
                "type": "invoice.paid",
                "data": {"id": "inv_1", "amount": 4900, "currency": "usd", "status": "paid"},
            },
            "invoice.paid from Standard Webhooks sender: 4900 USD · paid · inv_1",
            Severity.SUCCESS,
        ),
    ],
)
def test_examples_from_the_docs(
    source: StandardWebhooksSource, document: dict[str, Any], title: str, severity: Severity
) -> None:
    [draft] = source.parse({}, json.dumps(document).encode())
    assert (draft.title, draft.severity) == (title, severity)


def test_no_timestamp_anywhere_uses_the_header(source: StandardWebhooksSource) -> None:
    [draft] = source.parse(vector_headers(), b'{"type": "ping"}')
    assert draft.title == "ping from Standard Webhooks sender"
    assert draft.occurred_at == datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b"\xff", b'"text"', b"null"])
def test_non_object_bodies_become_a_generic_message(
    source: StandardWebhooksSource, body: bytes
) -> None:
    [draft] = source.parse({"webhook-timestamp": "x"}, body)
    assert draft.type == "message"
    assert draft.title == f"message from Standard Webhooks sender ({len(body)} bytes)"
    assert draft.occurred_at is None


@settings(max_examples=300)
@given(body=st.binary(max_size=300), headers=st.dictionaries(st.text(), st.text(), max_size=3))
def test_parse_never_raises_on_bytes(body: bytes, headers: dict[str, str]) -> None:
    [draft] = StandardWebhooksSource().parse(headers, body)
    assert draft.title


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "data", "id", "name", "email", "status", "timestamp", "url"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300)
@given(document=_json)
def test_parse_never_raises_on_any_json(document: Any) -> None:
    [draft] = StandardWebhooksSource().parse({}, json.dumps(document).encode())
    assert draft.title
