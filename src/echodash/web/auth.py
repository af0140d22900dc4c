"""Bearer API tokens: looked up by hash, cached briefly so reads stay fast."""

from __future__ import annotations

import time

from starlette.requests import Request

from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.store.base import ApiTokenRecord
from echodash.web.responses import ApiError, services
from echodash.web.sessions import CSRF_HEADER, SAFE_METHODS, check_csrf, current_viewer

_CACHE_SECONDS = 10.0


async def require_admin(request: Request) -> ApiTokenRecord:
    """The caller's token if it is an admin's; members may read but not change settings."""
    token = await require_token(request)
    if token.role != "admin":
        raise ApiError(403, "forbidden", "Only an admin token can change endpoints and secrets.")
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
    svc = services(request)
    digest = hash_token(token.strip())
    cache = svc.token_cache
    cached = cache.get(digest)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        return cached[0]
    record = await svc.store.find_api_token(digest)
    if record is None:
        raise ApiError(
            401, "unauthorized", "This API token is not valid.", {"WWW-Authenticate": "Bearer"}
        )
    if len(cache) > 10_000:
        cache.clear()
    cache[digest] = (record, now + _CACHE_SECONDS)
    return record
