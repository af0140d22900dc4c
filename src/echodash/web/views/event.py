"""One event: its fields, the raw delivery (shown in part, downloaded whole), related events,
copy as curl, and replay."""

from __future__ import annotations

import shlex
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import Event
from echodash.store.base import EndpointRecord, EventFilter, StoredDelivery
from echodash.web import present
from echodash.web.offload import off_loop
from echodash.web.pages import fragment, page, require_viewer
from echodash.web.params import parse_id, path_id
from echodash.web.payload_view import payload_view
from echodash.web.responses import ApiError, json_response, services
from echodash.web.sessions import CSRF_HEADER, Viewer, check_csrf
from echodash.web.views.forms import see_other, viewer_form

# Header names whose values could let someone in: shown as dots even though stored.
_HIDDEN_WORDS = ("secret", "token", "authorization", "cookie", "password", "api-key", "apikey")
RELATED = 8
# Linux takes at most 128 KiB in one argument: a larger body is sent from its downloaded file.
MAX_CURL_BODY = 64 * 1024
# The raw download can never run as a page, whatever its bytes look like.
_DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "no-store",
}


def _hidden(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _HIDDEN_WORDS)


def shown_headers(headers: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, "••••••" if _hidden(k) else v) for k, v in sorted(headers.items())]


def download_name(delivery: StoredDelivery) -> str:
    """The raw delivery's file name: `delivery-42.json`, or `.bin` when not sent as JSON."""
    sent_as_json = "json" in delivery.headers.get("content-type", "").lower()
    return f"delivery-{delivery.id}.{'json' if sent_as_json else 'bin'}"


def curl_command(url: str, delivery: StoredDelivery) -> str:
    """The delivery sent again from a shell, byte for byte (secret-bearing headers left out)."""
    parts = ["curl", "-X", "POST", shlex.quote(url)]
    for name, value in sorted(delivery.headers.items()):
        if _hidden(name) or name.lower() in ("host", "content-length", "connection"):
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if curl_reads_file(delivery):
        return " ".join([*parts, "--data-binary", "@" + download_name(delivery)])
    text = delivery.body.decode("utf-8")
    return " ".join([*parts, "--data-binary", shlex.quote(text)])


def curl_reads_file(delivery: StoredDelivery) -> bool:
    """Whether "Copy as curl" sends the downloaded file: binary, or too long to paste."""
    if len(delivery.body) > MAX_CURL_BODY:
        return True
    try:
        delivery.body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def secret_label(endpoint: EndpointRecord | None, secret_id: int | None) -> str:
    if secret_id is None:
        return "not signed (this source sends no signature)"
    if endpoint is None:
        return f"secret #{secret_id} (endpoint deleted)"
    ids = [s.id for s in endpoint.secrets]
    if secret_id not in ids:
        return f"secret #{secret_id} (since rotated out)"
    position = ids.index(secret_id) + 1
    added = next(s.created_at for s in endpoint.secrets if s.id == secret_id)
    return f"secret {position} of {len(ids)} (added {present.exact(added)})"


async def _found(request: Request, viewer: Viewer) -> tuple[Event, StoredDelivery | None]:
    """The event of the URL in the viewer's workspace (else a 404), and its delivery."""
    svc = services(request)
    event_id = path_id(request, "event_id", "No event with this id in your workspace.")
    event = await svc.store.get_event(viewer.workspace_id, event_id)
    if event is None:
        raise ApiError(404, "not_found", "No event with this id in your workspace.")
    delivery = (
        await svc.store.get_delivery(viewer.workspace_id, event.delivery_id)
        if event.delivery_id is not None
        else None
    )
    return event, delivery


async def _detail(request: Request, viewer: Viewer) -> dict[str, Any]:
    svc = services(request)
    event, delivery = await _found(request, viewer)
    endpoint = (
        await svc.store.get_endpoint(viewer.workspace_id, event.endpoint_id)
        if event.endpoint_id is not None
        else None
    )
    return {
        "event": event,
        "row": present.row(event),
        "delivery": delivery,
        "endpoint": endpoint,
        "body": await off_loop(payload_view, delivery.body) if delivery else None,
        "headers": shown_headers(delivery.headers) if delivery else [],
        "secret": secret_label(endpoint, delivery.secret_id) if delivery else "",
        "curl": curl_command(f"{svc.settings.base_url}/in/{endpoint.slug}", delivery)
        if delivery and endpoint
        else "",
        "curl_file": download_name(delivery) if delivery and curl_reads_file(delivery) else "",
        "related": await _related(request, viewer, event),
        "fields": [(k, present.shown_value(v)) for k, v in event.fields.items()],
    }


async def _related(request: Request, viewer: Viewer, event: Event) -> list[present.Row]:
    """Events about the same thing (same pull request, customer, zone…): same subject."""
    if not event.subject:
        return []
    found = await services(request).store.list_events(
        viewer.workspace_id, EventFilter(q=event.subject), 50
    )
    same = [e for e in found if e.subject == event.subject and e.id != event.id]
    return [present.row(e) for e in same[:RELATED]]


async def event_page(request: Request) -> Response:
    viewer = await require_viewer(request)
    detail = await _detail(request, viewer)
    return await page(request, viewer, "event.html", "feed", **detail)


async def event_panel(request: Request) -> Response:
    viewer = await require_viewer(request)
    detail = await _detail(request, viewer)
    return fragment("_event_panel.html", csrf=viewer.csrf_token, **detail)


async def raw_delivery(request: Request) -> Response:
    """The delivery's bytes exactly as received, as a file to save (never shown as a page)."""
    viewer = await require_viewer(request)
    event, delivery = await _found(request, viewer)
    if delivery is None:
        if event.delivery_id is None:
            raise ApiError(404, "not_found", "This event was not made from a delivery.")
        raise ApiError(410, "gone", "The stored delivery of this event was pruned.")
    disposition = f'attachment; filename="{download_name(delivery)}"'
    return Response(
        delivery.body,
        media_type="application/octet-stream",
        headers={**_DOWNLOAD_HEADERS, "Content-Disposition": disposition},
    )


async def replay(request: Request) -> Response:
    """Parse the stored delivery again into new events (they reach the feed live)."""
    viewer = await require_viewer(request)
    from_script = CSRF_HEADER in request.headers
    if from_script:
        check_csrf(request, viewer.csrf_token, request.headers.get(CSRF_HEADER))
    else:
        await viewer_form(request, viewer)
    svc = services(request)
    event_id = parse_id(request.path_params["event_id"])
    event = await svc.store.get_event(viewer.workspace_id, event_id) if event_id else None
    if event is None or event.delivery_id is None:
        raise ApiError(404, "not_found", "No replayable event with this id in your workspace.")
    delivery = await svc.store.get_delivery(viewer.workspace_id, event.delivery_id)
    if delivery is None:
        raise ApiError(
            410, "gone", "The stored delivery of this event was pruned; it cannot be replayed."
        )
    events = await svc.processor.replay(delivery)
    if from_script:
        return json_response({"events": [e.id for e in events]})
    return see_other(f"/events/{events[0].id}" if events else f"/events/{event.id}")
