"""`POST /api/v1/events`: a team's own events, one or a batch, stored before the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.custom_events import InvalidCustomEvent, parse_custom_event
from echodash.events import utcnow
from echodash.web.auth import require_token
from echodash.web.params import json_body
from echodash.web.responses import ApiError, json_response, services

MAX_BATCH = 10_000
SHOWN_PROBLEMS = 10


# As the OpenAPI document says; with ":<index>" for a batch's items it stays within an id.
MAX_IDEMPOTENCY_KEY = 150


async def create_events(request: Request) -> Response:
    token = await require_token(request)
    svc = services(request)
    # Up to ECHODASH_MAX_BODY_BYTES, counted while it streams (web/request_bounds.py).
    document = await json_body(request)
    idempotency = request.headers.get("idempotency-key", "").strip() or None
    if idempotency is not None and len(idempotency) > MAX_IDEMPOTENCY_KEY:
        raise ApiError(
            400,
            "invalid_event",
            f"`Idempotency-Key` is longer than {MAX_IDEMPOTENCY_KEY} characters.",
        )
    batch = "batch" in document
    items: Any = document["batch"] if batch else [document]
    if batch:
        if set(document) != {"batch"}:
            raise ApiError(400, "invalid_event", 'A batch is `{"batch": [event, …]}` only.')
        if not isinstance(items, list) or not items:
            raise ApiError(400, "invalid_event", "`batch` must be a non-empty list of events.")
        if len(items) > MAX_BATCH:
            raise ApiError(
                400,
                "batch_too_large",
                f"A batch holds at most {MAX_BATCH:,} events; this one has {len(items):,}. "
                "Split it, or load a file with `echodash import`.",
            )
    now = utcnow()
    events = []
    problems = []
    for index, item in enumerate(items):
        default_key = None
        if idempotency is not None:
            default_key = f"{idempotency}:{index}" if batch else idempotency
        try:
            events.append(parse_custom_event(item, now, default_key))
        except InvalidCustomEvent as exc:
            problems.append(f"batch[{index}]: {exc}" if batch else str(exc))
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        detail = "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise ApiError(400, "invalid_event", f"Nothing was stored: {detail}.")
    results = await svc.custom.append(token.workspace_id, events)
    duplicates = sum(1 for r in results if r.duplicate)
    if duplicates < len(results):
        svc.processor.notify()
    answer: dict[str, Any] = {
        "status": "accepted",
        "accepted": len(results) - duplicates,
        "duplicates": duplicates,
    }
    if not batch:
        answer["id"] = events[0].key.removeprefix("id:")
        answer["duplicate"] = results[0].duplicate
    return json_response(answer, 202)
