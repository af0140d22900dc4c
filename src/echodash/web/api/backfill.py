"""`POST /api/v1/endpoints/{id}/backfill` (admin) and `GET /api/v1/backfills/{id}`: history
from a tool's API, read in the background by one node (jobs/backfill.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.web.auth import require_admin, require_token
from echodash.web.backfill_start import CannotStart, start_backfill
from echodash.web.params import MAX_ID, int_param, json_body
from echodash.web.responses import ApiError, json_response, services

_FIELDS = frozenset({"since", "api_url", "token", "repo"})


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ApiError(400, "bad_parameter", f"`{name}` must be a non-empty string.")


async def start(request: Request) -> Response:
    token = await require_admin(request)
    svc = services(request)
    endpoint_id = int_param(request.path_params["endpoint_id"], "id", 1, MAX_ID, 0)
    record = await svc.store.get_endpoint(token.workspace_id, endpoint_id)
    if record is None:
        raise ApiError(404, "not_found", "No endpoint with this id in your workspace.")
    body = await json_body(request)
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ApiError(400, "bad_parameter", f"Unknown field `{unknown[0]}`.")
    try:
        run = await start_backfill(
            svc,
            record,
            _text(body, "repo"),
            _text(body, "since"),
            _text(body, "api_url"),
            _text(body, "token"),
        )
    except CannotStart as exc:
        raise ApiError(400, "cannot_start", str(exc)) from None
    return json_response({"id": run.id, "status": run.status}, 202)


async def progress(request: Request) -> Response:
    token = await require_token(request)
    backfill_id = int_param(request.path_params["backfill_id"], "id", 1, MAX_ID, 0)
    run = await services(request).store.get_backfill(token.workspace_id, backfill_id)
    if run is None:
        raise ApiError(404, "not_found", "No backfill with this id in your workspace.")
    return json_response(run.to_json())
