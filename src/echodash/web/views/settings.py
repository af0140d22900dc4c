"""Settings pages: the workspace (retention) and personal API tokens.

Members and invitations live in `settings_members`, notifications and the digest in
`settings_notifications`; the helpers every settings page shares are here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.crypto import hash_token, new_api_token
from echodash.web.once import cleared, show_once, take_once
from echodash.web.pages import page, require_viewer
from echodash.web.params import path_id
from echodash.web.responses import ApiError, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form
from echodash.workspaces import (
    MAX_NAME,
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    retention_days,
    workspace_name,
)

MAX_TOKEN_NAME = 80

# `?done=…` after a successful form: fixed sentences only, never the query's own text.
NOTICES = {
    "retention": "Retention saved.",
    "renamed": "Workspace renamed.",
    "uninvited": "Invitation withdrawn: its link no longer works.",
    "role": "Role changed.",
    "removed": "Member removed.",
    "revoked": "Token revoked. It no longer works.",
    "notify": "Browser notification choices saved.",
    "digest": "Digest settings saved.",
    "services": "Services saved: alerts name changes across linked services from now on.",
    "metrics": "Metric settings saved.",
    "metrics-relabel": "Metric settings saved. Incidents are being worked out again for the new "
    "label, in the background: delivery numbers follow in a few seconds.",
}


def notice_of(request: Request) -> str:
    return NOTICES.get(request.query_params.get("done", ""), "")


async def settings_page(
    request: Request, viewer: Viewer, template: str, tab: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A settings page: the layout with the settings tabs, a notice and an error line."""
    defaults: dict[str, Any] = {"tab": tab, "notice": notice_of(request), "error": ""}
    return await page(request, viewer, template, "settings", status, **{**defaults, **context})


# Workspace: name and retention
async def _workspace_page(
    request: Request, viewer: Viewer, status: int = 200, **context: Any
) -> HTMLResponse:
    workspace = await services(request).store.get_workspace(viewer.workspace_id)
    if workspace is None:
        raise ApiError(404, "not_found", "This workspace no longer exists.")
    defaults: dict[str, Any] = {
        "workspace": workspace,
        "min_days": MIN_RETENTION_DAYS,
        "max_days": MAX_RETENTION_DAYS,
        "days_value": workspace.retention_days or "",
        "name_value": workspace.name,
        "max_name": MAX_NAME,
    }
    return await settings_page(
        request, viewer, "settings_workspace.html", "workspace", status, **{**defaults, **context}
    )


async def workspace_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    return await _workspace_page(request, viewer)


async def rename_workspace(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("rename the workspace")
    raw = form.get("name", "")
    try:
        name = workspace_name(raw)
    except ValueError:
        problem = f"A workspace name is 1 to {MAX_NAME} characters."
        return await _workspace_page(request, viewer, 400, error=problem, name_value=raw[:200])
    if await services(request).store.rename_workspace(viewer.workspace_id, name) is None:
        raise ApiError(404, "not_found", "This workspace no longer exists.")
    return see_other("/settings?done=renamed")


async def save_retention(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("change how long events are kept")
    days: int | None = None
    if form.get("keep") != "forever":
        raw = form.get("days", "").strip()
        problem = ""
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
            problem = "Enter the number of days to keep events, or choose to keep them forever."
        else:
            try:
                days = retention_days(int(raw))
            except ValueError:
                problem = (
                    f"Keep events between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS} days. "
                    f"Senders retry for days, so EchoDash remembers deliveries at least "
                    f"{MIN_RETENTION_DAYS} days to recognise a late retry."
                )
        if problem:
            return await _workspace_page(request, viewer, 400, error=problem, days_value=raw[:12])
    if await services(request).store.set_retention(viewer.workspace_id, days) is None:
        raise ApiError(404, "not_found", "This workspace no longer exists.")
    return see_other("/settings?done=retention")


# Personal API tokens
async def _tokens_page(
    request: Request, viewer: Viewer, status: int = 200, **context: Any
) -> HTMLResponse:
    store = services(request).store
    tokens = await store.list_tokens(viewer.workspace_id)
    names = {user.id: user.name for user, _ in await store.members(viewer.workspace_id)}
    defaults: dict[str, Any] = {
        "tokens": tokens,
        "owners": names,
        "new_token": "",
        "new_token_name": "",
        "name_value": "",
        "max_name": MAX_TOKEN_NAME,
    }
    return await settings_page(
        request, viewer, "settings_tokens.html", "tokens", status, **{**defaults, **context}
    )


async def tokens_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    once = take_once(request, viewer)
    answer = await _tokens_page(
        request,
        viewer,
        new_token=once.get("token", ""),
        new_token_name=once.get("name", ""),
    )
    return cleared(request, answer)


async def create_token(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    name = form.get("name", "").strip()
    if not name or len(name) > MAX_TOKEN_NAME:
        return await _tokens_page(
            request,
            viewer,
            400,
            error=f"Give the token a name of 1 to {MAX_TOKEN_NAME} characters, "
            "e.g. where it will be used.",
            name_value=name[:200],
        )
    token = new_api_token()
    await services(request).store.create_user_token(
        viewer.workspace_id, viewer.user.id, name, hash_token(token), viewer.role
    )
    # Shown on the next view of the tokens page only; the store keeps just its hash.
    answer = see_other("/settings/tokens")
    show_once(request, answer, viewer, "/settings/tokens", {"token": token, "name": name})
    return answer


async def revoke_token(request: Request) -> Response:
    viewer = await require_viewer(request)
    await viewer_form(request, viewer)
    token_id = path_id(request, "token_id", "No such token in this workspace.")
    svc = services(request)
    # Admins revoke any token of the workspace; everyone else only their own.
    owner = None if viewer.is_admin else viewer.user.id
    if not await svc.store.revoke_token(viewer.workspace_id, token_id, owner):
        raise ApiError(404, "not_found", "No such token of yours in this workspace.")
    svc.bus.access_changed(viewer.workspace_id)  # streams opened with it end now
    return see_other("/settings/tokens?done=revoked")
