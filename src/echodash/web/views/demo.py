"""The demo company from the web UI: "Load demo data" on an empty workspace's feed and
"Remove demo data" on the demo banner, both for admins, both CSRF-checked forms."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from echodash.demo.fill import DemoError, is_loaded, load_demo
from echodash.web.pages import require_viewer
from echodash.web.responses import ApiError, services
from echodash.web.views.forms import see_other, viewer_form

log = logging.getLogger("echodash.demo")


async def load(request: Request) -> Response:
    viewer = await require_viewer(request)
    await viewer_form(request, viewer)
    viewer.require_admin("load the demo data")
    svc = services(request)
    try:
        report, _, _ = await load_demo(
            svc.store, svc.box, request.app.state.entry, viewer.workspace_id
        )
    except DemoError as exc:
        raise ApiError(409, "demo_loaded", str(exc)) from None
    log.info(
        "demo data loaded into workspace %s: %s deliveries, %s custom events in %.1f s",
        viewer.workspace_id,
        report.deliveries,
        report.custom_events,
        report.seconds,
    )
    return see_other("/")


async def remove(request: Request) -> Response:
    viewer = await require_viewer(request)
    await viewer_form(request, viewer)
    viewer.require_admin("remove the demo data")
    svc = services(request)
    if not await is_loaded(svc.store, viewer.workspace_id):
        raise ApiError(404, "no_demo", "This workspace has no demo data.")
    removed = await svc.store.remove_demo(viewer.workspace_id)
    log.info("demo data removed from workspace %s: %s", viewer.workspace_id, removed)
    return see_other("/")
