"""Slack titles: what a person reads in the feed for each event, and that no delivery is
ever lost to the parser."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Category, Severity
from echodash.sources import SignatureError
from echodash.sources.slack.reader import tidy
from tests.sources.slack.samples import (
    APP_MENTION,
    CHANNEL,
    CLIENT_URL,
    DELIVERIES,
    MESSAGE,
    RATE_LIMITED,
    REACTION,
    SOURCE,
    TEAM,
    encode,
    event_of,
    headers_for,
    parse_one,
    wrap,
)

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
    draft = event_of({"type": "workflow_step_execute", "user": "U1", "channel": CHANNEL})
    assert draft.type == "workflow_step_execute"
    assert draft.title == "Slack workflow step execute by <@U1> in #C123ABC456"
    bare = event_of({"type": "resources_added"})
    assert bare.title == "Slack resources added"
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


# What a person reads for each sample delivery, in the order of samples.DELIVERIES.
SEEN = [
    (
        "<@U061F7AUR> mentioned the app in #C123ABC456: hello there, is the deploy done?",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    (
        "<@U123ABC456> posted in #C123ABC456: Live long and prospect. Ask #ops & @kirk: docs",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("github posted in #C123ABC456: Build passed", Category.ACTIVITY, Severity.INFO),
    (
        "<@U024BE7LH> edited a message in #C123ABC456: Hello, world!",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    (
        "A message by <@U024BE7LH> was deleted in #C123ABC456: oops",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    (
        "A thread in #C123ABC456 got a reply (3 replies): Deploy at 5?",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("<@U024BE7LH> joined #C123ABC456 (invited by <@U2>)", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> joined #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> left #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> left #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> set the topic of #C123ABC456: Releases", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> set the topic of #C123ABC456: Secrets", Category.CONFIG, Severity.INFO),
    (
        "<@U024BE7LH> set the purpose of #C123ABC456: Talk about releases",
        Category.CONFIG,
        Severity.INFO,
    ),
    (
        "<@U024BE7LH> set the purpose of #C123ABC456: Talk about secrets",
        Category.CONFIG,
        Severity.INFO,
    ),
    ("<@U024BE7LH> renamed #C123ABC456 to #launch", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> renamed #C123ABC456 to #launch-team", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> archived #C123ABC456", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> archived #C123ABC456", Category.CONFIG, Severity.INFO),
    (
        "<@U024BE7LH> shared a file (plan.pdf) in #C123ABC456: the plan",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("<@U024BE7LH> waves", Category.ACTIVITY, Severity.INFO),
    (
        "<@U024BE7LH> replied to a thread and sent it to #C123ABC456: shipped",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("<@U024BE7LH> pinned an item in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    (
        "<@U123ABC456> reacted :thumbsup: to a message by <@U222222222> in #C123ABC456",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    (
        "<@U123ABC456> removed :thumbsup: from a message by <@U222222222> in #C123ABC456",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    (
        "<@U024BE7LH> pinned a message in #C02ELGNBH: Deploy checklist",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("<@U024BE7LH> unpinned a message in #C02ELGNBH", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> saved a message in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> unsaved a file", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> shared file F2147483862 in #C024BE7LR", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> created file F2147483862", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> made public file F2147483862", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> unshared file F2147483862 in #C024BE7LR", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> changed file F2147483862", Category.ACTIVITY, Severity.INFO),
    ("File F2147483862 was deleted", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> shared a link to example.com in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> opened the app's Home tab", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> created channel #fun", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> opened private channel #G024BE91L", Category.CONFIG, Severity.INFO),
    ("#C02ELGNBH was renamed to #new_name", Category.CONFIG, Severity.INFO),
    ("#C02ELGNBH was renamed to #newer_name", Category.CONFIG, Severity.INFO),
    ("#G02ELGNBH was renamed to #secret_plans", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> archived #C024BE91L", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> unarchived #C024BE91L", Category.CONFIG, Severity.INFO),
    ("#G024BE91L was archived", Category.CONFIG, Severity.INFO),
    ("#G024BE91L was unarchived", Category.CONFIG, Severity.INFO),
    ("#C024BE91L was deleted", Category.CONFIG, Severity.WARNING),
    ("#G024BE91L was deleted", Category.CONFIG, Severity.WARNING),
    ("The app was removed from #C024BE91L", Category.CONFIG, Severity.INFO),
    ("The app was removed from #G024BE91L", Category.CONFIG, Severity.INFO),
    ("Channel #G012Y48650T is now #C012Y48650T", Category.CONFIG, Severity.INFO),
    ("<@W06GH7XHN> joined #C0698JE0H (added by <@U123456789>)", Category.ACTIVITY, Severity.INFO),
    ("<@W06GH7XHN> left #C0698JE0H", Category.ACTIVITY, Severity.INFO),
    ("Jane Doe (<@U0AB12CD3>) joined the workspace", Category.SIGNUP, Severity.INFO),
    ("Jane Doe (<@U0AB12CD3>) was deactivated", Category.CONFIG, Severity.WARNING),
    ("User group @admins was created by <@U024BE7LH>", Category.CONFIG, Severity.INFO),
    ("User group @admins was updated by <@U024BE7LH>", Category.CONFIG, Severity.INFO),
    ("The workspace was renamed to Acme Rockets", Category.CONFIG, Severity.INFO),
    ("The workspace's address is now acme-rockets.slack.com", Category.CONFIG, Severity.INFO),
    ("Custom emoji :picard_facepalm: was added", Category.CONFIG, Severity.INFO),
    (
        "The workspace's email domains are now acme.test,acme-rockets.test",
        Category.CONFIG,
        Severity.INFO,
    ),
    ("The workspace started moving to Enterprise Grid EXXXXXXXX", Category.CONFIG, Severity.INFO),
    ("The workspace finished moving to Enterprise Grid EXXXXXXXX", Category.CONFIG, Severity.INFO),
    ("#C123ABC456 is now shared with workspace E163Q94DX", Category.CONFIG, Severity.INFO),
    ("#C123ABC456 is no longer shared with workspace E163Q94DX", Category.CONFIG, Severity.INFO),
    ("An invitation to share #test-slack-connect was accepted", Category.CONFIG, Severity.INFO),
    ("An invitation to share #test-slack-connect was approved", Category.CONFIG, Severity.INFO),
    ("An invitation to share #test-slack-connect was declined", Category.CONFIG, Severity.WARNING),
    (
        "An invitation to share #test-slack-connect from Globex was received",
        Category.CONFIG,
        Severity.INFO,
    ),
    ("Many messages of #C123ABC456 changed at once", Category.ACTIVITY, Severity.INFO),
    ("Many messages of #G024BE91L changed at once", Category.ACTIVITY, Severity.INFO),
    ("Many messages of #D024BE91L changed at once", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> closed private channel #G024BE91L", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> started a direct message with the app", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> opened a direct message with the app", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> closed a direct message with the app", Category.ACTIVITY, Severity.INFO),
    (
        "Jane Doe (<@U0AB12CD3>) set their status: :train: riding a train",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("Jane Doe (<@U0AB12CD3>) joined a huddle", Category.ACTIVITY, Severity.INFO),
    ("Jane Doe (<@U0AB12CD3>) updated their profile", Category.CONFIG, Severity.INFO),
    ("<@U024BE7LH> paused notifications", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> scheduled Do Not Disturb", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> asked to invite bront@puppies.com", Category.SIGNUP, Severity.INFO),
    ("User group S0614TZR7: 2 members added, 1 member removed", Category.CONFIG, Severity.INFO),
    ("The app was added to user group S0615G0KT", Category.CONFIG, Severity.INFO),
    ("The app was removed from user group S0615G0KT", Category.CONFIG, Severity.INFO),
    ("App my-admin-app was installed", Category.CONFIG, Severity.INFO),
    ("App my-admin-app was deleted", Category.CONFIG, Severity.WARNING),
    ("<@U1234> asked to install Brent's app", Category.CONFIG, Severity.INFO),
    ("The app was granted scopes: files:read, chat:write", Category.CONFIG, Severity.INFO),
    ("The app was denied scopes: files:read", Category.CONFIG, Severity.WARNING),
    ("The app was given access to 2 workspaces", Category.CONFIG, Severity.INFO),
    ("The app lost access to 1 workspace", Category.CONFIG, Severity.WARNING),
    ("A workflow called the app's function Sample function", Category.ACTIVITY, Severity.INFO),
    ("<@U123ABC456> started a thread with the app's assistant", Category.ACTIVITY, Severity.INFO),
    (
        "<@U123ABC456> moved the assistant thread to another channel",
        Category.ACTIVITY,
        Severity.INFO,
    ),
    ("An app posted metadata task_created in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("An app updated metadata task_changed in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("An app deleted metadata task_created in #C123ABC456", Category.ACTIVITY, Severity.INFO),
    ("<@U024BE7LH> declined a call from the app", Category.ACTIVITY, Severity.INFO),
    ("The app was uninstalled from workspace T123ABC456", Category.CONFIG, Severity.WARNING),
    ("2 tokens of the app were revoked", Category.CONFIG, Severity.WARNING),
    (
        "Slack is rate-limiting the app's events in workspace T123456 since 20:37 UTC",
        Category.ALERT,
        Severity.WARNING,
    ),
    ("Slack checked the Request URL", Category.CONFIG, Severity.INFO),
]


@pytest.mark.parametrize(("document", "seen"), list(zip(DELIVERIES, SEEN, strict=True)))
def test_every_event_type_reads_as_its_own_line(
    document: dict[str, Any], seen: tuple[str, Category, Severity]
) -> None:
    draft = parse_one(document)
    assert (draft.title, draft.category, draft.severity) == seen


def test_the_service_is_the_workspace() -> None:
    assert parse_one(MESSAGE).service == f"slack:{TEAM}"
    assert parse_one(RATE_LIMITED).service == "slack:T123456"
    shared = copy.deepcopy(MESSAGE)
    del shared["team_id"]
    shared["event"]["team"] = "T999"
    assert parse_one(shared).service == "slack:T999"
    assert event_of({"type": "message", "text": "hi"}).environment is None


def test_an_envelope_named_like_an_event_is_not_read_as_one() -> None:
    draft = parse_one({"type": "message", "team_id": "T1", "text": "hi"})
    assert draft.title == "Slack sent message for workspace T1"
    assert draft.category is Category.OTHER


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
# Every event type with a title of its own (`message.bot_message`: a message's subtype).
EVENT_TYPES = st.sampled_from(sorted({name.split(".")[0] for name in SOURCE.titles.names()}))
SUBTYPES = st.sampled_from(
    sorted(name.split(".", 1)[1] for name in SOURCE.titles.names() if "." in name)
)
INNER = st.fixed_dictionaries(
    {},
    optional={
        "type": EVENT_TYPES | JSON,
        "subtype": SUBTYPES | JSON,
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
