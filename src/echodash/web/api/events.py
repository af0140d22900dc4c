"""`/api/v1/events`: the feed as JSON, newest first, and any event with its raw delivery."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash import event_query
from echodash.events import iso
from echodash.web.auth import require_token
from echodash.web.params import (
    MAX_ID,
    decode_cursor,
    encode_cursor,
    event_filter,
    int_param,
    only_known,
    query,
)
from echodash.web.responses import ApiError, json_response, services


async def list_events(request: Request) -> Response:
    token = await require_token(request)
    svc = services(request)
    only_known(request, "limit", "cursor")
    filters = event_filter(request)
    limit = int_param(query(request, "limit"), "limit", 1, 500, 50)
    before = decode_cursor(query(request, "cursor"))
    events = await event_query.list_events(
        svc.store, token.workspace_id, filters, limit + 1, before
    )
    more = len(events) > limit
    events = events[:limit]
    return json_response(
        {
            "events": [e.to_json() for e in events],
            "next_cursor": encode_cursor(events[-1].id) if more else None,
        }
    )


async def get_event(request: Request) -> Response:
    token = await require_token(request)
    svc = services(request)
    event_id = int_param(request.path_params["event_id"], "id", 1, MAX_ID, 0)
    event = await svc.store.get_event(token.workspace_id, event_id)
    if event is None:
        raise ApiError(404, "not_found", "No event with this id in your workspace.")
    document: dict[str, Any] = event.to_json()
    document["raw"] = None
    document["delivery"] = None
    if event.delivery_id is not None:
        delivery = await svc.store.get_delivery(token.workspace_id, event.delivery_id)
        if delivery is not None:
            document["raw"] = {"headers": delivery.headers, **_body_json(delivery.body)}
            document["delivery"] = {
                "id": delivery.id,
                "key": delivery.key,
                "received_at": iso(delivery.received_at),
                "verified_with_secret": delivery.secret_id,
                "duplicates": delivery.duplicates,
                "size": len(delivery.body),
            }
    return json_response(document)


def _body_json(body: bytes) -> dict[str, str | None]:
    try:
        return {"body": body.decode("utf-8"), "body_base64": None}
    except UnicodeDecodeError:
        return {"body": None, "body_base64": base64.b64encode(body).decode("ascii")}
