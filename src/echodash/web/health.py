"""`/healthz` for load balancers (no token) and `/metrics` for Prometheus (a token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from echodash.web.auth import require_token
from echodash.web.responses import error_response, json_response, services


async def healthz(request: Request) -> Response:
    if await services(request).store.ping():
        return json_response({"status": "ok"})
    return error_response(
        503, "store_unavailable", "The store does not answer.", {"Retry-After": "5"}
    )


async def metrics(request: Request) -> Response:
    await require_token(request)
    body = services(request).telemetry.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
