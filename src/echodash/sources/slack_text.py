"""Slack ids and markup made readable, and one Events API callback read safely."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.payload import line, parse_time

_SLACK_ID = re.compile(r"[A-Z0-9][A-Za-z0-9._-]{0,40}", re.ASCII)
_TS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", re.ASCII)
_MARKUP = re.compile(r"<([^<>\n]{1,500})>")
TITLE_TEXT = 100
SUMMARY_TEXT = 500


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


class SlackEvent:
    """One `event_callback`: the wrapper and its inner `event`, with safe accessors."""

    __slots__ = ("body", "event", "kind", "subtype", "type")

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        event = body.get("event")
        self.event: dict[str, Any] = event if isinstance(event, dict) else {}
        self.kind = line(self.event.get("type"), 60) or "unknown"
        self.subtype = line(self.event.get("subtype"), 60)
        # `message.bot_message`, `message.message_changed`…; other events keep their type.
        with_subtype = self.kind == "message" and self.subtype
        self.type = f"{self.kind}.{self.subtype}" if with_subtype else self.kind

    @property
    def team(self) -> str | None:
        return slack_id(self.body.get("team_id")) or slack_id(self.event.get("team"))

    @property
    def channel(self) -> str | None:
        event = self.event
        return (
            slack_id(event.get("channel"))
            or slack_id(event.get("channel_id"))
            or slack_id(get_in(event.get("item"), "channel"))
        )

    @property
    def user(self) -> str | None:
        event = self.event
        return (
            slack_id(event.get("user"))
            or slack_id(event.get("user_id"))
            or slack_id(get_in(event.get("message"), "user"))
            or slack_id(get_in(event.get("channel"), "creator"))
        )

    @property
    def bot(self) -> str | None:
        return slack_id(self.event.get("bot_id")) or slack_id(
            get_in(self.event.get("message"), "bot_id")
        )

    @property
    def actor(self) -> str | None:
        return self.user or self.bot

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
    def url(self) -> str | None:
        team, channel = self.team, self.channel
        if team and channel:
            return f"https://app.slack.com/client/{team}/{channel}"
        return None

    @property
    def occurred_at(self) -> datetime | None:
        event = self.event
        return (
            slack_time(self.body.get("event_time"))
            or slack_time(event.get("event_ts"))
            or slack_time(event.get("ts"))
        )

    def text(self, path: str = "text") -> tuple[str | None, str]:
        """(short text for a title, longer text for the summary) of a text field."""
        source: Any = self.event
        for part in path.split("."):
            source = source.get(part) if isinstance(source, dict) else None
        return tidy(source, TITLE_TEXT), tidy(source, SUMMARY_TEXT) or ""

    def draft(
        self,
        title: str,
        summary: str = "",
        severity: Severity = Severity.INFO,
        **fields: FieldValue,
    ) -> EventDraft:
        values: dict[str, FieldValue] = {
            "team_id": self.team,
            "channel": self.channel,
            "user": self.user or self.bot,
            "reaction": line(self.event.get("reaction"), 60),
            "subtype": self.subtype,
            **fields,
        }
        return EventDraft(
            type=self.type,
            title=title,
            summary=summary,
            actor=self.actor,
            subject=self.channel,
            url=self.url,
            occurred_at=self.occurred_at,
            severity=severity,
            fields={key: value for key, value in values.items() if value is not None},
        )


def get_in(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def with_text(title: str, text: str | None) -> str:
    return f"{title}: {text}" if text else title


def spaced(value: str) -> str:
    return value.replace("_", " ").replace(".", " ")
