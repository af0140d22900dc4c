"""Settings → Metrics: the workspace's metric settings (docs/metrics.md#settings): which
environments are production, which issue labels make an incident, the time zone days are
counted in and the currency revenue shows first.

The form is checked as `PATCH /api/v1/metrics/settings` checks its body (`parse_settings`)
and saved the same way (`save_settings`: a new incident label rebuilds the incident facts in
the background). Admins change them; everyone reads them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.metrics.settings import MAX_PATTERN, MetricSettings, SettingsError, parse_settings
from echodash.web.api.metrics import save_settings
from echodash.web.pages import require_viewer
from echodash.web.responses import services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form
from echodash.web.views.settings import settings_page

FIELDS = ("production_environment", "incident_label", "timezone", "currency")
# What the form shows for each field, in the order it shows them.
LABELS = {
    "production_environment": "Production environments",
    "incident_label": "Incident label",
    "timezone": "Time zone",
    "currency": "Currency",
}


async def _page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str] | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    store = services(request).store
    current = await store.get_metric_settings(viewer.workspace_id)
    rebuilding = any(r.workspace_id == viewer.workspace_id for r in await store.pending_relabels())
    shown = values if values is not None else _form_values(current)
    return await settings_page(
        request,
        viewer,
        "settings_metrics.html",
        "metrics",
        status,
        current=current,
        values=shown,
        labels=LABELS,
        max_pattern=MAX_PATTERN,
        rebuilding=rebuilding,
        **context,
    )


def _form_values(settings: MetricSettings) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in settings.to_json().items()}


async def metrics_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    return await _page(request, viewer)


async def save_metrics_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("change the metric settings")
    values = {name: form.get(name, "").strip() for name in FIELDS}
    svc = services(request)
    current = await svc.store.get_metric_settings(viewer.workspace_id)
    document: dict[str, Any] = dict(values)
    document["currency"] = values["currency"] or None  # empty: the one with the most MRR
    try:
        changed = parse_settings(document, current)
    except SettingsError as exc:
        problem = f"{LABELS.get(exc.field, exc.field)}: {str(exc).split(': ', 1)[-1]}"
        trimmed = {k: v[: MAX_PATTERN * 2] for k, v in values.items()}
        return await _page(request, viewer, trimmed, 400, error=problem)
    relabel = await save_settings(svc, viewer.workspace_id, changed)
    return see_other("/settings/metrics?done=" + ("metrics-relabel" if relabel else "metrics"))
