"""Slack titles for messages (by subtype), mentions, reactions, pins and files.

Titles show ids the way Slack writes them (`<@U123>`, `#C456`). A builder may assume the
usual payload shape: the base falls back to the generic line when one raises.
"""

from __future__ import annotations

import re
from typing import Any

from echodash.events import Category, EventDraft
from echodash.sources.kit.payload import line
from echodash.sources.kit.titles import TitleBook
from echodash.sources.slack.reader import (
    SUMMARY_TEXT,
    TITLE_TEXT,
    SlackEvent,
    slack_id,
    spaced,
    tidy,
    with_text,
)

TITLES: TitleBook[SlackEvent] = TitleBook()
builds = TITLES.builds
_ACTIVITY = Category.ACTIVITY
_CONFIG = Category.CONFIG


@TITLES.otherwise
def generic(e: SlackEvent) -> EventDraft:
    """An event without a title of its own: `Slack dnd updated user by <@U1> in #C1`."""
    if not e.callback:
        team = f" for workspace {e.team}" if e.team else ""
        return e.draft(f"Slack sent {spaced(e.kind)}{team}")
    title = f"Slack {spaced(e.kind)}"
    if e.user or e.bot:
        title += f" by {e.who}"
    short, summary = e.said()
    return e.draft(with_text(title + e.where, short), summary=summary)


def first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


# ---- messages --------------------------------------------------------------------------------


@builds("message")
def _message(e: SlackEvent) -> EventDraft:
    """A message, or one of a subtype without a title of its own."""
    short, summary = e.said()
    thread = e.event.get("thread_ts")
    if e.subtype:
        doing = f"posted ({spaced(e.subtype)})"
    elif isinstance(thread, str) and thread != e.event.get("ts"):
        doing = "replied in a thread"
    else:
        doing = "posted"
    return e.draft(
        with_text(f"{e.who} {doing}{e.where}", short), summary=summary, category=_ACTIVITY
    )


@builds("message.bot_message")
def _bot_message(e: SlackEvent) -> EventDraft:
    short, summary = e.said()
    if not short:
        short = tidy(e.get("event.attachments.0.fallback"), TITLE_TEXT)
    return e.draft(
        with_text(f"{e.who} posted{e.where}", short), summary=summary, category=_ACTIVITY
    )


@builds("message.message_changed")
def _message_changed(e: SlackEvent) -> EventDraft:
    short, summary = e.said("event.message.text")
    title = with_text(f"{e.who} edited a message{e.where}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("message.message_deleted")
def _message_deleted(e: SlackEvent) -> EventDraft:
    author = slack_id(e.get("event.previous_message.user"))
    by = f" by <@{author}>" if author else ""
    short, summary = e.said("event.previous_message.text")
    title = with_text(f"A message{by} was deleted{e.where}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY, fields={"user": author})


@builds("message.message_replied")
def _message_replied(e: SlackEvent) -> EventDraft:
    replies = e.get("event.message.reply_count")
    count = f" ({replies} replies)" if isinstance(replies, int) and replies > 1 else ""
    short, summary = e.said("event.message.text")
    title = with_text(f"A thread{e.where} got a reply{count}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("message.channel_join", "message.group_join")
def _channel_join(e: SlackEvent) -> EventDraft:
    inviter = slack_id(e.event.get("inviter"))
    invited = f" (invited by <@{inviter}>)" if inviter else ""
    return e.draft(f"{e.who} joined{e.place}{invited}", category=_ACTIVITY)


@builds("message.channel_leave", "message.group_leave")
def _channel_leave(e: SlackEvent) -> EventDraft:
    return e.draft(f"{e.who} left{e.place}", category=_ACTIVITY)


@builds("message.channel_topic", "message.group_topic")
def _channel_topic(e: SlackEvent) -> EventDraft:
    topic = tidy(e.event.get("topic"), TITLE_TEXT)
    return e.draft(with_text(f"{e.who} set the topic of{e.place}", topic), category=_CONFIG)


@builds("message.channel_purpose", "message.group_purpose")
def _channel_purpose(e: SlackEvent) -> EventDraft:
    purpose = tidy(e.event.get("purpose"), TITLE_TEXT)
    return e.draft(with_text(f"{e.who} set the purpose of{e.place}", purpose), category=_CONFIG)


@builds("message.channel_name", "message.group_name")
def _channel_name(e: SlackEvent) -> EventDraft:
    name = line(e.event.get("name"), 80)
    to = f" to #{name}" if name else ""
    return e.draft(f"{e.who} renamed{e.place}{to}", category=_CONFIG)


@builds("message.channel_archive", "message.group_archive")
def _archive_message(e: SlackEvent) -> EventDraft:
    return e.draft(f"{e.who} archived{e.place}", category=_CONFIG)


@builds("message.file_share")
def _file_share(e: SlackEvent) -> EventDraft:
    short, summary = e.said()
    named = line(e.get("event.files.0.name"), 80) or line(e.get("event.files.0.title"), 80)
    what = f"a file ({named})" if named else "a file"
    title = with_text(f"{e.who} shared {what}{e.where}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("message.me_message")
def _me_message(e: SlackEvent) -> EventDraft:
    short, summary = e.said()
    title = f"{e.who} {short}" if short else f"{e.who} posted a /me"
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("message.thread_broadcast")
def _thread_broadcast(e: SlackEvent) -> EventDraft:
    short, summary = e.said()
    title = with_text(f"{e.who} replied to a thread and sent it to{e.place}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("message.pinned_item")
def _pinned_item(e: SlackEvent) -> EventDraft:
    return e.draft(f"{e.who} pinned an item{e.where}", category=_ACTIVITY)


# ---- mentions, reactions, pins, files, links -------------------------------------------------


@builds("app_mention")
def _app_mention(e: SlackEvent) -> EventDraft:
    raw = e.event.get("text")
    # The app's own mention opens the text: the title says that already.
    rest = re.sub(r"^\s*<@[^<>]{1,60}>\s*", "", raw) if isinstance(raw, str) else raw
    short = tidy(rest, TITLE_TEXT) or tidy(raw, TITLE_TEXT)
    title = with_text(f"{e.who} mentioned the app{e.where}", short)
    return e.draft(title, summary=tidy(raw, SUMMARY_TEXT), category=_ACTIVITY)


_ITEMS = {"file": "a file", "file_comment": "a file comment"}


@builds("reaction_added", "reaction_removed")
def _reaction(e: SlackEvent) -> EventDraft:
    emoji = line(e.event.get("reaction"), 60)
    shown = f" :{emoji}:" if emoji else ""
    author = slack_id(e.event.get("item_user"))
    item_type = e.get("event.item.type")
    thing = _ITEMS.get(item_type if isinstance(item_type, str) else "", "a message")
    if author:
        thing += f" by <@{author}>"
    if e.kind == "reaction_removed":
        title = f"{e.who} removed{shown or ' a reaction'} from {thing}{e.where}"
    else:
        title = f"{e.who} reacted{shown} to {thing}{e.where}"
    return e.draft(title, category=_ACTIVITY, fields={"item_user": author})


@builds("pin_added", "pin_removed")
def _pin(e: SlackEvent) -> EventDraft:
    short, summary = e.said("event.item.message.text")
    verb = "unpinned" if e.kind == "pin_removed" else "pinned"
    thing = "a file" if e.get("event.item.type") == "file" else "a message"
    title = with_text(f"{e.who} {verb} {thing}{e.where}", short)
    return e.draft(title, summary=summary, category=_ACTIVITY)


@builds("star_added", "star_removed")
def _star(e: SlackEvent) -> EventDraft:
    verb = "unsaved" if e.kind == "star_removed" else "saved"
    item_type = e.get("event.item.type")
    thing = _ITEMS.get(item_type if isinstance(item_type, str) else "", "a message")
    return e.draft(f"{e.who} {verb} {thing}{e.where}", category=_ACTIVITY)


_FILE_VERBS = {
    "file_shared": "shared",
    "file_created": "created",
    "file_public": "made public",
    "file_unshared": "unshared",
    "file_change": "changed",
}


@builds(*_FILE_VERBS, "file_deleted")
def _file(e: SlackEvent) -> EventDraft:
    file_id = slack_id(e.event.get("file_id")) or slack_id(e.event.get("file"))
    what = f"file {file_id}" if file_id else "a file"
    if e.kind == "file_deleted":
        title = f"{what[0].upper()}{what[1:]} was deleted"
    else:
        title = f"{e.who} {_FILE_VERBS.get(e.kind, 'changed')} {what}{e.where}"
    return e.draft(title, category=_ACTIVITY, fields={"file": file_id})


@builds("link_shared")
def _link_shared(e: SlackEvent) -> EventDraft:
    links = e.event.get("links")
    count = len(links) if isinstance(links, list) else 0
    domain = line(e.get("event.links.0.domain"), 80)
    what = f"a link to {domain}" if count == 1 and domain else f"{count or 'some'} links"
    return e.draft(f"{e.who} shared {what}{e.where}", category=_ACTIVITY)


@builds("app_home_opened")
def _app_home_opened(e: SlackEvent) -> EventDraft:
    tab = e.event.get("tab")
    which = "Messages" if tab == "messages" else "Home"
    # The channel is the user's direct message with the app: no place worth naming.
    title = f"{e.who} opened the app's {which} tab"
    return e.draft(title, category=_ACTIVITY, fields={"tab": line(tab, 40)})
