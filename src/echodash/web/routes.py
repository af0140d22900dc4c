"""Every route of EchoDash, in one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from echodash.web import health, ingest
from echodash.web.api import endpoints, events, stream, workspace
from echodash.web.openapi import openapi
from echodash.web.pages import STATIC_DIR
from echodash.web.views import accounts, event, feed

Handler = Callable[[Request], Awaitable[Response]]


def methods(path: str, **handlers: Handler) -> Route:
    """One route per path, so a wrong method's 405 lists every allowed one in `Allow`."""
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])

    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return Route(path, dispatch, methods=list(handlers))


routes = [
    Route("/in/{slug}", ingest.ReceiveEndpoint(), methods=["POST"]),
    methods("/healthz", GET=health.healthz),
    methods("/metrics", GET=health.metrics),
    methods("/api/openapi.json", GET=openapi),
    methods("/api/v1/endpoints", GET=endpoints.list_endpoints, POST=endpoints.create_endpoint),
    methods(
        "/api/v1/endpoints/{endpoint_id}",
        GET=endpoints.get_endpoint,
        PATCH=endpoints.update_endpoint,
        DELETE=endpoints.delete_endpoint,
    ),
    methods("/api/v1/endpoints/{endpoint_id}/secrets", POST=endpoints.add_secret),
    methods("/api/v1/events", GET=events.list_events),
    methods("/api/v1/events/{event_id}", GET=events.get_event),
    methods("/api/v1/stream", GET=stream.stream),
    methods("/api/v1/workspace", GET=workspace.get_workspace, PATCH=workspace.update_workspace),
    # Pages
    methods("/setup", GET=accounts.setup_form, POST=accounts.setup_submit),
    methods("/login", GET=accounts.login_form, POST=accounts.login_submit),
    methods("/logout", POST=accounts.logout),
    methods("/invite/{token}", GET=accounts.invitation_form, POST=accounts.invitation_submit),
    methods("/workspaces", POST=accounts.create_workspace),
    methods("/workspaces/switch", POST=accounts.switch_workspace),
    methods("/", GET=feed.feed),
    methods("/feed/rows", GET=feed.more_rows),
    methods("/feed/stream", GET=feed.stream),
    methods("/views", POST=feed.save_view),
    methods("/views/change", POST=feed.change_view),
    methods("/events/{event_id}", GET=event.event_page),
    methods("/events/{event_id}/panel", GET=event.event_panel),
    methods("/events/{event_id}/replay", POST=event.replay),
    # Sources pages (anchor: sources routes)
    # Settings pages (anchor: settings routes)
    # Templates pages (anchor: templates routes)
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]
