"""`/api/v1/endpoints`: where each tool sends its webhooks, and the secrets that sign them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash import endpoint_admin
from echodash.events import iso, utcnow
from echodash.sources import source_class
from echodash.store.base import EndpointChanges, EndpointRecord
from echodash.web.auth import require_admin, require_token
from echodash.web.params import MAX_ID, int_param, json_body
from echodash.web.responses import ApiError, json_response, services
from echodash.web.services import Services


def endpoint_json(svc: Services, record: EndpointRecord) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": record.id,
        "kind": record.kind,
        "name": record.name,
        "slug": record.slug,
        "url": f"{svc.settings.base_url}/in/{record.slug}",
        "options": record.options,
        "created_at": iso(record.created_at),
        "secrets": [
            {
                "id": s.id,
                "created_at": iso(s.created_at),
                "expires_at": iso(s.expires_at) if s.expires_at else None,
                "active": s.expires_at is None or s.expires_at > now,
            }
            for s in record.secrets
        ],
    }


async def create_endpoint(request: Request) -> Response:
    token = await require_admin(request)
    svc = services(request)
    body = await json_body(request)
    try:
        record, secret = await endpoint_admin.create_endpoint(
            svc.store,
            svc.box,
            token.workspace_id,
            body.get("kind"),
            body.get("name"),
            body.get("secret"),
            body.get("options"),
        )
    except endpoint_admin.NameTakenError as exc:
        raise ApiError(409, "name_taken", str(exc)) from None
    except endpoint_admin.InvalidEndpointError as exc:
        raise ApiError(400, "invalid_endpoint", str(exc)) from None
    return json_response({**endpoint_json(svc, record), "secret": secret}, 201)


async def list_endpoints(request: Request) -> Response:
    token = await require_token(request)
    svc = services(request)
    records = await svc.store.list_endpoints(token.workspace_id)
    return json_response({"endpoints": [endpoint_json(svc, r) for r in records]})


async def get_endpoint(request: Request) -> Response:
    token = await require_token(request)
    svc = services(request)
    record = await _owned(request, token.workspace_id)
    stats = await svc.store.endpoint_stats(token.workspace_id, record.id)
    return json_response(
        {
            **endpoint_json(svc, record),
            "stats": {
                "deliveries": stats.deliveries,
                "duplicates": stats.duplicates,
                "last_delivery_at": iso(stats.last_delivery_at) if stats.last_delivery_at else None,
                "rejected": sum(stats.rejections.values()),
                "rejections": stats.rejections,
                "last_rejection_at": (
                    iso(stats.last_rejection_at) if stats.last_rejection_at else None
                ),
            },
        }
    )


async def update_endpoint(request: Request) -> Response:
    token = await require_admin(request)
    svc = services(request)
    record = await _owned(request, token.workspace_id)
    body = await json_body(request)
    unknown = set(body) - {"name", "options"}
    if unknown:
        raise ApiError(
            400, "invalid_endpoint", f"Cannot change {', '.join(sorted(unknown))} of an endpoint."
        )
    try:
        changes = EndpointChanges(
            name=endpoint_admin.check_name(body["name"]) if "name" in body else None,
            options=(
                endpoint_admin.check_options(source_class(record.kind), body["options"])
                if "options" in body
                else None
            ),
        )
        if changes.name is not None:
            await endpoint_admin.check_name_free(
                svc.store, token.workspace_id, changes.name, record.id
            )
    except endpoint_admin.NameTakenError as exc:
        raise ApiError(409, "name_taken", str(exc)) from None
    except endpoint_admin.InvalidEndpointError as exc:
        raise ApiError(400, "invalid_endpoint", str(exc)) from None
    updated = await svc.store.update_endpoint(token.workspace_id, record.id, changes)
    assert updated is not None
    svc.directory.forget(record.slug)
    return json_response(endpoint_json(svc, updated))


async def delete_endpoint(request: Request) -> Response:
    token = await require_admin(request)
    svc = services(request)
    record = await _owned(request, token.workspace_id)
    await svc.store.delete_endpoint(token.workspace_id, record.id)
    svc.directory.forget(record.slug)
    return Response(status_code=204)


async def add_secret(request: Request) -> Response:
    token = await require_admin(request)
    svc = services(request)
    record = await _owned(request, token.workspace_id)
    body = await json_body(request)
    try:
        updated, secret, expire_at = await endpoint_admin.add_secret(
            svc.store, svc.box, record, body.get("secret"), body.get("expire_others_in")
        )
    except endpoint_admin.InvalidEndpointError as exc:
        raise ApiError(400, "invalid_secret", str(exc)) from None
    svc.directory.forget(record.slug)
    return json_response(
        {
            **endpoint_json(svc, updated),
            "secret": secret,
            "others_expire_at": iso(expire_at) if expire_at else None,
        },
        201,
    )


async def _owned(request: Request, workspace_id: int) -> EndpointRecord:
    endpoint_id = int_param(request.path_params["endpoint_id"], "id", 1, MAX_ID, 0)
    record = await services(request).store.get_endpoint(workspace_id, endpoint_id)
    if record is None:
        raise ApiError(404, "not_found", "No endpoint with this id in your workspace.")
    return record
