"""JSON responses and errors in the one shape every route uses."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from echodash.web.services import Services

# On every JSON answer: browsers must not sniff it into another type (a JSON string that
# looks like HTML is still JSON), and no cache may keep it (answers hold workspace data and
# one-time secrets). The bare-ASGI answers (receive path, connection refusals) send the same.
JSON_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
RAW_JSON_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class ApiError(Exception):
    """Raised by handlers; becomes `{"error": code, "detail": sentence}` with its status."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def json_response(
    content: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(content),
        status_code=status,
        headers=JSON_HEADERS | headers if headers else JSON_HEADERS,
        media_type="application/json",
    )


def error_document(code: str, detail: str) -> dict[str, str]:
    """The one shape of every error body."""
    return {"error": code, "detail": detail}


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response(error_document(code, detail), status, headers)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
