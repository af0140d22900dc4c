"""Slack titles for the app itself: its install and access (tokens, scopes, workspaces,
requests), what it is asked to do (functions, assistant threads, message metadata), and
the envelopes that are not events (rate limits, the URL check)."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Severity
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import plural
from echodash.sources.kit.titles import TitleBook
from echodash.sources.slack.reader import SlackEvent, slack_id, slack_time

TITLES: TitleBook[SlackEvent] = TitleBook()
builds = TITLES.builds
_CONFIG = Category.CONFIG


# ---- the app's install and access ------------------------------------------------------------


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


@builds("app_installed", "app_deleted")
def _app_installed(e: SlackEvent) -> EventDraft:
    app = line(e.event.get("app_name"), 80) or slack_id(e.event.get("app_id")) or "an app"
    if e.kind == "app_deleted":
        return e.draft(f"App {app} was deleted", severity=Severity.WARNING, category=_CONFIG)
    return e.draft(f"App {app} was installed", category=_CONFIG)


@builds("app_requested")
def _app_requested(e: SlackEvent) -> EventDraft:
    app = line(e.get("event.app_request.app.name"), 80) or "an app"
    user = slack_id(e.get("event.app_request.user.id"))
    who = f"<@{user}>" if user else "Someone"
    return e.draft(f"{who} asked to install {app}", category=_CONFIG)


@builds("scope_granted", "scope_denied")
def _scopes(e: SlackEvent) -> EventDraft:
    scopes = e.event.get("scopes")
    names = [s for s in scopes[:10] if isinstance(s, str)] if isinstance(scopes, list) else []
    shown = f": {', '.join(names)}" if names else ""
    if e.kind == "scope_denied":
        return e.draft(
            f"The app was denied scopes{shown}", severity=Severity.WARNING, category=_CONFIG
        )
    return e.draft(f"The app was granted scopes{shown}", category=_CONFIG)


@builds("team_access_granted", "team_access_revoked")
def _team_access(e: SlackEvent) -> EventDraft:
    teams = e.event.get("team_ids")
    count = len(teams) if isinstance(teams, list) else 0
    what = plural(count, "workspace") if count else "workspaces"
    if e.kind == "team_access_revoked":
        title = f"The app lost access to {what}"
        return e.draft(title, severity=Severity.WARNING, category=_CONFIG)
    return e.draft(f"The app was given access to {what}", category=_CONFIG)


# ---- what the app is asked to do -------------------------------------------------------------


@builds("function_executed")
def _function_executed(e: SlackEvent) -> EventDraft:
    name = line(e.get("event.function.title"), 80) or line(e.get("event.function.callback_id"), 80)
    what = f"function {name}" if name else "a function"
    return e.draft(
        f"A workflow called the app's {what}",
        category=Category.ACTIVITY,
        fields={"execution": line(e.event.get("function_execution_id"), 80)},
    )


@builds("assistant_thread_started", "assistant_thread_context_changed")
def _assistant_thread(e: SlackEvent) -> EventDraft:
    user = slack_id(e.get("event.assistant_thread.user_id"))
    who = f"<@{user}>" if user else "Someone"
    if e.kind == "assistant_thread_started":
        title = f"{who} started a thread with the app's assistant"
    else:
        title = f"{who} moved the assistant thread to another channel"
    return e.draft(title, category=Category.ACTIVITY)


@builds("message_metadata_posted", "message_metadata_updated", "message_metadata_deleted")
def _message_metadata(e: SlackEvent) -> EventDraft:
    kind = line(e.get("event.metadata.event_type"), 80) or line(
        e.get("event.previous_metadata.event_type"), 80
    )
    verb = e.kind.rsplit("_", 1)[-1]
    channel = slack_id(e.event.get("channel_id"))
    where = f" in #{channel}" if channel else ""
    what = f"metadata {kind}" if kind else "message metadata"
    return e.draft(f"An app {verb} {what}{where}", category=Category.ACTIVITY)


@builds("call_rejected")
def _call_rejected(e: SlackEvent) -> EventDraft:
    return e.draft(f"{e.who} declined a call from the app", category=Category.ACTIVITY)


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
