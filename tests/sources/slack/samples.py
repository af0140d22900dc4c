"""Slack deliveries for the tests: Events API payloads shaped as docs.slack.dev shows them,
signed with a test secret, and one sample (headers, body) per event type the sender titles
(read by tests/sources/test_events_doc.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from echodash.events import EventDraft
from echodash.sources.slack import SlackSource

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


# ---- one delivery per event type (tests/sources/test_events_doc.py) -------------------------

U = "U024BE7LH"
_MSG: dict[str, Any] = {"type": "message", "user": U, "channel": CHANNEL, "ts": "1358877455.000010"}
_CHANNEL = {"id": "C024BE91L", "name": "fun", "created": 1360782804, "creator": U}
_ITEM = {"type": "message", "channel": CHANNEL, "ts": "1360782400.498405"}
_FILE = {"file_id": "F2147483862", "user_id": U, "file": {"id": "F2147483862"}}
_USER = {"id": "U0AB12CD3", "name": "jane", "real_name": "Jane Doe", "profile": {}}
_SUBTEAM = {"id": "S0614TZR7", "team_id": TEAM, "name": "Team Admins", "handle": "admins",
            "created_by": U, "updated_by": U}  # fmt: skip


def _subtype(subtype: str, **more: Any) -> dict[str, Any]:
    return _MSG | {"subtype": subtype} | more


TRIGGER = "241582872337.47445629121.string"
INNER: list[dict[str, Any]] = [
    APP_MENTION["event"],
    MESSAGE["event"],
    _subtype("bot_message", user=None, bot_id="BB12033", username="github", text="Build passed"),
    _subtype("message_changed", message={"type": "message", "user": U, "text": "Hello, world!"}),
    _subtype("message_deleted", previous_message={"type": "message", "user": U, "text": "oops"}),
    _subtype(
        "message_replied",
        message={"type": "message", "user": U, "text": "Deploy at 5?", "reply_count": 3},
    ),
    _subtype("channel_join", inviter="U2"),
    _subtype("group_join"),
    _subtype("channel_leave"),
    _subtype("group_leave"),
    _subtype("channel_topic", topic="Releases"),
    _subtype("group_topic", topic="Secrets"),
    _subtype("channel_purpose", purpose="Talk about releases"),
    _subtype("group_purpose", purpose="Talk about secrets"),
    _subtype("channel_name", name="launch", old_name="fun"),
    _subtype("group_name", name="launch-team", old_name="team"),
    _subtype("channel_archive"),
    _subtype("group_archive"),
    _subtype("file_share", text="the plan", files=[{"id": "F1", "name": "plan.pdf"}]),
    _subtype("me_message", text="waves"),
    _subtype("thread_broadcast", text="shipped", thread_ts="1358877000.000001"),
    _subtype("pinned_item", item_type="F"),
    REACTION["event"],
    REACTION["event"] | {"type": "reaction_removed"},
    {"type": "pin_added", "user": U, "channel_id": "C02ELGNBH",
     "item": _ITEM | {"message": {"text": "Deploy checklist", "user": "U1"}}},
    {"type": "pin_removed", "user": U, "channel_id": "C02ELGNBH", "item": _ITEM},
    {"type": "star_added", "user": U, "item": _ITEM, "event_ts": "1360782804.083113"},
    {"type": "star_removed", "user": U, "item": {"type": "file", "file": {"id": "F1"}}},
    {"type": "file_shared", "channel_id": "C024BE7LR", **_FILE},
    {"type": "file_created", **_FILE},
    {"type": "file_public", **_FILE},
    {"type": "file_unshared", "channel_id": "C024BE7LR", **_FILE},
    {"type": "file_change", **_FILE},
    {"type": "file_deleted", "file_id": "F2147483862", "event_ts": "1361482916.000004"},
    {"type": "link_shared", "channel": CHANNEL, "user": U, "message_ts": "1234567.1234",
     "links": [{"domain": "example.com", "url": "https://example.com/12345"}]},
    {"type": "app_home_opened", "user": U, "channel": "D0LAN2Q65", "tab": "home"},
    {"type": "channel_created", "channel": _CHANNEL},
    {"type": "group_open", "user": U, "channel": "G024BE91L"},
    {"type": "channel_rename", "channel": {"id": "C02ELGNBH", "name": "new_name"}},
    {"type": "channel_renamed", "channel": {"id": "C02ELGNBH", "name": "newer_name"}},
    {"type": "group_rename", "channel": {"id": "G02ELGNBH", "name": "secret_plans"}},
    {"type": "channel_archive", "channel": "C024BE91L", "user": U},
    {"type": "channel_unarchive", "channel": "C024BE91L", "user": U},
    {"type": "group_archive", "channel": "G024BE91L"},
    {"type": "group_unarchive", "channel": "G024BE91L"},
    {"type": "channel_deleted", "channel": "C024BE91L"},
    {"type": "group_deleted", "channel": "G024BE91L"},
    {"type": "channel_left", "channel": "C024BE91L", "actor_id": U},
    {"type": "group_left", "channel": "G024BE91L", "actor_id": U},
    {"type": "channel_id_changed", "old_channel_id": "G012Y48650T", "new_channel_id": "C012Y48650T",
     "event_ts": "1612206778.000000"},
    {"type": "member_joined_channel", "user": "W06GH7XHN", "channel": "C0698JE0H",
     "channel_type": "C", "team": TEAM, "inviter": "U123456789"},
    {"type": "member_left_channel", "user": "W06GH7XHN", "channel": "C0698JE0H",
     "channel_type": "C", "team": TEAM},
    {"type": "team_join", "user": _USER},
    {"type": "user_change", "user": _USER | {"deleted": True}},
    {"type": "subteam_created", "subteam": _SUBTEAM},
    {"type": "subteam_updated", "subteam": _SUBTEAM | {"name": "Admins"}},
    {"type": "team_rename", "name": "Acme Rockets"},
    {"type": "team_domain_change", "url": "https://acme-rockets.slack.com",
     "domain": "acme-rockets"},
    {"type": "emoji_changed", "subtype": "add", "name": "picard_facepalm",
     "value": "https://my.slack.com/emoji/picard_facepalm/db8e287430eaa459.gif"},
    {"type": "email_domain_changed", "email_domain": "acme.test,acme-rockets.test"},
    {"type": "grid_migration_started", "enterprise_id": "EXXXXXXXX"},
    {"type": "grid_migration_finished", "enterprise_id": "EXXXXXXXX"},
    {"type": "channel_shared", "connected_team_id": "E163Q94DX", "channel": "C123ABC456"},
    {"type": "channel_unshared", "previously_connected_team_id": "E163Q94DX",
     "channel": "C123ABC456", "is_ext_shared": False},
    *({"type": f"shared_channel_invite_{verb}",
       "invite": {"id": "I028YDERZSQ", "inviting_team": {"id": "T12345678", "name": "Globex"}},
       "channel": {"id": "C12345678", "name": "test-slack-connect"}}
      for verb in ("accepted", "approved", "declined", "received")),
    {"type": "channel_history_changed", "latest": "1358877455.000010", "ts": "1361482916.000003",
     "event_ts": "1361482916.000004", "channel": CHANNEL},
    {"type": "group_history_changed", "latest": "1358877455.000010", "channel": "G024BE91L"},
    {"type": "im_history_changed", "latest": "1358877455.000010", "channel": "D024BE91L"},
    {"type": "group_close", "user": U, "channel": "G024BE91L"},
    {"type": "im_created", "user": U, "channel": {"id": "D024BE91L"}},
    {"type": "im_open", "user": U, "channel": "D024BE91L"},
    {"type": "im_close", "user": U, "channel": "D024BE91L"},
    {"type": "user_status_changed",
     "user": _USER | {"profile": {"status_text": "riding a train", "status_emoji": ":train:"}}},
    {"type": "user_huddle_changed", "user": _USER | {"profile": {"huddle_state": "in_a_huddle"}}},
    {"type": "user_profile_changed", "user": _USER},
    {"type": "dnd_updated", "user": U,
     "dnd_status": {"dnd_enabled": True, "next_dnd_start_ts": 1450387800,
                    "next_dnd_end_ts": 1450423800, "snooze_enabled": True}},
    {"type": "dnd_updated_user", "user": U,
     "dnd_status": {"dnd_enabled": True, "next_dnd_start_ts": 1450387800,
                    "next_dnd_end_ts": 1450423800}},
    {"type": "invite_requested",
     "invite_request": {"id": "12345", "email": "bront@puppies.com", "requester_id": U,
                        "channel_ids": ["C123ABC456"], "invite_type": "full_member"}},
    {"type": "subteam_members_changed", "subteam_id": "S0614TZR7", "team_id": TEAM,
     "added_users": ["U060RNRCZ", "U060ULRC0"], "added_users_count": 2,
     "removed_users": ["U06129G2V"], "removed_users_count": 1},
    {"type": "subteam_self_added", "subteam_id": "S0615G0KT"},
    {"type": "subteam_self_removed", "subteam_id": "S0615G0KT"},
    {"type": "app_installed", "app_id": "A015CA1LGHG", "app_name": "my-admin-app"},
    {"type": "app_deleted", "app_id": "A015CA1LGHG", "app_name": "my-admin-app"},
    {"type": "app_requested",
     "app_request": {"id": "1234", "app": {"id": "A5678", "name": "Brent's app"},
                     "user": {"id": "U1234", "name": "Bront"}}},
    {"type": "scope_granted", "scopes": ["files:read", "chat:write"], "trigger_id": TRIGGER},
    {"type": "scope_denied", "scopes": ["files:read"], "trigger_id": TRIGGER},
    {"type": "team_access_granted", "team_ids": ["T123456", "T7654321"]},
    {"type": "team_access_revoked", "team_ids": ["T123456"]},
    {"type": "function_executed",
     "function": {"id": "Fn123456789O", "callback_id": "sample_function",
                  "title": "Sample function"},
     "inputs": {"user_id": "USER12345678"}, "function_execution_id": "Fx1234567O9L"},
    {"type": "assistant_thread_started",
     "assistant_thread": {"user_id": "U123ABC456", "context": {}, "channel_id": "D123ABC456",
                          "thread_ts": "1729999327.187299"}},
    {"type": "assistant_thread_context_changed",
     "assistant_thread": {"user_id": "U123ABC456", "channel_id": "D123ABC456",
                          "thread_ts": "1729999327.187299"}},
    {"type": "message_metadata_posted", "app_id": "AQF4R5ZM7", "bot_id": "BQF4R5ZM7",
     "user_id": "UQF4R5ZM7", "team_id": TEAM, "channel_id": "C123ABC456",
     "metadata": {"event_type": "task_created", "event_payload": {"id": "TK-2132"}},
     "message_ts": "1658387236.011579"},
    {"type": "message_metadata_updated", "channel_id": "C123ABC456",
     "metadata": {"event_type": "task_changed", "event_payload": {"id": "TK-2132"}}},
    {"type": "message_metadata_deleted", "channel_id": "C123ABC456",
     "previous_metadata": {"event_type": "task_created", "event_payload": {"id": "TK-2132"}}},
    {"type": "call_rejected", "call_id": "R123ABC456", "user_id": U, "channel_id": "D123ABC456"},
    {"type": "app_uninstalled"},
    {"type": "tokens_revoked", "tokens": {"oauth": ["UXXXXXXXX"], "bot": ["UXXXXXXXX"]}},
]  # fmt: skip


def _sample(document: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = encode(document)
    return headers_for(body), body


DELIVERIES: list[dict[str, Any]] = [
    *(
        wrap({k: v for k, v in inner.items() if v is not None}, f"Ev{n:08d}")
        for n, inner in enumerate(INNER)
    ),
    RATE_LIMITED,
    URL_VERIFICATION,
]
SAMPLES: list[tuple[dict[str, str], bytes]] = [_sample(d) for d in DELIVERIES]
