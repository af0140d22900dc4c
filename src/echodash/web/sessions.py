"""Browser sessions: an opaque cookie whose hash finds the session, and CSRF checks."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.store.base import UserRecord
from echodash.web.responses import ApiError, services

COOKIE = "echodash_session"
# Before signing in, forms are protected by a double-submit cookie instead.
ANON_CSRF_COOKIE = "echodash_csrf"
LIFETIME = timedelta(days=14)
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person looking at one of their workspaces."""

    user: UserRecord
    workspace_id: int
    role: str
    csrf_token: str
    session_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def require_admin(self, action: str) -> None:
        """Refuse a member what only admins may do; `action` completes "Only an admin can …"."""
        if not self.is_admin:
            raise ApiError(403, "forbidden", f"Only an admin can {action}.")


def secure_cookies(request: Request) -> bool:
    """Whether cookies must be `Secure`: EchoDash is served, or published, over HTTPS."""
    return request.url.scheme == "https" or services(request).settings.base_url.startswith("https:")


async def start_session(
    request: Request, response: Response, user_id: int, workspace_id: int
) -> None:
    """Sign the browser in: a new random session id (never reused across logins)."""
    raw = secrets.token_urlsafe(32)
    await services(request).store.create_session(
        hash_token(raw), user_id, workspace_id, secrets.token_urlsafe(24), utcnow() + LIFETIME
    )
    response.set_cookie(
        COOKIE,
        raw,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


async def end_session(request: Request, response: Response) -> None:
    raw = request.cookies.get(COOKIE)
    if raw:
        await services(request).store.delete_session(hash_token(raw))
    response.delete_cookie(COOKIE, path="/")


async def current_viewer(request: Request) -> Viewer | None:
    """The person behind the session cookie, if it is live and they still belong to the
    workspace it looks at."""
    cached = request.scope.get("echodash.viewer")
    if cached is not None:
        return cached if isinstance(cached, Viewer) else None
    viewer = await load_viewer(request)
    request.scope["echodash.viewer"] = viewer or False
    return viewer


async def load_viewer(request: Request) -> Viewer | None:
    """The person behind the session cookie, read from the store now (not from the
    request's memory of it)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 200:
        return None
    store = services(request).store
    session_hash = hash_token(raw)
    session = await store.find_session(session_hash, utcnow())
    if session is None:
        return None
    role = await store.role_of(session.workspace_id, session.user_id)
    user = await store.get_user(session.user_id)
    if role is None or user is None:
        return None
    return Viewer(user, session.workspace_id, role, session.csrf_token, session_hash)


def anon_csrf_token(request: Request) -> str:
    """The double-submit token for forms shown before signing in: the browser's own, or new
    (send it back with `remember_anon_csrf`)."""
    token = request.cookies.get(ANON_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(24)
    return token


def remember_anon_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        ANON_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )


def check_same_origin(request: Request) -> None:
    """Refuse a state-changing request sent by another site's page (when the browser says)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    expected = {f"{request.url.scheme}://{request.url.netloc}"}
    base = services(request).settings.base_url
    parts = urlsplit(base)
    expected.add(f"{parts.scheme}://{parts.netloc}")
    if origin not in expected:
        raise ApiError(403, "csrf", "This request came from another site and was refused.")


def check_csrf(request: Request, expected: str, submitted: str | None) -> None:
    """A state-changing browser request must carry the session's CSRF token."""
    check_same_origin(request)
    if not submitted or not hmac.compare_digest(submitted.encode(), expected.encode()):
        raise ApiError(
            403,
            "csrf",
            "This form has expired or did not come from EchoDash. Reload the page and try again.",
        )
