"""`/api/v1/workspace`: the caller's workspace, its name and settings (retention)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import iso
from echodash.store.base import WorkspaceRecord
from echodash.web.auth import require_admin, require_token
from echodash.web.params import json_body
from echodash.web.responses import ApiError, json_response, services
from echodash.workspaces import retention_days, workspace_name


def workspace_json(record: WorkspaceRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "retention_days": record.retention_days,
        "created_at": iso(record.created_at),
    }


async def get_workspace(request: Request) -> Response:
    token = await require_token(request)
    record = await services(request).store.get_workspace(token.workspace_id)
    if record is None:
        raise ApiError(404, "not_found", "This token's workspace no longer exists.")
    return json_response(workspace_json(record))


async def update_workspace(request: Request) -> Response:
    token = await require_admin(request)
    body = await json_body(request)
    unknown = set(body) - {"retention_days", "name"}
    if unknown:
        raise ApiError(400, "invalid_workspace", f"Unknown field: {sorted(unknown)[0]}.")
    if not body:
        raise ApiError(
            400, "invalid_workspace", "Nothing to change: send `name` or `retention_days`."
        )
    store = services(request).store
    try:
        name = workspace_name(body["name"]) if "name" in body else None
        days = retention_days(body["retention_days"]) if "retention_days" in body else None
    except ValueError as exc:
        raise ApiError(400, "invalid_workspace", str(exc)) from None
    record = await store.get_workspace(token.workspace_id)
    if name is not None:
        record = await store.rename_workspace(token.workspace_id, name)
    if "retention_days" in body:
        record = await store.set_retention(token.workspace_id, days)
    if record is None:
        raise ApiError(404, "not_found", "This token's workspace no longer exists.")
    return json_response(workspace_json(record))
