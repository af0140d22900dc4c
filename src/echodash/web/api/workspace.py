"""`/api/v1/workspace`: the caller's workspace and its settings (retention)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import iso
from echodash.jobs.retention import MIN_RETENTION_DAYS
from echodash.store.base import WorkspaceRecord
from echodash.web.auth import require_admin, require_token
from echodash.web.params import json_body
from echodash.web.responses import ApiError, json_response, services

MAX_RETENTION_DAYS = 36_500
MAX_NAME = 80


def workspace_json(record: WorkspaceRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "retention_days": record.retention_days,
        "created_at": iso(record.created_at),
    }


def workspace_name(value: Any) -> str:
    """A workspace's name as given by a user: 1 to MAX_NAME characters once trimmed."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"`name` must be text of 1 to {MAX_NAME} characters")
    return name


def retention_days(value: Any) -> int | None:
    """A retention setting as given by a user: null (keep forever) or whole days."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("`retention_days` must be a whole number of days, or null to keep all")
    if not MIN_RETENTION_DAYS <= value <= MAX_RETENTION_DAYS:
        raise ValueError(
            f"`retention_days` must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}: "
            f"senders retry for days, so delivery ids are kept at least {MIN_RETENTION_DAYS}"
        )
    return value


async def get_workspace(request: Request) -> Response:
    token = await require_token(request)
    record = await services(request).store.get_workspace(token.workspace_id)
    if record is None:
        raise ApiError(404, "not_found", "This token's workspace no longer exists.")
    return json_response(workspace_json(record))


async def update_workspace(request: Request) -> Response:
    token = await require_admin(request)
    body = await json_body(request)
    unknown = set(body) - {"retention_days"}
    if unknown:
        raise ApiError(400, "invalid_workspace", f"Unknown field: {sorted(unknown)[0]}.")
    if "retention_days" not in body:
        raise ApiError(400, "invalid_workspace", "Nothing to change: send `retention_days`.")
    try:
        days = retention_days(body["retention_days"])
    except ValueError as exc:
        raise ApiError(400, "invalid_workspace", str(exc)) from None
    record = await services(request).store.set_retention(token.workspace_id, days)
    if record is None:
        raise ApiError(404, "not_found", "This token's workspace no longer exists.")
    return json_response(workspace_json(record))
