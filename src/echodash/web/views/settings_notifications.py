"""Settings: browser notifications, the e-mail digest, and a preview of the next digest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.digest.job import SETTING_KEY as DIGEST_KEY
from echodash.digest.job import preview_digest
from echodash.digest.subscription import (
    FREQUENCIES,
    OUTCOME_CHOICES,
    SEVERITY_CHOICES,
    Subscription,
)
from echodash.events import utcnow
from echodash.store.base import EventFilter
from echodash.web.notify_prefs import KEY as NOTIFY_KEY
from echodash.web.notify_prefs import BrowserChoices
from echodash.web.pages import SECURITY_HEADERS, page, require_viewer
from echodash.web.responses import ApiError, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form
from echodash.web.views.settings import settings_page

RECENT_EVENTS = 300
MAX_CHOICES = 500
MAX_CHOICE_LENGTH = 200


async def _notifications_page(
    request: Request, viewer: Viewer, status: int = 200, **context: Any
) -> HTMLResponse:
    svc = services(request)
    store = svc.store
    ws, me = viewer.workspace_id, viewer.user.id
    browser = BrowserChoices.from_json(await store.get_setting(ws, me, NOTIFY_KEY))
    try:
        digest = Subscription.from_json(await store.get_setting(ws, me, DIGEST_KEY))
    except ValueError:
        digest = Subscription("off")
    endpoints = await store.list_endpoints(ws)
    recent = await store.list_events(ws, EventFilter(), RECENT_EVENTS)
    sources = sorted({e.kind for e in endpoints} | set(browser.sources) | set(digest.sources))
    types = sorted(
        {f"{e.source}:{e.type}" for e in recent} | set(browser.types) | set(digest.types)
    )
    defaults: dict[str, Any] = {
        "sources": sources,
        "types": types,
        "browser": browser,
        "digest": digest,
        "frequency": digest.frequency,
        "frequencies": FREQUENCIES,
        "severity_choices": SEVERITY_LABELS,
        # Failures first: "failed deploys only" is what most people come for.
        "outcome_choices": sorted(OUTCOME_CHOICES, key=lambda o: o != "failure"),
        "last_sent_at": digest.last_sent_at,
        "smtp_configured": bool(svc.settings.smtp_host),
    }
    return await settings_page(
        request,
        viewer,
        "settings_notifications.html",
        "notifications",
        status,
        **{**defaults, **context},
    )


SEVERITY_LABELS = (
    ("", "Any severity"),
    ("warning+", "Warning or worse"),
    ("error+", "Error or worse"),
    ("critical", "Critical only"),
)


async def notifications_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    return await _notifications_page(request, viewer)


@dataclass(frozen=True, slots=True)
class Chosen:
    sources: tuple[str, ...]
    types: tuple[str, ...]
    severity: str
    outcomes: tuple[str, ...]
    replays: bool


async def _chosen(request: Request) -> Chosen | str:
    """What a notifications form ticked and chose, or what is wrong with it."""
    form = await request.form()  # read (and CSRF-checked) by viewer_form already
    sources = [v for v in form.getlist("sources") if isinstance(v, str) and v]
    types = [v for v in form.getlist("types") if isinstance(v, str) and v]
    outcomes = [v for v in form.getlist("outcomes") if isinstance(v, str) and v]
    if len(sources) + len(types) > MAX_CHOICES:
        return f"Choose at most {MAX_CHOICES} sources and types."
    if any(len(v) > MAX_CHOICE_LENGTH for v in sources + types):
        return "One of the chosen names is too long."
    for fingerprint in types:
        source, _, kind = fingerprint.partition(":")
        if not source or not kind:
            return f"Event types look like source:type (github:push), not {fingerprint!r}."
    severity = form.get("severity", "")
    if severity not in SEVERITY_CHOICES:
        return "Choose a severity from the list."
    if any(o not in OUTCOME_CHOICES for o in outcomes):
        return "Choose outcomes from the list."
    return Chosen(
        tuple(dict.fromkeys(sources)),
        tuple(dict.fromkeys(types)),
        str(severity),
        tuple(dict.fromkeys(outcomes)),
        form.get("replays") == "on",
    )


async def save_browser_notifications(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    chosen = await _chosen(request)
    if isinstance(chosen, str):
        return await _notifications_page(request, viewer, 400, error=chosen)
    choices = BrowserChoices(
        form.get("enabled") == "on",
        chosen.sources,
        chosen.types,
        chosen.severity,
        chosen.outcomes,
    )
    await services(request).store.put_setting(
        viewer.workspace_id, viewer.user.id, NOTIFY_KEY, choices.to_json()
    )
    return see_other("/settings/notifications?done=notify")


async def save_digest(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    frequency = form.get("frequency", "")
    if frequency not in FREQUENCIES:
        return await _notifications_page(
            request, viewer, 400, error="Choose how often the digest comes: off, daily or weekly."
        )
    chosen = await _chosen(request)
    if isinstance(chosen, str):
        return await _notifications_page(request, viewer, 400, error=chosen)
    store = services(request).store
    try:
        last_sent_at = Subscription.from_json(
            await store.get_setting(viewer.workspace_id, viewer.user.id, DIGEST_KEY)
        ).last_sent_at
    except ValueError:
        last_sent_at = None
    sub = Subscription(
        str(frequency),
        chosen.sources,
        chosen.types,
        last_sent_at,
        chosen.severity,
        chosen.outcomes,
        chosen.replays,
    )
    await store.put_setting(viewer.workspace_id, viewer.user.id, DIGEST_KEY, sub.to_json())
    return see_other("/settings/notifications?done=digest")


async def digest_preview(request: Request) -> Response:
    viewer = await require_viewer(request)
    svc = services(request)
    preview = await preview_digest(
        svc.store, viewer.workspace_id, viewer.user.id, svc.settings.base_url, utcnow()
    )
    if preview is None:
        raise ApiError(404, "not_found", "There is no digest to preview in this workspace.")
    subject, text, html = preview
    response = await page(
        request,
        viewer,
        "settings_digest_preview.html",
        "settings",
        tab="notifications",
        notice="",
        error="",
        subject=subject,
        text=text,
        html=html,
        smtp_configured=bool(svc.settings.smtp_host),
    )
    # The e-mail is styled inline; its sandboxed frame (no scripts, no same origin) inherits
    # this page's policy, so inline styles are allowed here and only here.
    response.headers["Content-Security-Policy"] = SECURITY_HEADERS[
        "Content-Security-Policy"
    ].replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return response
