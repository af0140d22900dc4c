"""Every route of EchoDash, in one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from echodash.web import health, ingest
from echodash.web.api import endpoints, events, stream, workspace
from echodash.web.openapi import openapi

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
]
