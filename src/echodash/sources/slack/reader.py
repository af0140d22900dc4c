"""Slack's payload reader: one Events API delivery, its inner `event`, ids and markup.

Without a call to Slack's Web API only ids are known (users `U…`, channels `C…`, bots `B…`):
titles show them the way Slack writes them (`<@U123>`, `#C456`) and never fetch names.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from echodash.events import EventDraft
from echodash.sources.kit.payload import PayloadReader, dig, line, parse_time

_SLACK_ID = re.compile(r"[A-Z0-9][A-Za-z0-9._-]{0,40}", re.ASCII)
_TS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", re.ASCII)
# Slack's message markup: <@U123>, <@U123|name>, <#C123|general>, <!here>, <https://…|label>.
_MARKUP = re.compile(r"<([^<>\n]{1,500})>")
TITLE_TEXT = 100
SUMMARY_TEXT = 500
# Envelopes other than `event_callback` that have a title of their own.
ENVELOPES = frozenset({"app_rate_limited", "url_verification"})


def slack_id(value: Any) -> str | None:
    """A Slack id (`U123`, `C456`, `T789`…) or None for anything else."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and _SLACK_ID.fullmatch(value.strip()):
        return value.strip()
    return None


def slack_time(value: Any) -> datetime | None:
    """Slack's times: integer seconds (`event_time`) or `"1360782804.083113"` (`ts`)."""
    if isinstance(value, str):
        if not _TS.fullmatch(value.strip()):
            return None
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 < value < 1e11:
        return None
    return parse_time(value)


def _unmark(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:]
        if special.startswith("subteam^"):
            return "@" + (label or special[len("subteam^") :])
        if special.startswith("date^"):
            return label or "a date"
        return "@" + (label or special)
    return label or target


def tidy(value: Any, limit: int) -> str | None:
    """Message text for one line: markup made readable, entities decoded, cut to `limit`."""
    if not isinstance(value, str):
        return None
    plain = html.unescape(_MARKUP.sub(_unmark, value[:20_000]))
    return line(plain, limit)


def with_text(title: str, text: str | None) -> str:
    return f"{title}: {text}" if text else title


def spaced(value: str) -> str:
    return value.replace("_", " ").replace(".", " ")


@dataclass(frozen=True, slots=True)
class SlackEvent(PayloadReader):
    """One Events API delivery: an `event_callback` wrapper and its inner `event`, or another
    envelope (`app_rate_limited`, `url_verification`)."""

    body: dict[str, Any]
    # Read once from the body (titles ask for them many times).
    callback: bool = field(init=False, repr=False, compare=False)
    event: dict[str, Any] = field(init=False, repr=False, compare=False)
    kind: str = field(init=False, repr=False, compare=False)
    subtype: str | None = field(init=False, repr=False, compare=False)
    team: str | None = field(init=False, repr=False, compare=False)
    channel: str | None = field(init=False, repr=False, compare=False)
    user: str | None = field(init=False, repr=False, compare=False)
    bot: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        body = self.body
        envelope = body.get("type")
        inner = body.get("event")
        callback = envelope == "event_callback" or (envelope is None and isinstance(inner, dict))
        event: dict[str, Any] = inner if callback and isinstance(inner, dict) else {}
        found = {
            "callback": callback,
            "event": event,
            # The inner event's type (`message`, `reaction_added`…), or the envelope's.
            "kind": line(event.get("type") if callback else envelope, 60) or "unknown",
            "subtype": line(event.get("subtype"), 60),
            "team": slack_id(body.get("team_id")) or slack_id(event.get("team")),
            "channel": slack_id(event.get("channel"))
            or slack_id(event.get("channel_id"))
            or slack_id(dig(event, "item.channel")),
            "user": slack_id(event.get("user"))
            or slack_id(event.get("user_id"))
            or slack_id(dig(event, "message.user"))
            or slack_id(dig(event, "channel.creator")),
            "bot": slack_id(event.get("bot_id")) or slack_id(dig(event, "message.bot_id")),
        }
        for name, value in found.items():
            object.__setattr__(self, name, value)

    @property
    def type(self) -> str:
        # `message.bot_message`, `message.message_changed`…; other events keep their type.
        if self.kind == "message" and self.subtype:
            return f"{self.kind}.{self.subtype}"
        return self.kind

    def keys(self) -> tuple[str, ...]:
        """Message builders are filed by subtype, then `message`; an envelope other than the
        known ones gets the generic line (its type may be an inner event's name)."""
        if self.callback:
            return (self.type, self.kind)
        return (self.type,) if self.type in ENVELOPES else ()

    @property
    def service(self) -> str | None:
        """`slack:<team id>`: the workspace (docs/events.md)."""
        return f"slack:{self.team}" if self.team else None

    @property
    def actor(self) -> str | None:
        return self.user or self.bot

    @property
    def subject(self) -> str | None:
        return self.channel

    @property
    def who(self) -> str:
        if self.user:
            return f"<@{self.user}>"
        username = line(self.event.get("username"), 60)
        if username:
            return username
        if self.bot:
            return f"bot {self.bot}"
        return "Someone"

    @property
    def where(self) -> str:
        """` in #C456`, ` in a direct message`, or nothing."""
        channel_type = self.event.get("channel_type")
        if channel_type == "im":
            return " in a direct message"
        if channel_type == "mpim":
            return " in a group direct message"
        return f" in #{self.channel}" if self.channel else ""

    @property
    def place(self) -> str:
        """` #C456` or ` a channel`, after a verb (`joined`, `left`)."""
        return f" #{self.channel}" if self.channel else " a channel"

    def home(self) -> str | None:
        team, channel = self.team, self.channel
        return f"https://app.slack.com/client/{team}/{channel}" if team and channel else None

    @property
    def when(self) -> datetime | None:
        return (
            slack_time(self.body.get("event_time"))
            or slack_time(self.event.get("event_ts"))
            or slack_time(self.event.get("ts"))
        )

    def said(self, path: str = "event.text") -> tuple[str | None, str]:
        """(short text for a title, longer text for the summary) of a text field."""
        found = self.get(path)
        return tidy(found, TITLE_TEXT), tidy(found, SUMMARY_TEXT) or ""

    def draft(self, title: str, **more: Any) -> EventDraft:
        """The event with the ids every Slack event shows as fields, dated by the event."""
        fields = {
            "team_id": self.team,
            "channel": self.channel,
            "user": self.user or self.bot,
            "reaction": line(self.event.get("reaction"), 60),
            "subtype": self.subtype,
            **(more.pop("fields", None) or {}),
        }
        more.setdefault("occurred_at", self.when)
        return PayloadReader.draft(self, title, fields=fields, **more)
