"""Slack titles for the workspace: channels, members, the app's install and tokens, emoji,
user groups, and the envelopes that are not events (rate limits, the URL check)."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Severity
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import plural
from echodash.sources.kit.titles import TitleBook
from echodash.sources.slack.reader import SlackEvent, slack_id, slack_time

TITLES: TitleBook[SlackEvent] = TitleBook()
builds = TITLES.builds
_CONFIG = Category.CONFIG


# ---- channels --------------------------------------------------------------------------------


def _named(e: SlackEvent) -> str:
    name = line(e.get("event.channel.name"), 80)
    return f"#{name}" if name else (f"#{e.channel}" if e.channel else "a channel")


@builds("channel_created", "group_open")
def _channel_created(e: SlackEvent) -> EventDraft:
    if e.kind == "group_open":
        return e.draft(f"{e.who} opened private channel{e.place}", category=_CONFIG)
    return e.draft(f"{e.who} created channel {_named(e)}", category=_CONFIG)


@builds("channel_rename", "channel_renamed", "group_rename")
def _channel_rename(e: SlackEvent) -> EventDraft:
    name = line(e.get("event.channel.name"), 80)
    old = f"#{e.channel}" if e.channel else "A channel"
    title = f"{old} was renamed to #{name}" if name else f"{old} was renamed"
    return e.draft(title, category=_CONFIG)


@builds("channel_archive", "channel_unarchive", "group_archive", "group_unarchive")
def _channel_archive(e: SlackEvent) -> EventDraft:
    verb = "unarchived" if e.kind.endswith("unarchive") else "archived"
    where = f"#{e.channel}" if e.channel else "a channel"
    if e.user:
        return e.draft(f"{e.who} {verb} {where}", category=_CONFIG)
    return e.draft(f"{where[0].upper()}{where[1:]} was {verb}", category=_CONFIG)


@builds("channel_deleted", "group_deleted")
def _channel_deleted(e: SlackEvent) -> EventDraft:
    where = f"#{e.channel}" if e.channel else "A channel"
    return e.draft(f"{where} was deleted", severity=Severity.WARNING, category=_CONFIG)


@builds("channel_left", "group_left")
def _channel_left(e: SlackEvent) -> EventDraft:
    return e.draft(f"The app was removed from{e.place}", category=_CONFIG)


@builds("channel_id_changed")
def _channel_id_changed(e: SlackEvent) -> EventDraft:
    old = slack_id(e.event.get("old_channel_id"))
    new = slack_id(e.event.get("new_channel_id"))
    title = f"Channel #{old} is now #{new}" if old and new else "A channel's id changed"
    return e.draft(title, category=_CONFIG, fields={"old_channel": old, "new_channel": new})


# ---- people ----------------------------------------------------------------------------------


@builds("member_joined_channel", "member_left_channel")
def _member_channel(e: SlackEvent) -> EventDraft:
    if e.kind == "member_left_channel":
        return e.draft(f"{e.who} left{e.place}", category=Category.ACTIVITY)
    inviter = slack_id(e.event.get("inviter"))
    invited = f" (added by <@{inviter}>)" if inviter else ""
    return e.draft(
        f"{e.who} joined{e.place}{invited}",
        category=Category.ACTIVITY,
        fields={"inviter": inviter},
    )


def _person(e: SlackEvent) -> str:
    name = (
        line(e.get("event.user.real_name"), 80)
        or line(e.get("event.user.profile.real_name"), 80)
        or line(e.get("event.user.profile.display_name"), 80)
        or line(e.get("event.user.name"), 80)
    )
    if name and e.user:
        return f"{name} (<@{e.user}>)"
    return name or e.who


@builds("team_join")
def _team_join(e: SlackEvent) -> EventDraft:
    return e.draft(f"{_person(e)} joined the workspace", category=Category.SIGNUP)


@builds("user_change")
def _user_change(e: SlackEvent) -> EventDraft:
    if e.get("event.user.deleted") is True:
        title = f"{_person(e)} was deactivated"
        return e.draft(title, severity=Severity.WARNING, category=_CONFIG)
    return e.draft(f"{_person(e)} updated their profile", category=_CONFIG)


@builds("subteam_created", "subteam_updated")
def _subteam(e: SlackEvent) -> EventDraft:
    handle = line(e.get("event.subteam.handle"), 60)
    name = f"@{handle}" if handle else (line(e.get("event.subteam.name"), 80) or "a user group")
    verb = "created" if e.kind == "subteam_created" else "updated"
    by = slack_id(
        e.get("event.subteam.created_by" if verb == "created" else "event.subteam.updated_by")
    )
    return e.draft(
        f"User group {name} was {verb}" + (f" by <@{by}>" if by else ""), category=_CONFIG
    )


# ---- the workspace and the app ---------------------------------------------------------------


@builds("team_rename")
def _team_rename(e: SlackEvent) -> EventDraft:
    name = line(e.event.get("name"), 80)
    title = f"The workspace was renamed to {name}" if name else "The workspace was renamed"
    return e.draft(title, category=_CONFIG)


@builds("team_domain_change")
def _team_domain_change(e: SlackEvent) -> EventDraft:
    domain = line(e.event.get("domain"), 80)
    title = (
        f"The workspace's address is now {domain}.slack.com"
        if domain
        else "The workspace's address changed"
    )
    return e.draft(title, category=_CONFIG, fields={"url": line(e.event.get("url"), 200)})


@builds("emoji_changed")
def _emoji_changed(e: SlackEvent) -> EventDraft:
    name = line(e.event.get("name"), 60) or line(e.get("event.names.0"), 60)
    shown = f":{name}:" if name else "An emoji"
    verb = {"add": "was added", "remove": "was removed", "rename": "was renamed"}.get(
        e.subtype or "", "changed"
    )
    return e.draft(f"Custom emoji {shown} {verb}", category=_CONFIG)


@builds("app_uninstalled")
def _app_uninstalled(e: SlackEvent) -> EventDraft:
    team = f" from workspace {e.team}" if e.team else ""
    return e.draft(f"The app was uninstalled{team}", severity=Severity.WARNING, category=_CONFIG)


@builds("tokens_revoked")
def _tokens_revoked(e: SlackEvent) -> EventDraft:
    tokens = e.event.get("tokens")
    count = 0
    if isinstance(tokens, dict):
        count = sum(len(v) for v in tokens.values() if isinstance(v, list))
    what = plural(count, "token") if count else "Tokens"
    verb = "was" if count == 1 else "were"
    title = f"{what} of the app {verb} revoked"
    return e.draft(title, severity=Severity.WARNING, category=_CONFIG)


# ---- envelopes -------------------------------------------------------------------------------


@builds("app_rate_limited")
def _rate_limited(e: SlackEvent) -> EventDraft:
    since = slack_time(e.body.get("minute_rate_limited"))
    where = f" in workspace {e.team}" if e.team else ""
    when = f" since {since:%H:%M} UTC" if since else ""
    fields: dict[str, FieldValue] = {"api_app_id": slack_id(e.body.get("api_app_id"))}
    return e.draft(
        f"Slack is rate-limiting the app's events{where}{when}",
        summary=(
            "Slack drops events while an app receives more than 30,000 an hour from one "
            "workspace, or fails to answer too many deliveries."
        ),
        occurred_at=since,
        severity=Severity.WARNING,
        category=Category.ALERT,
        fields=fields,
    )


@builds("url_verification")
def _url_verification(e: SlackEvent) -> EventDraft:
    # Answered as a handshake; kept only if it ever arrives as a delivery.
    return e.draft("Slack checked the Request URL", category=_CONFIG)
