"""Slack's Events API: `v0` request signatures, the URL-verification challenge, readable events.

Without a call to Slack's Web API only ids are known (users `U…`, channels `C…`, bots `B…`):
titles show them the way Slack writes them (`<@U123>`, `#C456`) and never fetch names.
"""

from __future__ import annotations

import html
import logging
import re
import secrets as _secrets
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Handshake, Headers, SignatureError, Source
from echodash.sources.digest import match_hex_hmac
from echodash.sources.payload import line, load_json_quietly, not_an_object, parse_time

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=([0-9a-fA-F]{64})", re.ASCII)
_SLACK_ID = re.compile(r"[A-Z0-9][A-Za-z0-9._-]{0,40}", re.ASCII)
_TS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", re.ASCII)
# Slack's message markup: <@U123>, <@U123|name>, <#C123|general>, <!here>, <https://…|label>.
_MARKUP = re.compile(r"<([^<>\n]{1,500})>")
TITLE_TEXT = 100
SUMMARY_TEXT = 500


class SlackSource(Source):
    """Events API deliveries of one Slack app: messages, mentions, reactions, channels…"""

    kind = "slack"
    name = "Slack"
    secret_headers = frozenset({SIGNATURE_HEADER})

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Check `X-Slack-Request-Timestamp` (±5 min) and the `v0=` HMAC of `v0:{ts}:{body}`."""
        return check_signature(headers, body, secrets)

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """Slack's `url_verification` request, answered with its challenge once it is signed."""
        try:
            if b"url_verification" not in bytes(body):  # the common case, without parsing
                return None
        except Exception:
            return None
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict) or document.get("type") != "url_verification":
            return None
        # Slack signs the challenge like any delivery; an unsigned one proves nothing.
        check_signature(headers, body, secrets)
        challenge = document.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise SignatureError("malformed_body", "the url_verification body has no challenge")
        return Handshake(answer={"challenge": challenge})

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        """The body's `event_id`: Slack's retries (`X-Slack-Retry-Num`) carry the same one."""
        document = load_json_quietly(headers, body)
        value = document.get("event_id") if isinstance(document, dict) else None
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def generate_secret(self) -> str:
        # A placeholder until the user pastes the app's Signing Secret (32 hex digits too).
        return _secrets.token_hex(16)

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Slack", document)]
        try:
            return [_envelope(document)]
        except Exception:
            logger.debug("slack: title failed", exc_info=True)
            kind = line(document.get("type"), 60) or "unknown"
            return [EventDraft(type=kind, title=f"Slack sent {kind}")]


def check_signature(headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
    """Index of the active secret that signed this request; SignatureError for anything else."""
    signature = _header(headers, SIGNATURE_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if not signature:
        raise SignatureError("missing_signature", "the X-Slack-Signature header is missing")
    if not timestamp:
        raise SignatureError("missing_signature", "the X-Slack-Request-Timestamp header is missing")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("malformed_signature", "X-Slack-Request-Timestamp is not Unix seconds")
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError(
            "stale_timestamp", f"signed at {timestamp}, outside ±{TOLERANCE_SECONDS} s of now"
        )
    found = _SIGNATURE.fullmatch(signature)
    if found is None:
        raise SignatureError(
            "malformed_signature", "X-Slack-Signature is not v0= and 64 hex digits"
        )
    try:
        base = b"v0:" + timestamp.encode("ascii") + b":" + bytes(body)
        matched = match_hex_hmac(found.group(1), base, secrets)
    except Exception:  # an odd secret or body: refused, never a 500
        logger.debug("X-Slack-Signature: check failed", exc_info=True)
        matched = None
    if matched is None:
        raise SignatureError("bad_signature", "X-Slack-Signature does not match any active secret")
    return matched


def _header(headers: Headers, name: str) -> str:
    try:
        value = headers.get(name)
    except Exception:
        return ""
    return value.strip() if isinstance(value, str) else ""


# ---- reading payloads ----------------------------------------------------------------------


def _id(value: Any) -> str | None:
    """A Slack id (`U123`, `C456`, `T789`…) or None for anything else."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and _SLACK_ID.fullmatch(value.strip()):
        return value.strip()
    return None


def _slack_time(value: Any) -> datetime | None:
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


class _Event:
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
        return _id(self.body.get("team_id")) or _id(self.event.get("team"))

    @property
    def channel(self) -> str | None:
        event = self.event
        return (
            _id(event.get("channel"))
            or _id(event.get("channel_id"))
            or _id(_get(event.get("item"), "channel"))
        )

    @property
    def user(self) -> str | None:
        event = self.event
        return (
            _id(event.get("user"))
            or _id(event.get("user_id"))
            or _id(_get(event.get("message"), "user"))
            or _id(_get(event.get("channel"), "creator"))
        )

    @property
    def bot(self) -> str | None:
        return _id(self.event.get("bot_id")) or _id(_get(self.event.get("message"), "bot_id"))

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
            _slack_time(self.body.get("event_time"))
            or _slack_time(event.get("event_ts"))
            or _slack_time(event.get("ts"))
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


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _with(title: str, text: str | None) -> str:
    return f"{title}: {text}" if text else title


def _words(value: str) -> str:
    return value.replace("_", " ").replace(".", " ")


Builder = Callable[[_Event], EventDraft]


# ---- messages --------------------------------------------------------------------------------


def _message(event: _Event) -> EventDraft:
    builder = _MESSAGE_SUBTYPES.get(event.subtype or "")
    if builder is not None:
        return builder(event)
    short, summary = event.text()
    thread = event.event.get("thread_ts")
    if event.subtype:
        doing = f"posted ({_words(event.subtype)})"
    elif isinstance(thread, str) and thread != event.event.get("ts"):
        doing = "replied in a thread"
    else:
        doing = "posted"
    return event.draft(_with(f"{event.who} {doing}{event.where}", short), summary)


def _bot_message(event: _Event) -> EventDraft:
    short, summary = event.text()
    if not short:
        short = tidy(_get(_first(event.event.get("attachments")), "fallback"), TITLE_TEXT)
    return event.draft(_with(f"{event.who} posted{event.where}", short), summary)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _message_changed(event: _Event) -> EventDraft:
    short, summary = event.text("message.text")
    return event.draft(_with(f"{event.who} edited a message{event.where}", short), summary)


def _message_deleted(event: _Event) -> EventDraft:
    author = _id(_get(event.event.get("previous_message"), "user"))
    by = f" by <@{author}>" if author else ""
    short, summary = event.text("previous_message.text")
    title = _with(f"A message{by} was deleted{event.where}", short)
    return event.draft(title, summary, user=author)


def _channel_join(event: _Event) -> EventDraft:
    inviter = _id(event.event.get("inviter"))
    invited = f" (invited by <@{inviter}>)" if inviter else ""
    return event.draft(f"{event.who} joined{_place(event)}{invited}")


def _place(event: _Event) -> str:
    return f" #{event.channel}" if event.channel else " a channel"


def _channel_leave(event: _Event) -> EventDraft:
    return event.draft(f"{event.who} left{_place(event)}")


def _channel_topic(event: _Event) -> EventDraft:
    topic = tidy(event.event.get("topic"), TITLE_TEXT)
    return event.draft(_with(f"{event.who} set the topic of{_place(event)}", topic))


def _channel_purpose(event: _Event) -> EventDraft:
    purpose = tidy(event.event.get("purpose"), TITLE_TEXT)
    return event.draft(_with(f"{event.who} set the purpose of{_place(event)}", purpose))


def _channel_name(event: _Event) -> EventDraft:
    name = line(event.event.get("name"), 80)
    to = f" to #{name}" if name else ""
    return event.draft(f"{event.who} renamed{_place(event)}{to}")


def _file_share(event: _Event) -> EventDraft:
    short, summary = event.text()
    files = event.event.get("files")
    named = line(_get(_first(files), "name"), 80) or line(_get(_first(files), "title"), 80)
    what = f"a file ({named})" if named else "a file"
    return event.draft(_with(f"{event.who} shared {what}{event.where}", short), summary)


def _me_message(event: _Event) -> EventDraft:
    short, summary = event.text()
    return event.draft(f"{event.who} {short}" if short else f"{event.who} posted a /me", summary)


def _thread_broadcast(event: _Event) -> EventDraft:
    short, summary = event.text()
    title = f"{event.who} replied to a thread and sent it to{_place(event)}"
    return event.draft(_with(title, short), summary)


_MESSAGE_SUBTYPES: dict[str, Builder] = {
    "bot_message": _bot_message,
    "message_changed": _message_changed,
    "message_deleted": _message_deleted,
    "channel_join": _channel_join,
    "group_join": _channel_join,
    "channel_leave": _channel_leave,
    "group_leave": _channel_leave,
    "channel_topic": _channel_topic,
    "group_topic": _channel_topic,
    "channel_purpose": _channel_purpose,
    "group_purpose": _channel_purpose,
    "channel_name": _channel_name,
    "group_name": _channel_name,
    "file_share": _file_share,
    "thread_broadcast": _thread_broadcast,
    "me_message": _me_message,
}


# ---- other events ----------------------------------------------------------------------------


def _app_mention(event: _Event) -> EventDraft:
    raw = event.event.get("text")
    # The app's own mention opens the text: the title says that already.
    rest = re.sub(r"^\s*<@[^<>]{1,60}>\s*", "", raw) if isinstance(raw, str) else raw
    short = tidy(rest, TITLE_TEXT) or tidy(raw, TITLE_TEXT)
    summary = tidy(raw, SUMMARY_TEXT) or ""
    return event.draft(_with(f"{event.who} mentioned the app{event.where}", short), summary)


def _reaction(event: _Event) -> EventDraft:
    emoji = line(event.event.get("reaction"), 60)
    shown = f" :{emoji}:" if emoji else ""
    item = event.event.get("item")
    item_type = _get(item, "type")
    author = _id(event.event.get("item_user"))
    thing = {"file": "a file", "file_comment": "a file comment"}.get(
        item_type if isinstance(item_type, str) else "", "a message"
    )
    if author:
        thing += f" by <@{author}>"
    if event.kind == "reaction_removed":
        title = f"{event.who} removed{shown or ' a reaction'} from {thing}{event.where}"
    else:
        title = f"{event.who} reacted{shown} to {thing}{event.where}"
    return event.draft(title, item_user=author)


def _channel_name_of(event: _Event) -> str:
    name = line(_get(event.event.get("channel"), "name"), 80)
    return f"#{name}" if name else (f"#{event.channel}" if event.channel else "a channel")


def _channel_created(event: _Event) -> EventDraft:
    return event.draft(f"{event.who} created channel {_channel_name_of(event)}")


def _channel_rename(event: _Event) -> EventDraft:
    name = line(_get(event.event.get("channel"), "name"), 80)
    old = f"#{event.channel}" if event.channel else "A channel"
    return event.draft(f"{old} was renamed to #{name}" if name else f"{old} was renamed")


def _channel_archive(event: _Event) -> EventDraft:
    verb = "unarchived" if event.kind.endswith("unarchive") else "archived"
    where = f"#{event.channel}" if event.channel else "a channel"
    if event.user:
        return event.draft(f"{event.who} {verb} {where}")
    return event.draft(f"{where[0].upper()}{where[1:]} was {verb}")


def _channel_deleted(event: _Event) -> EventDraft:
    where = f"#{event.channel}" if event.channel else "A channel"
    return event.draft(f"{where} was deleted", severity=Severity.WARNING)


def _member_channel(event: _Event) -> EventDraft:
    inviter = _id(event.event.get("inviter"))
    if event.kind == "member_left_channel":
        return event.draft(f"{event.who} left{_place(event)}")
    invited = f" (added by <@{inviter}>)" if inviter else ""
    return event.draft(f"{event.who} joined{_place(event)}{invited}", inviter=inviter)


def _person(event: _Event) -> str:
    user = event.event.get("user")
    name = (
        line(_get(user, "real_name"), 80)
        or line(_get(_get(user, "profile"), "real_name"), 80)
        or line(_get(_get(user, "profile"), "display_name"), 80)
        or line(_get(user, "name"), 80)
    )
    if name and event.user:
        return f"{name} (<@{event.user}>)"
    return name or event.who


def _team_join(event: _Event) -> EventDraft:
    return event.draft(f"{_person(event)} joined the workspace")


def _user_change(event: _Event) -> EventDraft:
    user = event.event.get("user")
    if _get(user, "deleted") is True:
        return event.draft(f"{_person(event)} was deactivated", severity=Severity.WARNING)
    return event.draft(f"{_person(event)} updated their profile")


def _file(event: _Event) -> EventDraft:
    file_id = _id(event.event.get("file_id")) or _id(event.event.get("file"))
    what = f"file {file_id}" if file_id else "a file"
    verb = {
        "file_shared": "shared",
        "file_created": "created",
        "file_public": "made public",
        "file_unshared": "unshared",
        "file_change": "changed",
    }.get(event.kind)
    if event.kind == "file_deleted":
        return event.draft(f"{what[0].upper()}{what[1:]} was deleted", file=file_id)
    return event.draft(f"{event.who} {verb or 'changed'} {what}{event.where}", file=file_id)


def _pin(event: _Event) -> EventDraft:
    short, summary = event.text("item.message.text")
    verb = "unpinned" if event.kind == "pin_removed" else "pinned"
    item_type = _get(event.event.get("item"), "type")
    thing = "a file" if item_type == "file" else "a message"
    return event.draft(_with(f"{event.who} {verb} {thing}{event.where}", short), summary)


def _app_home_opened(event: _Event) -> EventDraft:
    tab = event.event.get("tab")
    which = "Messages" if tab == "messages" else "Home"
    # The channel is the user's direct message with the app: no place worth naming.
    return event.draft(f"{event.who} opened the app's {which} tab", tab=line(tab, 40))


def _app_uninstalled(event: _Event) -> EventDraft:
    team = f" from workspace {event.team}" if event.team else ""
    return event.draft(f"The app was uninstalled{team}", severity=Severity.WARNING)


def _tokens_revoked(event: _Event) -> EventDraft:
    tokens = event.event.get("tokens")
    count = 0
    if isinstance(tokens, dict):
        count = sum(len(v) for v in tokens.values() if isinstance(v, list))
    what = f"{count} token{'s' if count != 1 else ''}" if count else "Tokens"
    verb = "was" if count == 1 else "were"
    return event.draft(f"{what} of the app {verb} revoked", severity=Severity.WARNING)


def _emoji_changed(event: _Event) -> EventDraft:
    name = line(event.event.get("name"), 60)
    names = event.event.get("names")
    if not name and isinstance(names, list) and names:
        name = line(names[0], 60)
    shown = f":{name}:" if name else "An emoji"
    verb = {"add": "was added", "remove": "was removed", "rename": "was renamed"}.get(
        event.subtype or "", "changed"
    )
    return event.draft(f"Custom emoji {shown} {verb}")


def _generic(event: _Event) -> EventDraft:
    words = _words(event.kind)
    title = f"Slack {words}"
    if event.user or event.bot:
        title += f" by {event.who}"
    title += event.where
    short, summary = event.text()
    return event.draft(_with(title, short), summary)


BUILDERS: dict[str, Builder] = {
    "message": _message,
    "app_mention": _app_mention,
    "reaction_added": _reaction,
    "reaction_removed": _reaction,
    "channel_created": _channel_created,
    "channel_rename": _channel_rename,
    "channel_renamed": _channel_rename,
    "channel_archive": _channel_archive,
    "channel_unarchive": _channel_archive,
    "channel_deleted": _channel_deleted,
    "member_joined_channel": _member_channel,
    "member_left_channel": _member_channel,
    "team_join": _team_join,
    "user_change": _user_change,
    "file_shared": _file,
    "file_created": _file,
    "file_public": _file,
    "file_unshared": _file,
    "file_change": _file,
    "file_deleted": _file,
    "pin_added": _pin,
    "pin_removed": _pin,
    "app_home_opened": _app_home_opened,
    "app_uninstalled": _app_uninstalled,
    "tokens_revoked": _tokens_revoked,
    "emoji_changed": _emoji_changed,
}


# ---- envelopes -------------------------------------------------------------------------------


def _envelope(document: dict[str, Any]) -> EventDraft:
    kind = document.get("type")
    if kind == "event_callback" or (kind is None and isinstance(document.get("event"), dict)):
        return _callback(document)
    if kind == "app_rate_limited":
        return _rate_limited(document)
    if kind == "url_verification":  # answered as a handshake; kept only if it ever arrives
        return EventDraft(type="url_verification", title="Slack checked the Request URL")
    name = line(kind, 60) or "unknown"
    team = _id(document.get("team_id"))
    return EventDraft(
        type=name,
        title=f"Slack sent {_words(name)}" + (f" for workspace {team}" if team else ""),
        occurred_at=_slack_time(document.get("event_time")),
        fields={"team_id": team} if team else {},
    )


def _callback(document: dict[str, Any]) -> EventDraft:
    event = _Event(document)
    builder = BUILDERS.get(event.kind)
    if builder is not None:
        try:
            return builder(event)
        except Exception:
            logger.debug("slack %s: specific title failed", event.type, exc_info=True)
    return _generic(event)


def _rate_limited(document: dict[str, Any]) -> EventDraft:
    team = _id(document.get("team_id"))
    app = _id(document.get("api_app_id"))
    since = _slack_time(document.get("minute_rate_limited"))
    where = f" in workspace {team}" if team else ""
    when = f" since {since:%H:%M} UTC" if since else ""
    fields: dict[str, FieldValue] = {"team_id": team, "api_app_id": app}
    return EventDraft(
        type="app_rate_limited",
        title=f"Slack is rate-limiting the app's events{where}{when}",
        summary=(
            "Slack drops events while an app receives more than 30,000 an hour from one "
            "workspace, or fails to answer too many deliveries."
        ),
        occurred_at=since,
        severity=Severity.WARNING,
        fields={key: value for key, value in fields.items() if value is not None},
    )
