"""Readable Slack events: titles from ids the way Slack writes them (`<@U123>`, `#C456`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.payload import line
from echodash.sources.slack_text import (
    SUMMARY_TEXT,
    TITLE_TEXT,
    SlackEvent,
    get_in,
    slack_id,
    slack_time,
    spaced,
    tidy,
    with_text,
)

logger = logging.getLogger(__name__)


Builder = Callable[[SlackEvent], EventDraft]


# ---- messages --------------------------------------------------------------------------------


def _message(event: SlackEvent) -> EventDraft:
    builder = _MESSAGE_SUBTYPES.get(event.subtype or "")
    if builder is not None:
        return builder(event)
    short, summary = event.text()
    thread = event.event.get("thread_ts")
    if event.subtype:
        doing = f"posted ({spaced(event.subtype)})"
    elif isinstance(thread, str) and thread != event.event.get("ts"):
        doing = "replied in a thread"
    else:
        doing = "posted"
    return event.draft(with_text(f"{event.who} {doing}{event.where}", short), summary)


def _bot_message(event: SlackEvent) -> EventDraft:
    short, summary = event.text()
    if not short:
        short = tidy(get_in(_first(event.event.get("attachments")), "fallback"), TITLE_TEXT)
    return event.draft(with_text(f"{event.who} posted{event.where}", short), summary)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _message_changed(event: SlackEvent) -> EventDraft:
    short, summary = event.text("message.text")
    return event.draft(with_text(f"{event.who} edited a message{event.where}", short), summary)


def _message_deleted(event: SlackEvent) -> EventDraft:
    author = slack_id(get_in(event.event.get("previous_message"), "user"))
    by = f" by <@{author}>" if author else ""
    short, summary = event.text("previous_message.text")
    title = with_text(f"A message{by} was deleted{event.where}", short)
    return event.draft(title, summary, user=author)


def _channel_join(event: SlackEvent) -> EventDraft:
    inviter = slack_id(event.event.get("inviter"))
    invited = f" (invited by <@{inviter}>)" if inviter else ""
    return event.draft(f"{event.who} joined{_place(event)}{invited}")


def _place(event: SlackEvent) -> str:
    return f" #{event.channel}" if event.channel else " a channel"


def _channel_leave(event: SlackEvent) -> EventDraft:
    return event.draft(f"{event.who} left{_place(event)}")


def _channel_topic(event: SlackEvent) -> EventDraft:
    topic = tidy(event.event.get("topic"), TITLE_TEXT)
    return event.draft(with_text(f"{event.who} set the topic of{_place(event)}", topic))


def _channel_purpose(event: SlackEvent) -> EventDraft:
    purpose = tidy(event.event.get("purpose"), TITLE_TEXT)
    return event.draft(with_text(f"{event.who} set the purpose of{_place(event)}", purpose))


def _channel_name(event: SlackEvent) -> EventDraft:
    name = line(event.event.get("name"), 80)
    to = f" to #{name}" if name else ""
    return event.draft(f"{event.who} renamed{_place(event)}{to}")


def _file_share(event: SlackEvent) -> EventDraft:
    short, summary = event.text()
    files = event.event.get("files")
    named = line(get_in(_first(files), "name"), 80) or line(get_in(_first(files), "title"), 80)
    what = f"a file ({named})" if named else "a file"
    return event.draft(with_text(f"{event.who} shared {what}{event.where}", short), summary)


def _me_message(event: SlackEvent) -> EventDraft:
    short, summary = event.text()
    return event.draft(f"{event.who} {short}" if short else f"{event.who} posted a /me", summary)


def _thread_broadcast(event: SlackEvent) -> EventDraft:
    short, summary = event.text()
    title = f"{event.who} replied to a thread and sent it to{_place(event)}"
    return event.draft(with_text(title, short), summary)


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


def _app_mention(event: SlackEvent) -> EventDraft:
    raw = event.event.get("text")
    # The app's own mention opens the text: the title says that already.
    rest = re.sub(r"^\s*<@[^<>]{1,60}>\s*", "", raw) if isinstance(raw, str) else raw
    short = tidy(rest, TITLE_TEXT) or tidy(raw, TITLE_TEXT)
    summary = tidy(raw, SUMMARY_TEXT) or ""
    return event.draft(with_text(f"{event.who} mentioned the app{event.where}", short), summary)


def _reaction(event: SlackEvent) -> EventDraft:
    emoji = line(event.event.get("reaction"), 60)
    shown = f" :{emoji}:" if emoji else ""
    item = event.event.get("item")
    item_type = get_in(item, "type")
    author = slack_id(event.event.get("item_user"))
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


def _channel_name_of(event: SlackEvent) -> str:
    name = line(get_in(event.event.get("channel"), "name"), 80)
    return f"#{name}" if name else (f"#{event.channel}" if event.channel else "a channel")


def _channel_created(event: SlackEvent) -> EventDraft:
    return event.draft(f"{event.who} created channel {_channel_name_of(event)}")


def _channel_rename(event: SlackEvent) -> EventDraft:
    name = line(get_in(event.event.get("channel"), "name"), 80)
    old = f"#{event.channel}" if event.channel else "A channel"
    return event.draft(f"{old} was renamed to #{name}" if name else f"{old} was renamed")


def _channel_archive(event: SlackEvent) -> EventDraft:
    verb = "unarchived" if event.kind.endswith("unarchive") else "archived"
    where = f"#{event.channel}" if event.channel else "a channel"
    if event.user:
        return event.draft(f"{event.who} {verb} {where}")
    return event.draft(f"{where[0].upper()}{where[1:]} was {verb}")


def _channel_deleted(event: SlackEvent) -> EventDraft:
    where = f"#{event.channel}" if event.channel else "A channel"
    return event.draft(f"{where} was deleted", severity=Severity.WARNING)


def _member_channel(event: SlackEvent) -> EventDraft:
    inviter = slack_id(event.event.get("inviter"))
    if event.kind == "member_left_channel":
        return event.draft(f"{event.who} left{_place(event)}")
    invited = f" (added by <@{inviter}>)" if inviter else ""
    return event.draft(f"{event.who} joined{_place(event)}{invited}", inviter=inviter)


def _person(event: SlackEvent) -> str:
    user = event.event.get("user")
    name = (
        line(get_in(user, "real_name"), 80)
        or line(get_in(get_in(user, "profile"), "real_name"), 80)
        or line(get_in(get_in(user, "profile"), "display_name"), 80)
        or line(get_in(user, "name"), 80)
    )
    if name and event.user:
        return f"{name} (<@{event.user}>)"
    return name or event.who


def _team_join(event: SlackEvent) -> EventDraft:
    return event.draft(f"{_person(event)} joined the workspace")


def _user_change(event: SlackEvent) -> EventDraft:
    user = event.event.get("user")
    if get_in(user, "deleted") is True:
        return event.draft(f"{_person(event)} was deactivated", severity=Severity.WARNING)
    return event.draft(f"{_person(event)} updated their profile")


def _file(event: SlackEvent) -> EventDraft:
    file_id = slack_id(event.event.get("file_id")) or slack_id(event.event.get("file"))
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


def _pin(event: SlackEvent) -> EventDraft:
    short, summary = event.text("item.message.text")
    verb = "unpinned" if event.kind == "pin_removed" else "pinned"
    item_type = get_in(event.event.get("item"), "type")
    thing = "a file" if item_type == "file" else "a message"
    return event.draft(with_text(f"{event.who} {verb} {thing}{event.where}", short), summary)


def _app_home_opened(event: SlackEvent) -> EventDraft:
    tab = event.event.get("tab")
    which = "Messages" if tab == "messages" else "Home"
    # The channel is the user's direct message with the app: no place worth naming.
    return event.draft(f"{event.who} opened the app's {which} tab", tab=line(tab, 40))


def _app_uninstalled(event: SlackEvent) -> EventDraft:
    team = f" from workspace {event.team}" if event.team else ""
    return event.draft(f"The app was uninstalled{team}", severity=Severity.WARNING)


def _tokens_revoked(event: SlackEvent) -> EventDraft:
    tokens = event.event.get("tokens")
    count = 0
    if isinstance(tokens, dict):
        count = sum(len(v) for v in tokens.values() if isinstance(v, list))
    what = f"{count} token{'s' if count != 1 else ''}" if count else "Tokens"
    verb = "was" if count == 1 else "were"
    return event.draft(f"{what} of the app {verb} revoked", severity=Severity.WARNING)


def _emoji_changed(event: SlackEvent) -> EventDraft:
    name = line(event.event.get("name"), 60)
    names = event.event.get("names")
    if not name and isinstance(names, list) and names:
        name = line(names[0], 60)
    shown = f":{name}:" if name else "An emoji"
    verb = {"add": "was added", "remove": "was removed", "rename": "was renamed"}.get(
        event.subtype or "", "changed"
    )
    return event.draft(f"Custom emoji {shown} {verb}")


def _generic(event: SlackEvent) -> EventDraft:
    words = spaced(event.kind)
    title = f"Slack {words}"
    if event.user or event.bot:
        title += f" by {event.who}"
    title += event.where
    short, summary = event.text()
    return event.draft(with_text(title, short), summary)


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


def envelope(document: dict[str, Any]) -> EventDraft:
    kind = document.get("type")
    if kind == "event_callback" or (kind is None and isinstance(document.get("event"), dict)):
        return _callback(document)
    if kind == "app_rate_limited":
        return _rate_limited(document)
    if kind == "url_verification":  # answered as a handshake; kept only if it ever arrives
        return EventDraft(type="url_verification", title="Slack checked the Request URL")
    name = line(kind, 60) or "unknown"
    team = slack_id(document.get("team_id"))
    return EventDraft(
        type=name,
        title=f"Slack sent {spaced(name)}" + (f" for workspace {team}" if team else ""),
        occurred_at=slack_time(document.get("event_time")),
        fields={"team_id": team} if team else {},
    )


def _callback(document: dict[str, Any]) -> EventDraft:
    event = SlackEvent(document)
    builder = BUILDERS.get(event.kind)
    if builder is not None:
        try:
            return builder(event)
        except Exception:
            logger.debug("slack %s: specific title failed", event.type, exc_info=True)
    return _generic(event)


def _rate_limited(document: dict[str, Any]) -> EventDraft:
    team = slack_id(document.get("team_id"))
    app = slack_id(document.get("api_app_id"))
    since = slack_time(document.get("minute_rate_limited"))
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
