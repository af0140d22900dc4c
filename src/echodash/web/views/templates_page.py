"""Feed templates pages: the event types seen lately, and per type its title and key fields.

A template is saved per workspace under `template:<source>:<type>`; the processor applies it
to new events (and to replayed ones), the feed reads its fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from echodash import titles
from echodash.events import Event, FieldValue
from echodash.pipeline.templating import PREFIX, saved_templates
from echodash.store.base import EventFilter, Store
from echodash.titles.preview import draft_of
from echodash.web import present
from echodash.web.offload import off_loop
from echodash.web.pages import fragment, page, require_viewer
from echodash.web.payload_view import parse_json
from echodash.web.responses import ApiError, services
from echodash.web.sessions import CSRF_FIELD, CSRF_HEADER, Viewer, check_csrf
from echodash.web.views.forms import read_form, see_other, viewer_form

SAMPLE = 500  # newest events looked at to list the types seen lately
PREVIEW = 5  # events of one type shown in the preview
MAX_FINGERPRINT = 300
_SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOTICES = {
    "saved": "Template saved. New events of this type use it; replay an older event to "
    "re-title it.",
    "reset": "Back to the default: new events of this type keep the title and fields their "
    "source gives them.",
}


@dataclass
class TypeRow:
    """One event type on the list page."""

    fingerprint: str
    source: str
    type: str
    icon: str
    label: str
    count: int = 0
    sample_title: str = ""
    custom: bool = False
    url: str = ""


@dataclass
class Editor:
    """What the edit page shows: the template being edited and its preview."""

    fingerprint: str
    source: str
    type: str
    title: str
    builtin: str = ""  # the newest event's own title (what an empty template keeps)
    starting_point: str = ""  # a template rendering that title, offered to start from
    fields: list[tuple[str, FieldValue, bool]] = field(default_factory=list)
    rows: list[titles.PreviewRow] = field(default_factory=list)
    saved: bool = False
    has_samples: bool = False


def edit_url(fp: str) -> str:
    return "/templates/" + quote(fp, safe=":")


def split_fingerprint(raw: str) -> tuple[str, str]:
    """(source, type) of a fingerprint from a URL; a malformed one is a 404."""
    source, colon, type_ = raw.partition(":")
    if (
        not colon
        or not type_.strip()
        or len(raw) > MAX_FINGERPRINT
        or not _SOURCE.fullmatch(source)
        or _CONTROL.search(type_)
    ):
        raise ApiError(404, "not_found", "No such event type: it is written source:type.")
    return source, type_


async def templates_list(request: Request) -> Response:
    viewer = await require_viewer(request)
    store = services(request).store
    events = await store.list_events(viewer.workspace_id, EventFilter(), SAMPLE)
    saved = await saved_templates(store, viewer.workspace_id)
    seen: dict[str, TypeRow] = {}
    for event in events:  # newest first: the first of each type is its sample
        fp = titles.fingerprint(event.source, event.type)
        row = seen.get(fp)
        if row is None:
            row = seen[fp] = _type_row(fp, event.source, event.type, fp in saved)
            row.sample_title = event.title
        row.count += 1
    rows = sorted(seen.values(), key=lambda r: (-r.count, r.fingerprint))
    others = []
    for fp in sorted(set(saved) - set(seen)):
        source, _, type_ = fp.partition(":")
        others.append(_type_row(fp, source, type_, True))
    return await page(
        request,
        viewer,
        "templates_list.html",
        "templates",
        rows=rows,
        others=others,
        sample_size=len(events),
        is_admin=viewer.is_admin,
    )


def _type_row(fp: str, source: str, type_: str, custom: bool) -> TypeRow:
    return TypeRow(
        fingerprint=fp,
        source=source,
        type=type_,
        icon=present.icon_for(source),
        label=present.source_label(source),
        custom=custom,
        url=edit_url(fp),
    )


# One event type's template
Sample = tuple[Event, bytes | None]  # an event of the type, and the body of its delivery


async def _samples(store: Store, workspace_id: int, source: str, type_: str) -> list[Sample]:
    events = await store.list_events(workspace_id, EventFilter(source=source, type=type_), PREVIEW)
    samples: list[Sample] = []
    for event in events:
        delivery = (
            await store.get_delivery(workspace_id, event.delivery_id)
            if event.delivery_id is not None
            else None
        )
        samples.append((event, delivery.body if delivery is not None else None))
    return samples


def _candidates(samples: list[Sample]) -> list[tuple[str, FieldValue]]:
    """The fields the newest sample's payload offers. Its body may be 25 MB: this runs off
    the event loop (the previews parse theirs in the render child)."""
    if not samples:
        return []
    event, body = samples[0]
    payload = parse_json(body)[1] if body is not None else None
    return titles.candidate_fields(draft_of(event), payload)


def _submitted(form: dict[str, str]) -> tuple[str, list[str]]:
    """(title template, chosen field names in the order shown) of a submitted form."""
    numbered: list[tuple[int, str]] = []
    for key, value in form.items():
        index = key.removeprefix("field-")
        if (
            key.startswith("field-")
            and index.isascii()
            and index.isdigit()
            and len(index) < 6
            and value.strip()
        ):
            numbered.append((int(index), value.strip()))
    names: list[str] = []
    for _, name in sorted(numbered):
        if name not in names:
            names.append(name)
    return form.get("title", "").replace("\r\n", "\n"), names


def _template_of(title: str, names: list[str]) -> titles.FeedTemplate:
    """The template a form describes, with the model's limits (TemplateError if broken)."""
    return titles.FeedTemplate.from_json(
        {"title": title if title.strip() else None, "fields": names}
    )


async def _editor(
    request: Request,
    viewer: Viewer,
    fp: str,
    submitted: tuple[str, list[str]] | None = None,
) -> tuple[Editor, str | None]:
    """The editor for `fp`: as saved (or the default), or as the form `submitted` it; with
    the preview and any error in the template."""
    source, type_ = split_fingerprint(fp)
    store = services(request).store
    samples = await _samples(store, viewer.workspace_id, source, type_)
    saved = await _saved_one(store, viewer.workspace_id, fp)
    newest = draft_of(samples[0][0]) if samples else None
    if submitted is not None:
        title, chosen = submitted
    else:
        # Empty unless a title was saved: the built-in title is shown beside the box, never
        # copied into it, so saving only key fields cannot freeze one event's wording.
        title = saved.title if saved is not None and saved.title is not None else ""
        if saved is not None and saved.fields is not None:
            chosen = list(saved.fields)
        else:
            chosen = list(newest.fields)[: present.KEY_FIELDS_SHOWN] if newest else []
    error = None
    template: titles.FeedTemplate | None = None
    try:
        template = _template_of(title, chosen)
        if template.title is not None:
            titles.check_template(template.title)
    except titles.TemplateError as problem:
        error, template = str(problem), None
    candidates = await off_loop(_candidates, samples)
    rows = (
        await titles.preview(services(request).previews, template, samples)
        if template is not None
        else []
    )
    # The chosen fields first, in their order (which is the feed's), then the others offered.
    values = dict(candidates)
    shown = [(name, values.get(name), True) for name in chosen]
    shown += [(name, value, False) for name, value in candidates if name not in chosen]
    editor = Editor(
        fingerprint=fp,
        source=source,
        type=type_,
        title=title,
        builtin=samples[0][0].title if samples else "",
        starting_point=titles.default_title_template(newest) if newest is not None else "",
        fields=shown,
        rows=rows if error is None else _unchanged(samples, error),
        saved=saved is not None,
        has_samples=bool(samples),
    )
    return editor, error


def _unchanged(samples: list[Sample], error: str) -> list[titles.PreviewRow]:
    return [
        titles.PreviewRow(
            event_id=event.id,
            before=event.title,
            after=event.title,
            fields=[],
            error=error,
        )
        for event, _ in samples
    ]


async def _saved_one(store: Store, workspace_id: int, fp: str) -> titles.FeedTemplate | None:
    doc = await store.get_setting(workspace_id, 0, PREFIX + fp)
    if doc is None:
        return None
    try:
        return titles.FeedTemplate.from_json(doc)
    except titles.TemplateError:
        return None


async def _edit_page(
    request: Request,
    viewer: Viewer,
    editor: Editor,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    page_error: str | None = None,
) -> Response:
    return await page(
        request,
        viewer,
        "template_edit.html",
        "templates",
        status,
        editor=editor,
        error=error,
        page_error=page_error,
        notice=notice,
        url=edit_url(editor.fingerprint),
        label=present.source_label(editor.source),
        icon=present.icon_for(editor.source),
        is_admin=viewer.is_admin,
    )


async def template_edit(request: Request) -> Response:
    viewer = await require_viewer(request)
    fp = request.path_params["fingerprint"]
    editor, _ = await _editor(request, viewer, fp)
    notice = _NOTICES.get(request.query_params.get("done", ""))
    return await _edit_page(request, viewer, editor, notice=notice)


async def template_preview(request: Request) -> Response:
    """The preview of the template in the form: a fragment for the page's script, or the
    whole edit page when sent by the Preview button (no script)."""
    viewer = await require_viewer(request)
    form = await read_form(request)
    check_csrf(request, viewer.csrf_token, request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD))
    limiter = services(request).preview_limiter
    if not limiter.allow(viewer.user.id):
        raise ApiError(
            429,
            "rate_limited",
            "Previews are limited to a few a second; this one is shown in a moment.",
            {"Retry-After": str(limiter.retry_after())},
        )
    fp = request.path_params["fingerprint"]
    editor, error = await _editor(request, viewer, fp, _submitted(form))
    if form.get("preview") == "page":
        return await _edit_page(request, viewer, editor, error=error)
    return fragment("_template_preview.html", editor=editor, error=error)


async def template_save(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("change feed templates")
    fp = request.path_params["fingerprint"]
    split_fingerprint(fp)
    svc = services(request)
    if form.get("action") == "reset":
        await svc.store.put_setting(viewer.workspace_id, 0, PREFIX + fp, None)
        svc.processor.templates.forget(viewer.workspace_id)
        return see_other(edit_url(fp) + "?done=reset")
    submitted = _submitted(form)
    editor, error = await _editor(request, viewer, fp, submitted)
    if error is not None:
        return await _edit_page(
            request, viewer, editor, error=error, page_error=f"Not saved: {error}", status=400
        )
    template = _template_of(*submitted)
    await svc.store.put_setting(viewer.workspace_id, 0, PREFIX + fp, template.to_json())
    svc.processor.templates.forget(viewer.workspace_id)
    return see_other(edit_url(fp) + "?done=saved")
