"""`/api/v1/services`: which services are one (a repository, its Cloudflare zone, its Vercel
project), so an alert on one can name a change to another as a suspect.

Reading is for anyone in the workspace; replacing the list is a workspace setting (admins).
"""

from __future__ import annotations

from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response

from echodash.web.api.alerting import SERVICES_BYTES, bounded_json
from echodash.web.auth import require_admin, require_token
from echodash.web.responses import ApiError, json_response, services

MAX_SERVICES = 200
MAX_MEMBERS = 100
MAX_NAME = 100
MAX_MEMBER = 300


async def get_services(request: Request) -> Response:
    token = await require_token(request)
    found = await services(request).store.get_services(token.workspace_id)
    return json_response({"services": found})


async def put_services(request: Request) -> Response:
    token = await require_admin(request, "linked services")
    body = await bounded_json(request, SERVICES_BYTES)
    linked = check_services(body)
    await services(request).store.put_services(token.workspace_id, linked)
    return json_response({"services": linked})


def check_services(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The body's services, checked (400 naming the first wrong field)."""
    unknown = sorted(set(body) - {"services"})
    if unknown:
        _refuse(unknown[0], "unknown field; known: services")
    items = body.get("services")
    if not isinstance(items, list):
        _refuse("services", "required: a list of {name, members}")
    if len(items) > MAX_SERVICES:
        _refuse("services", f"at most {MAX_SERVICES}")
    found: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, item in enumerate(items):
        path = f"services.{i}"
        if not isinstance(item, dict):
            _refuse(path, "an object with name and members")
        extra = sorted(set(item) - {"name", "members"})
        if extra:
            _refuse(f"{path}.{extra[0]}", "unknown field; known: members, name")
        name = _text(item.get("name"), f"{path}.name", MAX_NAME)
        if name in names:
            _refuse(f"{path}.name", f"another service is named {name!r}")
        names.add(name)
        members = item.get("members")
        if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
            _refuse(f"{path}.members", f"a list of 1 to {MAX_MEMBERS} services")
        kept: list[str] = []
        for j, member in enumerate(members):
            text = _text(member, f"{path}.members.{j}", MAX_MEMBER)
            kind, colon, service = text.partition(":")
            if not colon or not kind or not service.strip() or " " in kind:
                _refuse(f"{path}.members.{j}", "a service as events name it: kind:name")
            if text not in kept:
                kept.append(text)
        found.append({"name": name, "members": kept})
    return found


def _text(value: Any, path: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        _refuse(path, "must be non-empty text")
    if len(value) > limit:
        _refuse(path, f"at most {limit} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        _refuse(path, "must not hold control characters")
    return value.strip()


def _refuse(path: str, message: str) -> NoReturn:
    raise ApiError(400, "invalid_services", f"{path}: {message}")
