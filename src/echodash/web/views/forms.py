"""Reading a submitted form, CSRF-checked, with limits on what a browser can send."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse

from echodash.web.responses import ApiError
from echodash.web.sessions import ANON_CSRF_COOKIE, CSRF_FIELD, Viewer, check_csrf


async def read_form(request: Request) -> dict[str, str]:
    """The form's text fields (repeated names: the last value wins; files are refused).

    Its size is bounded while it streams, before it is parsed (web/request_bounds.py)."""
    form = await request.form(max_files=0, max_fields=200)
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise ApiError(400, "bad_form", "Files cannot be sent with this form.")
        fields[key] = value
    return fields


async def viewer_form(request: Request, viewer: Viewer) -> dict[str, str]:
    """A signed-in person's form, refused unless it carries their session's CSRF token."""
    fields = await read_form(request)
    check_csrf(request, viewer.csrf_token, fields.get(CSRF_FIELD))
    return fields


async def anonymous_form(request: Request) -> dict[str, str]:
    """A form sent before signing in (login, setup, invitation): double-submit CSRF."""
    fields = await read_form(request)
    check_csrf(request, request.cookies.get(ANON_CSRF_COOKIE) or "\0", fields.get(CSRF_FIELD))
    return fields


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: go to the page that shows its result."""
    return RedirectResponse(url, status_code=303)
