"""Sources: connect a tool in a few clicks, see what it sent and what was refused, rotate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash import endpoint_admin
from echodash.crypto import SecretKeyError
from echodash.events import utcnow
from echodash.sources import Guide, source_classes
from echodash.sources.notion import VERIFICATION_TYPE
from echodash.store.base import EndpointRecord, EventFilter
from echodash.web import present
from echodash.web.backfill_start import CannotStart, can_backfill, start_backfill
from echodash.web.once import cleared, show_once, take_once
from echodash.web.pages import page, require_viewer
from echodash.web.params import parse_id
from echodash.web.responses import ApiError, services
from echodash.web.services import Services
from echodash.web.sessions import Viewer
from echodash.web.source_health import health_of
from echodash.web.views.forms import see_other, viewer_form

SPARK_BUCKETS = 24
SPARK_WIDTH = timedelta(hours=1)
# Popular tools first in the picker; the rest alphabetically.


# For a kind whose sender is no longer installed, or one that brings no guide of its own.
_ANY_TOOL = Guide(
    "The tool's webhook settings",
    ("URL: {url}", "Secret: {secret}", "Send a test delivery: it appears in the feed."),
)


def _guide(kind: str) -> Guide:
    cls = source_classes().get(kind)
    return (cls.guide if cls is not None else None) or _ANY_TOOL


REFUSALS_LISTED = 50


def _chart(accepted: list[int], refused: list[int]) -> present.VolumeChart:
    hours = int(SPARK_WIDTH.total_seconds() * SPARK_BUCKETS // 3600)
    return present.volume_chart(
        accepted or [0] * SPARK_BUCKETS, refused or [0] * SPARK_BUCKETS, hours
    )


def _uses_secrets(kind: str) -> bool:
    """Custom events come through the API with a token: their endpoint has no secret to show
    or rotate."""
    cls = source_classes().get(kind)
    return cls is None or cls.requires_secret


def _kinds() -> list[tuple[str, str, str]]:
    """(kind, label, icon) of every registered source, in picker order."""
    # The registry lists senders in their own picker order (`Source.order`), plugins too.
    return [(k, present.source_label(k), present.icon_for(k)) for k in source_classes()]


async def sources(request: Request) -> Response:
    viewer = await require_viewer(request)
    svc = services(request)
    records = await svc.store.list_endpoints(viewer.workspace_id)
    since = utcnow() - SPARK_WIDTH * SPARK_BUCKETS
    volume = await svc.store.delivery_volume(viewer.workspace_id, since, SPARK_WIDTH, SPARK_BUCKETS)
    refused = await svc.store.refusal_volume(viewer.workspace_id, since, SPARK_WIDTH, SPARK_BUCKETS)
    cards = []
    now = utcnow()
    for record in records:
        stats = await svc.store.endpoint_stats(viewer.workspace_id, record.id)
        counts = volume.get(record.id, [0] * SPARK_BUCKETS)
        cards.append(
            {
                "record": record,
                "stats": stats,
                "rejected": sum(stats.rejections.values()),
                "health": health_of(stats, now),
                "label": present.source_label(record.kind),
                "icon": present.icon_for(record.kind),
                "chart": _chart(counts, refused.get(record.id, [])),
                "day_total": sum(counts),
                "url": f"{svc.settings.base_url}/in/{record.slug}",
            }
        )
    return await page(
        request,
        viewer,
        "sources.html",
        "sources",
        cards=cards,
        welcome=request.query_params.get("welcome") == "1" and not cards,
    )


async def new_source(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin("add, rotate or delete endpoints")
    kind = request.query_params.get("kind", "")
    kinds = _kinds()
    if kind not in {k for k, _, _ in kinds}:
        kind = ""
    return await page(
        request,
        viewer,
        "source_new.html",
        "sources",
        kinds=kinds,
        kind=kind,
        guide=_guide(kind) if kind else None,
        name="",
        error="",
    )


async def create_source(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin("add, rotate or delete endpoints")
    form = await viewer_form(request, viewer)
    svc = services(request)
    kind = form.get("kind", "")
    name = form.get("name", "").strip() or None
    secret = form.get("secret", "").strip() or None
    try:
        record, plain = await endpoint_admin.create_endpoint(
            svc.store, svc.box, viewer.workspace_id, kind, name, secret
        )
    except endpoint_admin.InvalidEndpointError as exc:
        return await page(
            request,
            viewer,
            "source_new.html",
            "sources",
            status=400,
            kinds=_kinds(),
            kind=kind if kind in source_classes() else "",
            guide=_guide(kind) if kind in source_classes() else None,
            name=name or "",
            error=str(exc).replace("`", ""),
        )
    return _to_detail(request, viewer, record, plain, "created")


def _to_detail(
    request: Request, viewer: Viewer, record: EndpointRecord, secret: str, done: str
) -> Response:
    """After a form: the endpoint's page, showing the new secret there once (a reload of
    that page creates nothing and shows the secret no more)."""
    path = f"/sources/{record.id}"
    answer = see_other(path)
    show_once(request, answer, viewer, path, {"secret": secret, "done": done})
    return answer


async def source_detail(request: Request) -> Response:
    viewer = await require_viewer(request)
    record = await _owned(request, viewer)
    once = take_once(request, viewer)
    done = once.get("done", "")
    answer = await _detail(
        request,
        viewer,
        record,
        shown_secret=once.get("secret", ""),
        created=done == "created",
        rotated=done == "rotated",
    )
    return cleared(request, answer)


async def rotate_secret(request: Request) -> Response:
    """A new secret: generated, or the one the tool made; the old ones may stay a while."""
    viewer = await require_viewer(request)
    viewer.require_admin("add, rotate or delete endpoints")
    form = await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    svc = services(request)
    grace = form.get("keep_old", "0")
    keep = {"0": 0, "3600": 3600, "86400": 86400, "604800": 604800}.get(grace, 0)
    try:
        updated, plain, _ = await endpoint_admin.add_secret(
            svc.store, svc.box, record, form.get("secret", "").strip() or None, keep
        )
    except endpoint_admin.InvalidEndpointError as exc:
        raise ApiError(400, "invalid_secret", str(exc).replace("`", "")) from None
    svc.directory.forget(record.slug)
    return _to_detail(request, viewer, updated, plain, "rotated")


async def import_history(request: Request) -> Response:
    """Import history: a background backfill of the tool's API, its progress on this page."""
    viewer = await require_viewer(request)
    viewer.require_admin("import history")
    form = await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    try:
        run = await start_backfill(
            services(request),
            record,
            form.get("repo", "").strip() or None,
            form.get("since", "").strip() or None,
            form.get("api_url", "").strip() or None,
            form.get("token", "").strip() or None,
        )
    except CannotStart as exc:
        raise ApiError(400, "cannot_start", str(exc)) from None
    return see_other(f"/sources/{record.id}?backfill={run.id}")


async def _backfill_shown(request: Request, viewer: Viewer, record: EndpointRecord) -> Any:
    """The import this page follows (`?backfill=ID`, one of this endpoint's), if any."""
    wanted = parse_id(request.query_params.get("backfill", ""))
    if wanted is None:
        return None
    run = await services(request).store.get_backfill(viewer.workspace_id, wanted)
    return run if run is not None and run.endpoint_id == record.id else None


async def delete_source(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin("add, rotate or delete endpoints")
    await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    svc = services(request)
    await svc.store.delete_endpoint(viewer.workspace_id, record.id)
    svc.directory.forget(record.slug)
    return see_other("/sources")


async def _owned(request: Request, viewer: Viewer) -> EndpointRecord:
    endpoint_id = parse_id(request.path_params["endpoint_id"])
    record = (
        await services(request).store.get_endpoint(viewer.workspace_id, endpoint_id)
        if endpoint_id is not None
        else None
    )
    if record is None:
        raise ApiError(404, "not_found", "No endpoint with this id in your workspace.")
    return record


async def _detail(
    request: Request,
    viewer: Viewer,
    record: EndpointRecord,
    shown_secret: str = "",
    **flags: Any,
) -> Response:
    svc = services(request)
    stats = await svc.store.endpoint_stats(viewer.workspace_id, record.id)
    since = utcnow() - SPARK_WIDTH * SPARK_BUCKETS
    volume = await svc.store.delivery_volume(viewer.workspace_id, since, SPARK_WIDTH, SPARK_BUCKETS)
    counts = volume.get(record.id, [0] * SPARK_BUCKETS)
    refused = await svc.store.refusal_volume(viewer.workspace_id, since, SPARK_WIDTH, SPARK_BUCKETS)
    recent = await svc.store.list_events(
        viewer.workspace_id, EventFilter(endpoint_id=record.id), 10
    )
    now = utcnow()
    url = f"{svc.settings.base_url}/in/{record.slug}"
    handed = await _handed_over(svc, viewer, record)
    guide = _guide(record.kind)
    return await page(
        request,
        viewer,
        "source_detail.html",
        "sources",
        record=record,
        label=present.source_label(record.kind),
        icon=present.icon_for(record.kind),
        url=url,
        guide=guide,
        steps=[_step(s, url, shown_secret) for s in guide.steps],
        shown_secret=shown_secret,
        # Open until deliveries arrive, and whenever it holds something new to copy.
        setup_open=stats.deliveries == 0 or bool(shown_secret) or any(flags.values()),
        uses_secrets=_uses_secrets(record.kind),
        token_handed=handed is not None,
        handed_token=handed or "",
        stats=stats,
        rejections=sorted(stats.rejections.items(), key=lambda kv: -kv[1]),
        chart=_chart(counts, refused.get(record.id, [])),
        refusals=await svc.store.refusals(viewer.workspace_id, record.id, REFUSALS_LISTED),
        day_total=sum(counts),
        rows=[present.row(e) for e in recent],
        can_backfill=can_backfill(record.kind),
        backfill=await _backfill_shown(request, viewer, record),
        secrets=[
            {
                "position": i + 1,
                "created_at": s.created_at,
                "expires_at": s.expires_at,
                "active": s.expires_at is None or s.expires_at > now,
            }
            for i, s in enumerate(record.secrets)
        ],
        **flags,
    )


async def _handed_over(svc: Services, viewer: Viewer, record: EndpointRecord) -> str | None:
    """The token the sender handed over in its set-up request (Notion), for an admin to paste
    back there: "" for a member (it signs deliveries; members see that it came, not what it
    is), None when none came. Opened from the endpoint's sealed secret: it is kept nowhere
    else."""
    source = source_classes().get(record.kind)
    if source is None or not source.secret_from_handshake or not record.secrets:
        return None
    came = await svc.store.list_events(
        viewer.workspace_id, EventFilter(endpoint_id=record.id, type=VERIFICATION_TYPE), 1
    )
    # A handshake only sets the secret of an endpoint that has none: it is the first one.
    first = record.secrets[0]
    if not came or (first.expires_at is not None and first.expires_at <= utcnow()):
        return None
    if not viewer.is_admin:
        return ""
    try:
        return svc.box.open(first.sealed)
    except SecretKeyError:
        return None


def _step(text: str, url: str, secret: str) -> list[tuple[str, str]]:
    """A step as (kind, text) parts: plain text, or a value to copy."""
    parts: list[tuple[str, str]] = []
    rest = text
    while rest:
        cut = min((i for i in (rest.find("{url}"), rest.find("{secret}")) if i >= 0), default=-1)
        if cut < 0:
            parts.append(("text", rest.replace("{{", "{").replace("}}", "}")))
            break
        if cut:
            parts.append(("text", rest[:cut].replace("{{", "{").replace("}}", "}")))
        if rest.startswith("{url}", cut):
            parts.append(("copy", url))
            rest = rest[cut + 5 :]
        else:
            parts.append(("secret", secret))
            rest = rest[cut + 8 :]
    return parts
