"""How a failed request is answered: a page for a person's browser, JSON for everyone else."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from echodash.store.base import StoreUnavailableError
from echodash.web.pages import LoginRequired, login_redirect, render_error
from echodash.web.responses import ApiError, error_response

log = logging.getLogger("echodash")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def exception_handlers() -> dict[type[Exception], Handler]:
    """Starlette's handlers for the app's own errors, and for anything unexpected."""
    return {
        ApiError: _api_error,
        LoginRequired: _login_required,
        HTTPException: _http_error,
        StoreUnavailableError: _store_error,
        Exception: _internal_error,
    }


def _wants_page(request: Request) -> bool:
    """A person's browser navigating (not the API, a script's fetch or the event stream)."""
    path = request.url.path
    if path.startswith(("/api/", "/in/", "/feed/")) or path.endswith(("/panel", "/stream")):
        return False
    if "x-csrf-token" in request.headers:
        return False
    return "text/html" in request.headers.get("accept", "")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if _wants_page(request):
        return render_error(exc.status, exc.detail)
    return error_response(exc.status, exc.code, exc.detail, exc.headers)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if _wants_page(request) or request.method == "POST":
        return login_redirect(exc)
    return error_response(401, "unauthorized", "Sign in to see this.")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and _wants_page(request):
        return render_error(404, "There is nothing at this address.")
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        str(exc.detail),
        dict(exc.headers or {}),
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", "EchoDash failed to answer this request. Retry, or check its log."
    )


async def _store_error(request: Request, exc: Exception) -> Response:
    return error_response(
        503,
        "store_unavailable",
        "The store cannot answer right now. Retry shortly.",
        {"Retry-After": "5"},
    )
