"""Known devices: a browser that signed in to an account with its password carries a signed
cookie saying so, for a year. Its later sign-ins to that account count only against its own
limit (see login_limits.py), so wrong passwords sent by anyone else never lock the owner out
of their own browser.

Per account (up to MAX_ACCOUNTS per browser) the cookie holds a random id, when it was made,
and an HMAC of both with the lower-cased e-mail, keyed from the installation's secret key:
no e-mail or password in it, only this installation can make one, and it proves nothing
about any other account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import utcnow
from echodash.web.responses import services
from echodash.web.services import Services
from echodash.web.sessions import secure_cookies

COOKIE = "echodash_device"
LIFETIME = timedelta(days=365)
MAX_ACCOUNTS = 5
_LABEL = "known-device-cookie"
_MAX_COOKIE = 1000
_SKEW = 300
# An entry is `id.made.mac`; entries are joined with `~` (all cookie-safe characters).
_PART, _ENTRY = ".", "~"


def _mac(svc: Services, device_id: str, made: int, account: str) -> str:
    key = svc.box.derive(_LABEL).encode("ascii")
    message = f"{device_id}{_PART}{made}{_PART}{account}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _entries(request: Request) -> list[tuple[str, int, str]]:
    """The cookie's well-formed, unexpired entries as (id, made, mac), newest first."""
    raw = request.cookies.get(COOKIE, "")
    if len(raw) > _MAX_COOKIE:
        return []
    now = int(utcnow().timestamp())
    found = []
    for entry in raw.split(_ENTRY)[:MAX_ACCOUNTS]:
        parts = entry.split(_PART)
        if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()):
            continue
        made = int(parts[1])
        # A little ahead is another node's clock; a lot, or too old, is no proof.
        if -_SKEW <= now - made <= LIFETIME.total_seconds():
            found.append((parts[0], made, parts[2]))
    return found


def _proves(svc: Services, entry: tuple[str, int, str], account: str) -> bool:
    device_id, made, mac = entry
    return hmac.compare_digest(mac.encode(), _mac(svc, device_id, made, account).encode())


def known_device(request: Request, account: str) -> str | None:
    """This browser's id as a known device of `account` (a lower-cased e-mail), if its
    cookie proves that it signed in to that account before."""
    svc = services(request)
    return next((e[0] for e in _entries(request) if _proves(svc, e, account)), None)


def remember_device(request: Request, response: Response, email: str) -> None:
    """After the right password: this browser is a known device of the account from now on
    (the entries for its other accounts stay)."""
    svc = services(request)
    account = email.strip().lower()
    made = int(utcnow().timestamp())
    device_id = secrets.token_urlsafe(12)
    others = [e for e in _entries(request) if not _proves(svc, e, account)]
    entries = [(device_id, made, _mac(svc, device_id, made, account)), *others]
    value = _ENTRY.join(_PART.join((i, str(m), mac)) for i, m, mac in entries[:MAX_ACCOUNTS])
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/",
    )
