"""`/dashboards/events`: the events a dashboard number was computed from, as feed rows
(each links to its event page). Which events they are is the metrics' own answer
(`metrics.explain.events_behind`); this page only lists them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from echodash.metrics.explain import events_behind
from echodash.web import present
from echodash.web.dashboard_range import link, read_range
from echodash.web.metric_notes import DEFINITIONS
from echodash.web.pages import page, require_viewer
from echodash.web.responses import ApiError, services

SHOWN = 500  # rows listed, newest first
# The numbers that can be drilled into, the dashboard each is on and its name there.
METRICS = {
    "dora.deployment_frequency": ("delivery", "Deployment frequency"),
    "dora.lead_time": ("delivery", "Change lead time"),
    "dora.change_failure_rate": ("delivery", "Change failure rate"),
    "dora.recovery_time": ("delivery", "Failed deployment recovery time"),
    "dora.rework_rate": ("delivery", "Deployment rework rate"),
    "revenue.mrr": ("revenue", "MRR"),
    "revenue.new": ("revenue", "New MRR"),
    "revenue.expansion": ("revenue", "Expansion MRR"),
    "revenue.contraction": ("revenue", "Contraction MRR"),
    "revenue.churn": ("revenue", "Churned MRR"),
    "revenue.reactivation": ("revenue", "Reactivation MRR"),
    "revenue.ltv": ("revenue", "LTV"),
    "revenue.trial_conversion": ("revenue", "Trial conversion"),
    "product.dau": ("product", "Daily active people"),
    "product.wau": ("product", "Weekly active people"),
    "product.mau": ("product", "Monthly active people"),
    "product.stickiness": ("product", "Stickiness"),
    "product.time_to_value": ("product", "Time to value"),
    "nps": ("product", "NPS"),
    "csat": ("product", "CSAT"),
}
_PASSED_ON = ("currency", "event", "signup_event", "activation_event")


async def metric_events(request: Request) -> Response:
    viewer = await require_viewer(request)
    values = {k: v[:200] for k, v in request.query_params.items()}
    metric = values.get("metric", "")
    if metric not in METRICS:
        raise ApiError(
            400,
            "bad_parameter",
            "Unknown number: follow a link from a dashboard (Delivery, Revenue or Product).",
        )
    dashboard, label = METRICS[metric]
    chosen = read_range(values)
    params = {k: values[k] for k in _PASSED_ON if values.get(k)}
    svc = services(request)
    try:
        ids = await events_behind(
            svc.store,
            viewer.workspace_id,
            metric,
            chosen.since,
            chosen.until,
            settings=await svc.store.get_metric_settings(viewer.workspace_id),
            params=params,
        )
        available = True
    except ValueError:
        ids, available = [], False
    found = await svc.store.events_by_ids(ids[:SHOWN]) if ids else []
    # The ids come from this workspace's facts; checked again all the same.
    events = {e.id: e for e in found if e.workspace_id == viewer.workspace_id}
    # Newest first by when each happened (a batch's ids need not follow its times).
    shown = sorted(
        (events[i] for i in ids[:SHOWN] if i in events),
        key=lambda e: (e.occurred_at, e.id),
        reverse=True,
    )
    rows = [present.row(e) for e in shown]
    return await page(
        request,
        viewer,
        "dashboard_events.html",
        "dashboards",
        metric=metric,
        label=label,
        definition=DEFINITIONS.get(metric, ""),
        window=chosen,
        back=link(f"/dashboards/{dashboard}", chosen, **params),
        dashboard=dashboard,
        rows=rows,
        total=len(ids),
        available=available,
        error=chosen.error,
    )
