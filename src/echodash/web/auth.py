"""Bearer API tokens: looked up by hash on every request, with the owner's current role.

Not cached: a demotion, a removal or a revocation must hold on every node the moment it is
saved, and the lookup is one indexed read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request

from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.store.base import ApiTokenRecord
from echodash.web.responses import ApiError, services
from echodash.web.sessions import (
    CSRF_HEADER,
    SAFE_METHODS,
    check_csrf,
    current_viewer,
    load_viewer,
)

Recheck = Callable[[], Awaitable[bool]]


async def require_admin(request: Request, change: str = "endpoints and secrets") -> ApiTokenRecord:
    """The caller's token if it is an admin's; members may read but not change settings."""
    token = await require_token(request)
    if token.role != "admin":
        raise ApiError(403, "forbidden", f"Only an admin token can change {change}.")
    return token


async def require_token(request: Request) -> ApiTokenRecord:
    """The caller's API token, or a signed-in browser's session (which must carry its CSRF
    token to change anything), or a 401 that says what is missing."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        viewer = await current_viewer(request)
        if viewer is not None:
            if request.method not in SAFE_METHODS:
                check_csrf(request, viewer.csrf_token, request.headers.get(CSRF_HEADER))
            return ApiTokenRecord(
                0, viewer.workspace_id, "browser session", viewer.role, utcnow(), viewer.user.id
            )
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "Send an API token as `Authorization: Bearer <token>` "
            "(create one with `echodash tokens create`).",
            {"WWW-Authenticate": "Bearer"},
        )
    record = await services(request).store.find_api_token(hash_token(token.strip()))
    if record is None:
        raise ApiError(
            401, "unauthorized", "This API token is not valid.", {"WWW-Authenticate": "Bearer"}
        )
    return record


def still_allowed(request: Request, caller: ApiTokenRecord) -> Recheck:
    """Asks again whether `caller` may still read its workspace (for long-lived streams: a
    revoked token, a removed member or an ended session stops its open streams too)."""
    svc = services(request)
    header = request.headers.get("authorization", "")
    if caller.id == 0:  # a browser session

        async def session_alive() -> bool:
            viewer = await load_viewer(request)
            return viewer is not None and viewer.workspace_id == caller.workspace_id

        return session_alive
    digest = hash_token(header.partition(" ")[2].strip())

    async def token_alive() -> bool:
        record = await svc.store.find_api_token(digest)
        return record is not None and record.workspace_id == caller.workspace_id

    return token_alive


def caller_key(caller: ApiTokenRecord) -> str:
    """Who is asking, for per-person limits: the person behind a session or personal token,
    else the workspace token itself."""
    return f"user:{caller.user_id}" if caller.user_id is not None else f"token:{caller.id}"
