"""Settings → Services: which services are one (a repository, its Cloudflare zone, its Vercel
project), so an alert on one names a deploy of another as a suspect.

The list is checked as `PUT /api/v1/services` checks it (`check_services`); replacing it is a
workspace setting, for admins; everyone reads it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.store.base import EventFilter
from echodash.web.api.linked_services import MAX_SERVICES, check_services
from echodash.web.pages import require_viewer
from echodash.web.responses import ApiError, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form
from echodash.web.views.settings import settings_page

EMPTY_ROWS = 3
SAMPLE = 300  # newest events whose services are offered as examples


async def _page(
    request: Request,
    viewer: Viewer,
    rows: list[tuple[str, str]],
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    recent = await services(request).store.list_events(viewer.workspace_id, EventFilter(), SAMPLE)
    seen = sorted({e.service for e in recent if e.service})
    shown = rows + [("", "")] * EMPTY_ROWS
    return await settings_page(
        request,
        viewer,
        "settings_services.html",
        "services",
        status,
        rows=[(i, name, members) for i, (name, members) in enumerate(shown)],
        seen=seen,
        **context,
    )


async def services_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    linked = await services(request).store.get_services(viewer.workspace_id)
    rows = [(s["name"], ", ".join(s["members"])) for s in linked]
    return await _page(request, viewer, rows)


async def save_services(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin("link services")
    form = await viewer_form(request, viewer)
    rows: list[tuple[str, str]] = []
    for i in range(MAX_SERVICES + EMPTY_ROWS):
        name = form.get(f"name_{i}", "").strip()
        members = form.get(f"members_{i}", "").strip()
        if name or members:
            rows.append((name, members))
    body = {
        "services": [
            {"name": name, "members": [m.strip() for m in members.split(",") if m.strip()]}
            for name, members in rows
        ]
    }
    try:
        linked = check_services(body)
    except ApiError as exc:
        return await _page(request, viewer, rows, 400, error=exc.detail)
    await services(request).store.put_services(viewer.workspace_id, linked)
    return see_other("/settings/services?done=services")
