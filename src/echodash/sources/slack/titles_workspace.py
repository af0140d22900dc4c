"""Slack titles for the workspace: channels (shared ones too), direct messages, people and
their status, user groups, the workspace's name, domains and emoji."""

from __future__ import annotations

from echodash.events import Category, EventDraft, Severity
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import plural
from echodash.sources.kit.titles import TitleBook
from echodash.sources.slack.reader import TITLE_TEXT, SlackEvent, slack_id, tidy

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


@builds("email_domain_changed")
def _email_domain_changed(e: SlackEvent) -> EventDraft:
    domain = line(e.event.get("email_domain"), 200)
    title = (
        f"The workspace's email domains are now {domain}"
        if domain
        else "The workspace's email domains changed"
    )
    return e.draft(title, category=_CONFIG)


@builds("grid_migration_started", "grid_migration_finished")
def _grid_migration(e: SlackEvent) -> EventDraft:
    grid = slack_id(e.event.get("enterprise_id"))
    verb = "started" if e.kind.endswith("started") else "finished"
    to = f" Enterprise Grid {grid}" if grid else " an Enterprise Grid"
    return e.draft(f"The workspace {verb} moving to{to}", category=_CONFIG)


# ---- shared channels and direct messages -----------------------------------------------------


@builds("channel_shared", "channel_unshared")
def _channel_shared(e: SlackEvent) -> EventDraft:
    where = f"#{e.channel}" if e.channel else "A channel"
    if e.kind == "channel_shared":
        other = slack_id(e.event.get("connected_team_id"))
        title = (
            f"{where} is now shared with workspace {other}" if other else f"{where} is now shared"
        )
    else:
        other = slack_id(e.event.get("previously_connected_team_id"))
        title = f"{where} is no longer shared" + (f" with workspace {other}" if other else "")
    return e.draft(title, category=_CONFIG, fields={"other_team": other})


_INVITES = {"accepted": "accepted", "approved": "approved", "declined": "declined",
            "received": "received"}  # fmt: skip


@builds(*(f"shared_channel_invite_{verb}" for verb in _INVITES))
def _shared_invite(e: SlackEvent) -> EventDraft:
    verb = _INVITES[e.kind.rsplit("_", 1)[-1]]
    name = line(e.get("event.channel.name"), 80) or line(e.get("event.invite.channel.name"), 80)
    where = f"#{name}" if name else _named(e)
    inviter = line(e.get("event.invite.inviting_team.name"), 80)
    by = f" from {inviter}" if inviter and verb == "received" else ""
    severity = Severity.WARNING if verb == "declined" else Severity.INFO
    return e.draft(
        f"An invitation to share {where}{by} was {verb}", severity=severity, category=_CONFIG
    )


@builds("channel_history_changed", "group_history_changed", "im_history_changed")
def _history_changed(e: SlackEvent) -> EventDraft:
    where = f"#{e.channel}" if e.channel else "A conversation"
    return e.draft(f"Many messages of {where} changed at once", category=Category.ACTIVITY)


@builds("group_close")
def _group_close(e: SlackEvent) -> EventDraft:
    return e.draft(f"{e.who} closed private channel{e.place}", category=_CONFIG)


@builds("im_created", "im_open", "im_close")
def _direct_message(e: SlackEvent) -> EventDraft:
    verb = {"im_created": "started", "im_open": "opened", "im_close": "closed"}[e.kind]
    return e.draft(f"{e.who} {verb} a direct message with the app", category=Category.ACTIVITY)


# ---- what people are doing -------------------------------------------------------------------


@builds("user_status_changed")
def _user_status_changed(e: SlackEvent) -> EventDraft:
    emoji = line(e.get("event.user.profile.status_emoji"), 60)
    status = tidy(e.get("event.user.profile.status_text"), TITLE_TEXT)
    shown = " ".join(part for part in (emoji, status) if part)
    title = f"{_person(e)} set their status" + (f": {shown}" if shown else "")
    if not shown:
        title = f"{_person(e)} cleared their status"
    return e.draft(title, category=Category.ACTIVITY)


@builds("user_huddle_changed")
def _user_huddle_changed(e: SlackEvent) -> EventDraft:
    state = e.get("event.user.profile.huddle_state")
    doing = "joined a huddle" if state == "in_a_huddle" else "left a huddle"
    return e.draft(f"{_person(e)} {doing}", category=Category.ACTIVITY)


@builds("user_profile_changed")
def _user_profile_changed(e: SlackEvent) -> EventDraft:
    return e.draft(f"{_person(e)} updated their profile", category=_CONFIG)


@builds("dnd_updated", "dnd_updated_user")
def _dnd_updated(e: SlackEvent) -> EventDraft:
    enabled = e.get("event.dnd_status.dnd_enabled")
    snoozed = e.get("event.dnd_status.snooze_enabled") is True
    if snoozed:
        doing = "paused notifications"
    elif enabled is True:
        doing = "scheduled Do Not Disturb"
    else:
        doing = "turned Do Not Disturb off"
    return e.draft(f"{e.who} {doing}", category=Category.ACTIVITY)


@builds("invite_requested")
def _invite_requested(e: SlackEvent) -> EventDraft:
    email = line(e.get("event.invite_request.email"), 120)
    by = line(e.get("event.invite_request.requester_id"), 40)
    who = f"<@{by}>" if by and slack_id(by) else "Someone"
    title = f"{who} asked to invite {email}" if email else f"{who} asked to invite someone"
    return e.draft(title, category=Category.SIGNUP)


@builds("subteam_members_changed")
def _subteam_members(e: SlackEvent) -> EventDraft:
    group = slack_id(e.event.get("subteam_id")) or "a user group"
    added, removed = e.get("event.added_users_count"), e.get("event.removed_users_count")
    parts = []
    if isinstance(added, int) and added:
        parts.append(f"{plural(added, 'member')} added")
    if isinstance(removed, int) and removed:
        parts.append(f"{plural(removed, 'member')} removed")
    changes = ", ".join(parts) or "members changed"
    return e.draft(f"User group {group}: {changes}", category=_CONFIG)


@builds("subteam_self_added", "subteam_self_removed")
def _subteam_self(e: SlackEvent) -> EventDraft:
    group = slack_id(e.event.get("subteam_id")) or "a user group"
    verb = "added to" if e.kind.endswith("added") else "removed from"
    return e.draft(f"The app was {verb} user group {group}", category=_CONFIG)
