"""What a form's answer shows once (a new secret, "Endpoint created"), across its redirect.

A form that creates something answers `303 See Other` (reloading the page it lands on must not
create it again). What that page shows only once travels in a short-lived cookie, encrypted
with the server's secret key and bound to the session and the page: the page reads it and
clears it, so a reload shows it no more. EchoDash itself keeps no copy.
"""

from __future__ import annotations

import json
import time

from starlette.requests import Request
from starlette.responses import Response

from echodash.crypto import SecretKeyError
from echodash.web.responses import services
from echodash.web.sessions import Viewer, secure_cookies

COOKIE = "echodash_once"
LIFETIME_SECONDS = 300


def show_once(
    request: Request, response: Response, viewer: Viewer, path: str, values: dict[str, str]
) -> None:
    """Have the next visit of `path` (by this session) show `values`, once."""
    sealed = services(request).box.seal(
        json.dumps(
            {
                "session": viewer.session_hash,
                "path": path,
                "until": time.time() + LIFETIME_SECONDS,
                "values": values,
            }
        )
    )
    response.set_cookie(
        COOKIE,
        sealed,
        max_age=LIFETIME_SECONDS,
        path=path,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def take_once(request: Request, viewer: Viewer) -> dict[str, str]:
    """What this page is to show once ({} if nothing); clear it with `cleared`."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 8000:
        return {}
    try:
        found = json.loads(services(request).box.open(raw))
    except (SecretKeyError, ValueError, UnicodeError):
        return {}
    if (
        not isinstance(found, dict)
        or found.get("session") != viewer.session_hash
        or found.get("path") != request.url.path
        or not isinstance(found.get("until"), float | int)
        or found["until"] < time.time()
        or not isinstance(found.get("values"), dict)
    ):
        return {}
    return {str(k): str(v) for k, v in found["values"].items()}


def cleared(request: Request, response: Response) -> Response:
    """The page's answer, with what it showed once forgotten by the browser."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=request.url.path, httponly=True, samesite="lax")
    return response
