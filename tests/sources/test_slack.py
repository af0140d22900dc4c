"""Slack source: v0 signatures, the url_verification handshake, and Events API payloads."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft, Severity
from echodash.sources import Handshake, SignatureError
from echodash.sources.slack import SlackSource
from echodash.sources.slack_text import tidy

# The signing secret of Slack's own example ("Verifying requests from Slack").
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SOURCE = SlackSource()
TEAM = "T123ABC456"
CHANNEL = "C123ABC456"
CLIENT_URL = f"https://app.slack.com/client/{TEAM}/{CHANNEL}"


def wrap(event: dict[str, Any], event_id: str = "Ev123ABC456") -> dict[str, Any]:
    """The Events API wrapper around an inner event (docs.slack.dev: "Event object")."""
    return {
        "token": "XXYYZZ",
        "team_id": TEAM,
        "api_app_id": "A123ABC456",
        "event": event,
        "type": "event_callback",
        "authorizations": [
            {
                "team_id": TEAM,
                "user_id": "U0LAN0Z89",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
        "event_id": event_id,
        "event_time": 1515449522,
    }


APP_MENTION = wrap(
    {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0LAN0Z89> hello there, is the deploy done?",
        "ts": "1515449522.000016",
        "channel": CHANNEL,
        "event_ts": "1515449522000016",
    }
)
MESSAGE = wrap(
    {
        "type": "message",
        "channel": CHANNEL,
        "user": "U123ABC456",
        "text": "Live long and prospect. Ask <#C999|ops> &amp; <@U777|kirk>: <https://a.example|docs>",
        "ts": "1355517523.000005",
        "event_ts": "1355517523.000005",
        "channel_type": "channel",
    }
)
REACTION = wrap(
    {
        "type": "reaction_added",
        "user": "U123ABC456",
        "reaction": "thumbsup",
        "item_user": "U222222222",
        "item": {
            "type": "message",
            "channel": CHANNEL,
            "ts": "1360782400.498405",
            "channel_type": "channel",
        },
        "event_ts": "1360782804.083113",
    }
)
URL_VERIFICATION = {
    "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    "type": "url_verification",
}
RATE_LIMITED = {
    "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    "type": "app_rate_limited",
    "team_id": "T123456",
    "minute_rate_limited": 1518467820,
    "api_app_id": "A123456",
}


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def headers_for(
    body: bytes, *, at: float | None = None, secret: str = SECRET, **extra: str
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign(body, timestamp, secret),
    }
    headers.update(extra)
    return headers


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def parse_one(document: dict[str, Any]) -> EventDraft:
    body = encode(document)
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    return drafts[0]


def event_of(inner: dict[str, Any]) -> EventDraft:
    return parse_one(wrap(inner))


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


# ---- parsing -----------------------------------------------------------------------------


def test_app_mention() -> None:
    draft = parse_one(APP_MENTION)
    assert draft.type == "app_mention"
    assert (
        draft.title
        == "<@U061F7AUR> mentioned the app in #C123ABC456: hello there, is the deploy done?"
    )
    assert draft.summary == "@U0LAN0Z89 hello there, is the deploy done?"
    assert (draft.actor, draft.subject) == ("U061F7AUR", CHANNEL)
    assert draft.url == CLIENT_URL
    assert draft.occurred_at == datetime.fromtimestamp(1515449522, UTC)
    assert draft.fields == {"team_id": TEAM, "channel": CHANNEL, "user": "U061F7AUR"}
    assert draft.severity is Severity.INFO


def test_message_text_is_tidied_and_truncated() -> None:
    draft = parse_one(MESSAGE)
    assert draft.type == "message"
    assert draft.title == (
        "<@U123ABC456> posted in #C123ABC456: Live long and prospect. Ask #ops & @kirk: docs"
    )
    long = copy.deepcopy(MESSAGE)
    long["event"]["text"] = "word\n" * 400
    title = parse_one(long).title
    assert len(title) < 160 and title.endswith("…") and "\n" not in title
    assert len(parse_one(long).summary) == 500


def test_message_in_a_thread_and_a_direct_message() -> None:
    reply = copy.deepcopy(MESSAGE)
    reply["event"].update(text="on it", thread_ts="1355517000.000001")
    assert parse_one(reply).title == "<@U123ABC456> replied in a thread in #C123ABC456: on it"
    direct = copy.deepcopy(MESSAGE)
    direct["event"].update(text="hi app", channel="D024BE91L", channel_type="im")
    draft = parse_one(direct)
    assert draft.title == "<@U123ABC456> posted in a direct message: hi app"
    assert draft.subject == "D024BE91L"


def test_bot_message() -> None:
    draft = event_of(
        {
            "type": "message",
            "subtype": "bot_message",
            "ts": "1358877455.000010",
            "text": "Pushing is the answer",
            "bot_id": "BB12033",
            "username": "github",
            "channel": CHANNEL,
        }
    )
    assert draft.type == "message.bot_message"
    assert draft.title == "github posted in #C123ABC456: Pushing is the answer"
    assert draft.actor == "BB12033"
    assert draft.fields["subtype"] == "bot_message"
    assert draft.fields["user"] == "BB12033"
    nameless = event_of(
        {"type": "message", "subtype": "bot_message", "bot_id": "B9", "channel": CHANNEL,
         "attachments": [{"fallback": "Build #12 failed"}]}
    )  # fmt: skip
    assert nameless.title == "bot B9 posted in #C123ABC456: Build #12 failed"


def test_message_changed_and_deleted() -> None:
    changed = event_of(
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": CHANNEL,
            "ts": "1358878755.000001",
            "message": {"type": "message", "user": "U2147483697", "text": "Hello, world!",
                        "ts": "1355517523.000005", "edited": {"user": "U2147483697"}},
        }
    )  # fmt: skip
    assert changed.type == "message.message_changed"
    assert changed.title == "<@U2147483697> edited a message in #C123ABC456: Hello, world!"
    assert changed.actor == "U2147483697"
    deleted = event_of(
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": CHANNEL,
            "ts": "1358878755.000001",
            "deleted_ts": "1358878749.000002",
            "previous_message": {"type": "message", "user": "U2147483697", "text": "oops"},
        }
    )
    assert deleted.type == "message.message_deleted"
    assert deleted.title == "A message by <@U2147483697> was deleted in #C123ABC456: oops"
    assert deleted.fields["user"] == "U2147483697"


def test_other_message_subtypes() -> None:
    base: dict[str, Any] = {
        "type": "message",
        "user": "U1",
        "channel": CHANNEL,
        "ts": "1358877455.000010",
    }
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "channel_join": ("<@U1> joined #C123ABC456", {"inviter": "U2"}),
        "channel_leave": ("<@U1> left #C123ABC456", {}),
        "channel_topic": ("<@U1> set the topic of #C123ABC456: Releases", {"topic": "Releases"}),
        "channel_name": ("<@U1> renamed #C123ABC456 to #launch", {"name": "launch"}),
        "file_share": (
            "<@U1> shared a file (plan.pdf) in #C123ABC456: the plan",
            {"text": "the plan", "files": [{"id": "F1", "name": "plan.pdf"}]},
        ),
        "me_message": ("<@U1> waves", {"text": "waves"}),
        "ekm_access_denied": ("<@U1> posted (ekm access denied) in #C123ABC456", {}),
    }
    for subtype, (title, extra) in cases.items():
        draft = event_of(base | {"subtype": subtype} | extra)
        assert draft.type == f"message.{subtype}"
        if subtype == "channel_join":
            title += " (invited by <@U2>)"
        assert draft.title == title, subtype


def test_reactions() -> None:
    added = parse_one(REACTION)
    assert added.type == "reaction_added"
    assert (
        added.title
        == "<@U123ABC456> reacted :thumbsup: to a message by <@U222222222> in #C123ABC456"
    )
    assert added.url == CLIENT_URL
    assert added.fields["reaction"] == "thumbsup"
    assert added.occurred_at == datetime.fromtimestamp(1515449522, UTC)
    removed = copy.deepcopy(REACTION)
    removed["event"]["type"] = "reaction_removed"
    del removed["event"]["item_user"]
    draft = parse_one(removed)
    assert draft.title == "<@U123ABC456> removed :thumbsup: from a message in #C123ABC456"
    on_file = event_of(
        {"type": "reaction_added", "user": "U1", "reaction": "eyes",
         "item": {"type": "file", "file": "F123"}, "event_ts": "1360782804.083113"}
    )  # fmt: skip
    assert on_file.title == "<@U1> reacted :eyes: to a file"
    assert on_file.url is None and on_file.subject is None


def test_channel_events() -> None:
    created = event_of(
        {"type": "channel_created",
         "channel": {"id": "C024BE91L", "name": "fun", "created": 1360782804,
                     "creator": "U024BE7LH"}}
    )  # fmt: skip
    assert created.title == "<@U024BE7LH> created channel #fun"
    assert (created.subject, created.actor) == ("C024BE91L", "U024BE7LH")
    assert created.url == f"https://app.slack.com/client/{TEAM}/C024BE91L"
    renamed = event_of(
        {"type": "channel_rename",
         "channel": {"id": "C02ELGNBH", "name": "new_name", "created": 1360782804}}
    )  # fmt: skip
    assert renamed.title == "#C02ELGNBH was renamed to #new_name"
    archived = event_of({"type": "channel_archive", "channel": "C024BE91L", "user": "U024BE7LH"})
    assert archived.title == "<@U024BE7LH> archived #C024BE91L"
    unarchived = event_of({"type": "channel_unarchive", "channel": "C024BE91L"})
    assert unarchived.title == "#C024BE91L was unarchived"
    deleted = event_of({"type": "channel_deleted", "channel": "C024BE91L"})
    assert deleted.title == "#C024BE91L was deleted"
    assert deleted.severity is Severity.WARNING


def test_members() -> None:
    joined = event_of(
        {"type": "member_joined_channel", "user": "W06GH7XHN", "channel": "C0698JE0H",
         "channel_type": "C", "team": "T024BE7LD", "inviter": "U123456789"}
    )  # fmt: skip
    assert joined.title == "<@W06GH7XHN> joined #C0698JE0H (added by <@U123456789>)"
    assert joined.fields["inviter"] == "U123456789"
    left = event_of(
        {"type": "member_left_channel", "user": "W06GH7XHN", "channel": "C0698JE0H",
         "channel_type": "C", "team": "T024BE7LD"}
    )  # fmt: skip
    assert left.title == "<@W06GH7XHN> left #C0698JE0H"
    user = {"id": "U0AB12CD3", "name": "jane", "real_name": "Jane Doe",
            "profile": {"display_name": "jd"}}  # fmt: skip
    team_join = event_of({"type": "team_join", "user": user})
    assert team_join.title == "Jane Doe (<@U0AB12CD3>) joined the workspace"
    assert team_join.actor == "U0AB12CD3"
    changed = event_of({"type": "user_change", "user": user, "event_ts": "1360782804.083113"})
    assert changed.title == "Jane Doe (<@U0AB12CD3>) updated their profile"
    assert changed.occurred_at == datetime.fromtimestamp(1515449522, UTC)
    gone = event_of({"type": "user_change", "user": user | {"deleted": True}})
    assert gone.title == "Jane Doe (<@U0AB12CD3>) was deactivated"
    assert gone.severity is Severity.WARNING


def test_files_pins_and_app_home() -> None:
    shared = event_of(
        {"type": "file_shared", "channel_id": "C024BE7LR", "file_id": "F2147483862",
         "user_id": "U024BE7LH", "file": {"id": "F2147483862"},
         "event_ts": "1361482916.000004"}
    )  # fmt: skip
    assert shared.title == "<@U024BE7LH> shared file F2147483862 in #C024BE7LR"
    assert shared.fields["file"] == "F2147483862"
    pinned = event_of(
        {"type": "pin_added", "user": "U024BE7LH", "channel_id": "C02ELGNBH",
         "item": {"type": "message", "channel": "C02ELGNBH",
                  "message": {"text": "Deploy checklist", "user": "U1"}},
         "event_ts": "1360782804.083113"}
    )  # fmt: skip
    assert pinned.title == "<@U024BE7LH> pinned a message in #C02ELGNBH: Deploy checklist"
    home = event_of(
        {"type": "app_home_opened", "user": "U061F7AUR", "channel": "D0LAN2Q65",
         "event_ts": "1515449522000016", "tab": "home"}
    )  # fmt: skip
    assert home.title == "<@U061F7AUR> opened the app's Home tab"
    assert home.fields["tab"] == "home"


def test_app_lifecycle_events_are_warnings() -> None:
    uninstalled = event_of({"type": "app_uninstalled"})
    assert uninstalled.title == f"The app was uninstalled from workspace {TEAM}"
    assert uninstalled.severity is Severity.WARNING
    revoked = event_of(
        {"type": "tokens_revoked", "tokens": {"oauth": ["UXXXXXXXX"], "bot": ["U1"]}}
    )
    assert revoked.title == "2 tokens of the app were revoked"
    assert revoked.severity is Severity.WARNING


def test_app_rate_limited_is_a_warning() -> None:
    draft = parse_one(RATE_LIMITED)
    assert draft.type == "app_rate_limited"
    assert (
        draft.title
        == "Slack is rate-limiting the app's events in workspace T123456 since 20:37 UTC"
    )
    assert draft.severity is Severity.WARNING
    assert draft.occurred_at == datetime(2018, 2, 12, 20, 37, tzinfo=UTC)
    assert draft.fields == {"team_id": "T123456", "api_app_id": "A123456"}
    assert SOURCE.delivery_id({}, encode(RATE_LIMITED)) is None


def test_unknown_events_are_still_readable() -> None:
    draft = event_of({"type": "dnd_updated_user", "user": "U1", "channel": CHANNEL})
    assert draft.type == "dnd_updated_user"
    assert draft.title == "Slack dnd updated user by <@U1> in #C123ABC456"
    bare = event_of({"type": "grid_migration_started"})
    assert bare.title == "Slack grid migration started"
    envelope = parse_one({"type": "something_new", "team_id": "T1"})
    assert envelope.title == "Slack sent something new for workspace T1"
    no_event = parse_one({"type": "event_callback", "event_id": "Ev1"})
    assert no_event.title == "Slack unknown"


def test_occurred_at_falls_back_to_the_event_ts() -> None:
    document = copy.deepcopy(MESSAGE)
    del document["event_time"]
    assert parse_one(document).occurred_at == datetime.fromtimestamp(1355517523.000005, UTC)
    document["event"]["event_ts"] = document["event"]["ts"] = "soon"
    assert parse_one(document).occurred_at is None


def test_ids_that_are_not_ids_are_not_shown() -> None:
    document = wrap({"type": "app_mention", "user": "<script>", "channel": "x y", "text": "hi"})
    draft = parse_one(document)
    assert draft.title == "Someone mentioned the app: hi"
    assert draft.url is None and draft.actor is None


def test_tidy() -> None:
    assert tidy(
        "<!here> <!subteam^S1|@ops> <!date^1392734382^{date}|Feb 18> <mailto:a@b.c>", 200
    ) == ("@here @@ops Feb 18 mailto:a@b.c")
    assert tidy("a &lt;b&gt; <@U1>", 200) == "a <b> @U1"
    assert tidy(None, 10) is None and tidy(3, 10) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1]",
        b"null",
        b'{"type": 3}',
        b'{"type": "event_callback", "event": []}',
        b'{"type": "event_callback", "event": {"type": "message", "text": {"a": 1}}}',
        b'{"type": "event_callback", "event": {"type": ["x"], "channel": {"id": 5}}}',
        b'{"type": "event_callback", "event_time": 1e300, "event": {"type": "reaction_added"}}',
        b'{"type": "app_rate_limited", "minute_rate_limited": "later"}',
    ],
)
def test_odd_bodies_still_get_a_title(body: bytes) -> None:
    drafts = SOURCE.parse(headers_for(body), body)
    assert len(drafts) == 1
    assert drafts[0].title and "\n" not in drafts[0].title


# ---- anything at all ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
EVENT_TYPES = st.sampled_from(
    ["message", "app_mention", "reaction_added", "reaction_removed", "channel_created",
     "channel_rename", "channel_archive", "member_joined_channel", "team_join", "user_change",
     "file_shared", "pin_added", "app_home_opened", "tokens_revoked", "emoji_changed"]
)  # fmt: skip
INNER = st.fixed_dictionaries(
    {},
    optional={
        "type": EVENT_TYPES | JSON,
        "subtype": st.sampled_from(["bot_message", "message_changed", "message_deleted"]) | JSON,
        "user": JSON | st.just("U1"),
        "channel": JSON | st.just("C1"),
        "text": JSON,
        "item": JSON,
        "message": JSON,
        "previous_message": JSON,
        "ts": JSON,
        "event_ts": JSON,
    },
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["event_callback", "app_rate_limited", "url_verification"]) | JSON,
        "event": INNER | JSON,
        "team_id": JSON,
        "event_id": JSON,
        "event_time": JSON | st.integers(min_value=-(2**63), max_value=2**63 - 1),
        "challenge": JSON,
        "minute_rate_limited": JSON,
    },
)
HEADER_VALUES = st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=DOCUMENTS | JSON,
    signature=HEADER_VALUES,
    timestamp=HEADER_VALUES,
    secrets=st.lists(st.text(max_size=30), max_size=3),
    signed=st.booleans(),
)
def test_anything_is_refused_or_parsed_never_crashes(
    document: Any, signature: str, timestamp: str, secrets: list[str], signed: bool
) -> None:
    body = json.dumps(document).encode()
    headers = {"x-slack-signature": signature, "x-slack-request-timestamp": timestamp}
    if signed and secrets and secrets[0]:
        headers = headers_for(body, secret=secrets[0])
    for check in (SOURCE.verify, SOURCE.handshake):
        try:
            check(headers, body, secrets)
        except SignatureError:
            pass
    SOURCE.delivery_id(headers, body)
    drafts = SOURCE.parse(headers, body)
    assert len(drafts) == 1
    assert drafts[0].title and "\n" not in drafts[0].title
