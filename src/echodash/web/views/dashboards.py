"""The dashboards: Delivery (DORA), Revenue (Stripe) and Product (custom events), each over
the range picked in the URL (7d, 30d, 90d, 365d or since-until). Every number says what it
means and the count behind it on hover, and links to the events it was computed from
(`/dashboards/events`, dashboard_events.py). Charts are SVG drawn on the server (charts.py).

The pages stay current by themselves: dashboards.js reads the page again every 30 s, and a
few seconds after the feed's live stream brings a new event, and swaps the numbers in."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import utcnow
from echodash.metrics import report, revenue
from echodash.metrics.settings import MetricSettings
from echodash.metrics.trends import weekly
from echodash.web import charts, revenue_waterfall
from echodash.web.charts import Point
from echodash.web.dashboard_figures import (
    Figure,
    duration,
    major,
    money,
    percent,
    plural,
    seconds,
)
from echodash.web.dashboard_range import PRESETS, Range, link, read_range
from echodash.web.pages import page, require_viewer
from echodash.web.responses import services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other

PAGES = (("delivery", "Delivery"), ("revenue", "Revenue"), ("product", "Product"))
# What each page keeps from its URL besides the range (typed into its forms).
_KEPT = {
    "delivery": (),
    "revenue": ("currency",),
    "product": ("event", "start_event", "return_event", "steps", "window_days",
                "signup_event", "activation_event"),
}  # fmt: skip
MAX_TEXT = 200
MAX_STEPS = 10
SURVEY_EVENTS = ("nps", "csat")


def _values(request: Request) -> dict[str, str]:
    return {k: v[:MAX_TEXT] for k, v in request.query_params.items()}


async def _settings(request: Request, workspace_id: int) -> MetricSettings:
    """The workspace's metric settings (Settings → Metrics), the ones the API and the CLI
    count with: the dashboards show the same numbers."""
    return await services(request).store.get_metric_settings(workspace_id)


def _drill(metric: str, chosen: Range, **extra: str) -> str:
    return link("/dashboards/events", chosen, metric=metric, **extra)


def _day(day: date) -> str:
    return f"{day:%b} {day.day}"


async def _page(
    request: Request, viewer: Viewer, name: str, chosen: Range, **context: Any
) -> Response:
    values = _values(request)
    kept = {k: values[k] for k in _KEPT[name] if values.get(k)}
    return await page(
        request,
        viewer,
        f"dashboard_{name}.html",
        "dashboards",
        dashboard=name,
        dashboards=PAGES,
        window=chosen,
        presets=[(p, link(f"/dashboards/{name}", _preset(chosen, p), **kept)) for p in PRESETS],
        kept=kept,
        **context,
    )


async def index(request: Request) -> Response:
    await require_viewer(request)
    return see_other("/dashboards/delivery")


def _preset(chosen: Range, preset: str) -> Range:
    return Range(chosen.since, chosen.until, preset)


async def delivery(request: Request) -> Response:
    viewer = await require_viewer(request)
    chosen = read_range(_values(request))
    store = services(request).store
    ws = viewer.workspace_id
    # Facts at all (a range before the first deployment still shows its zeros).
    now = utcnow()
    if not await store.metric_deployments(ws, now) and not await store.metric_incidents(ws, now):
        return await _page(request, viewer, "delivery", chosen, connected=False)
    settings = await _settings(request, ws)
    result = await report.dora_result(store, ws, chosen.since, chosen.until, settings=settings)
    data = result.to_json()
    count = len(result.deployments)
    freq, lead = data["deployment_frequency"], data["lead_time_minutes"]
    cfr, recovery = data["change_failure_rate"], data["recovery_time_minutes"]
    figures = [
        Figure(
            "dora.deployment_frequency",
            "Deployment frequency",
            f"{count:,}",
            f"from {plural(count, 'production deployment')}",
            freq["band"],
            f"{round(freq['per_week'], 1):g} per week",
            _drill("dora.deployment_frequency", chosen),
        ),
        Figure(
            "dora.lead_time",
            "Change lead time",
            duration(lead["median"]),
            f"from {plural(len(result.changes), 'deployed change')}",
            lead["band"],
            f"median · p90 {duration(lead['p90'])}" if lead["p90"] is not None else "median",
            _drill("dora.lead_time", chosen),
        ),
        Figure(
            "dora.change_failure_rate",
            "Change failure rate",
            percent(cfr["value"]),
            f"from {len(result.failed):,} of {plural(count, 'deployment')}",
            cfr["band"],
            f"{plural(len(result.failed), 'deployment')} caused an incident",
            _drill("dora.change_failure_rate", chosen),
        ),
        Figure(
            "dora.recovery_time",
            "Failed deployment recovery time",
            duration(recovery["median"]),
            f"from {plural(len(result.recovered), 'resolved incident')}",
            recovery["band"],
            "median",
            _drill("dora.recovery_time", chosen),
        ),
        Figure(
            "dora.rework_rate",
            "Deployment rework rate",
            percent(data["rework_rate"]["value"]),
            f"from {len(result.rework):,} of {plural(count, 'deployment')}",
            None,
            f"{plural(len(result.rework), 'deployment')} during an open incident",
            _drill("dora.rework_rate", chosen),
        ),
    ]
    weeks = weekly(result)
    labels = [_day(w.start) for w in weeks]
    deploy_chart = charts.bars(
        "Deployments per week",
        labels,
        [
            Point(w.deployments, f"Week of {_day(w.start)}: {plural(w.deployments, 'deployment')}")
            for w in weeks
        ],
    )
    lead_chart = charts.line(
        "Median lead time per week (hours)",
        labels,
        [
            [
                Point(
                    None if w.lead_median_minutes is None else round(w.lead_median_minutes / 60, 2),
                    f"Week of {_day(w.start)}: median lead time {duration(w.lead_median_minutes)}",
                )
                for w in weeks
            ]
        ],
    )
    return await _page(
        request,
        viewer,
        "delivery",
        chosen,
        connected=True,
        figures=figures,
        deploy_chart=deploy_chart,
        lead_chart=lead_chart,
        has_leads=any(w.lead_median_minutes is not None for w in weeks),
    )


async def revenue_page(request: Request) -> Response:
    viewer = await require_viewer(request)
    values = _values(request)
    chosen = read_range(values)
    store = services(request).store
    snapshots = await store.metric_snapshots(viewer.workspace_id, chosen.until)
    if not snapshots and not await store.metric_snapshots(viewer.workspace_id, utcnow()):
        return await _page(request, viewer, "revenue", chosen, connected=False)
    known = revenue.currencies(snapshots)
    asked = values.get("currency", "").lower()
    notice = ""
    if asked and asked not in known:
        notice = f"No subscriptions in {asked.upper()[:3]}: showing the main currency instead."
        asked = ""
    settings = await _settings(request, viewer.workspace_id)
    currency = asked or settings.currency or revenue.main_currency(snapshots, chosen.until)
    result = revenue.revenue(snapshots, chosen.since, chosen.until, currency, zone=settings.zone)
    data = result.to_json()
    moved = data["movements"]
    customers = data["customers"]
    cur = {"currency": currency}

    def cash(minor: float | None) -> str:
        return money(minor, currency)

    mrr = Figure(
        "revenue.mrr",
        "MRR",
        cash(data["mrr"]["end"]),
        f"from {plural(customers['end'], 'paying customer')}",
        detail=f"{cash(data['mrr']['start'])} at the start",
        href=_drill("revenue.mrr", chosen, **cur),
    )
    movement_words = (
        ("new", "New", "customer"),
        ("expansion", "Expansion", "customer"),
        ("reactivation", "Reactivation", "customer"),
        ("contraction", "Contraction", "customer"),
        ("churn", "Churn", "churned customer"),
    )
    movements = [
        Figure(
            f"revenue.{key}",
            label,
            cash(moved[key]),
            f"from {plural(len(getattr(result, key)), noun)}",
            href=_drill(f"revenue.{key}", chosen, **cur),
        )
        for key, label, noun in movement_words
    ]
    ratios = [
        Figure(
            "revenue.customer_churn",
            "Customer churn",
            percent(data["customer_churn_rate"]),
            f"from {customers['churned']:,} of {plural(customers['start'], 'customer')}",
            detail=f"{customers['churned']:,} churned",
            href=_drill("revenue.churn", chosen, **cur),
        ),
        Figure(
            "revenue.arpa",
            "ARPA",
            cash(data["arpa"]),
            f"from {plural(customers['end'], 'paying customer')}",
            detail="per paying customer",
            href=_drill("revenue.mrr", chosen, **cur),
        ),
        Figure(
            "revenue.ltv",
            "LTV",
            cash(data["ltv"]),
            f"from {plural(customers['start'], 'customer')} at the start",
            detail="ARPA ÷ monthly churn",
            href=_drill("revenue.ltv", chosen, **cur),
        ),
        Figure(
            "revenue.trial_conversion",
            "Trial conversion",
            percent(data["trial_conversion"]),
            f"from {plural(result.trials_ended, 'trial')} ended",
            detail=f"{result.trials_converted:,} of {plural(result.trials_ended, 'trial')}",
            href=_drill("revenue.trial_conversion", chosen, **cur),
        ),
    ]
    series = data["series"]
    mrr_chart = charts.line(
        f"MRR per day ({currency.upper()})",
        [_day(date.fromisoformat(p["date"])) for p in series],
        [[Point(major(p["mrr"], currency), f"{p['date']}: {cash(p['mrr'])}") for p in series]],
        width=charts.WIDE,
    )
    return await _page(
        request,
        viewer,
        "revenue",
        chosen,
        connected=True,
        notice=notice,
        currency=currency,
        currencies=[
            (c, link("/dashboards/revenue", chosen, currency=c), c == currency) for c in known
        ],
        mrr=mrr,
        movements=movements,
        ratios=ratios,
        mrr_chart=mrr_chart,
        waterfall=revenue_waterfall.chart(result.months or [], currency),
        months=revenue_waterfall.rows(result.months or [], currency, settings.zone),
        kinds=[label for _key, label, _sign in revenue_waterfall.KINDS],
    )


def _steps(raw: str) -> tuple[list[str], str]:
    steps = [s.strip() for s in re.split(r"[,\n]", raw) if s.strip()]
    if len(steps) > MAX_STEPS:
        return steps[
            :MAX_STEPS
        ], f"A funnel has at most {MAX_STEPS} steps: the first ones are shown."
    return steps, ""


async def product_page(request: Request) -> Response:
    viewer = await require_viewer(request)
    values = _values(request)
    chosen = read_range(values)
    since, until = chosen.since, chosen.until
    store = services(request).store
    ws = viewer.workspace_id
    settings = await _settings(request, ws)
    event = values.get("event", "").strip() or None
    # Counted by the database, as the metrics API counts them: the range's events are
    # never read one by one (a year of a busy product is millions of them).
    counts, people = await store.metric_activity_overview(ws, since, until, event)
    if not counts:
        return await _page(request, viewer, "product", chosen, connected=False)
    names = [name for name, _count in counts]
    usage = [n for n in names if n not in SURVEY_EVENTS]
    active = await report.product_report(store, ws, since, until, event=event, settings=settings)
    last = {k: (active[k][-1]["value"] if active[k] else 0) for k in ("dau", "wau", "mau")}
    daily = [p["value"] for p in active["dau"]]
    mean_dau = sum(daily) / len(daily) if daily else 0.0
    behind = f"from {plural(people, 'person', 'people')} active in the range"
    figures = [
        Figure("product.dau", "DAU", f"{mean_dau:,.1f}", behind,
               detail=f"mean per day · {last['dau']:,} on the last day",
               href=_drill("product.dau", chosen, event=event or "")),
        Figure("product.wau", "WAU", f"{last['wau']:,}", behind, detail="trailing 7 days",
               href=_drill("product.wau", chosen, event=event or "")),
        Figure("product.mau", "MAU", f"{last['mau']:,}", behind, detail="trailing 30 days",
               href=_drill("product.mau", chosen, event=event or "")),
        Figure("product.stickiness", "Stickiness", percent(active["stickiness"]), behind,
               detail="mean DAU ÷ MAU",
               href=_drill("product.stickiness", chosen, event=event or "")),
    ]  # fmt: skip
    labels = [_day(date.fromisoformat(p["date"])) for p in active["dau"]]
    lines = [
        [Point(p["value"], f"{p['date']}: {p['value']:,} {name}") for p in active[key]]
        for key, name in (("mau", "MAU"), ("wau", "WAU"), ("dau", "DAU"))
    ]
    start_event = values.get("start_event", "").strip() or (
        "signup" if "signup" in names else (usage[0] if usage else "")
    )
    return_event = values.get("return_event", "").strip() or (usage[0] if usage else "")
    retention = None
    if start_event and return_event:
        retention = await report.retention_report(
            store, ws, since, until, start_event=start_event, return_event=return_event,
            period="week", settings=settings,
        )  # fmt: skip
    steps, steps_error = _steps(values.get("steps", ""))
    window_days = _window_days(values.get("window_days", ""))
    funnel = None
    if steps:
        funnel = await report.funnel_report(
            store, ws, since, until, steps=steps, window_days=window_days
        )
    signup_event = values.get("signup_event", "").strip() or "signup"
    activation_event = values.get("activation_event", "").strip() or next(
        (n for n in usage if n != signup_event), ""
    )
    ttv = None
    if activation_event:
        ttv = await report.time_to_value_report(
            store, ws, since, until, signup_event=signup_event, activation_event=activation_event
        )
    nps = await report.survey_report(store, ws, since, until, kind="nps", event="nps")
    csat = await report.survey_report(store, ws, since, until, kind="csat", event="csat")
    surveys = [
        Figure("nps", "NPS", "—" if nps["nps"] is None else f"{nps['nps']:g}",
               f"from {plural(nps['responses'], 'answer')}",
               detail=f"{nps['promoters']} promoters · {nps['detractors']} detractors",
               href=_drill("nps", chosen)),
        Figure("csat", "CSAT", "—" if csat["csat"] is None else f"{csat['csat']:g} %",
               f"from {plural(csat['responses'], 'answer')}",
               detail=f"{csat['satisfied']} satisfied", href=_drill("csat", chosen)),
    ]  # fmt: skip
    if ttv is not None:
        surveys.insert(
            0,
            Figure(
                "product.time_to_value",
                "Time to value",
                seconds(ttv["median_seconds"]),
                f"from {ttv['activated']:,} of {plural(ttv['users'], 'person', 'people')} "
                "who signed up",
                detail=f"{signup_event} → {activation_event}",
                href=_drill(
                    "product.time_to_value",
                    chosen,
                    signup_event=signup_event,
                    activation_event=activation_event,
                ),
            ),
        )
    return await _page(
        request,
        viewer,
        "product",
        chosen,
        connected=True,
        figures=figures,
        active_chart=charts.line(
            "Active people per day: MAU, WAU, DAU", labels, lines, width=charts.WIDE, integer=True
        ),
        names=names,
        event=event or "",
        start_event=start_event,
        return_event=return_event,
        retention=_heatmap(retention),
        steps=steps,
        steps_text=", ".join(steps),
        steps_error=steps_error,
        window_days=window_days,
        funnel=_funnel_rows(funnel),
        signup_event=signup_event,
        activation_event=activation_event,
        surveys=surveys,
    )


def _funnel_rows(funnel: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """Each step with its conversion in words and the median time from the step before."""
    if funnel is None:
        return None
    return [
        {
            "event": step["event"],
            "count": step["count"],
            "share": step["conversion"] or 0.0,
            "conversion": f"{(step['conversion'] or 0.0) * 100:.1f} %",
            "after": seconds(step["median_seconds_from_previous"]),
        }
        for step in funnel["steps"]
    ]


def _window_days(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 365 else 14


def _heatmap(retention: dict[str, Any] | None) -> dict[str, Any] | None:
    """The cohort table: each cell its count, share of the cohort and a shade (0-10)."""
    if retention is None or not retention["cohorts"]:
        return None
    rows = []
    width = max(len(c["retained"]) for c in retention["cohorts"])
    for cohort in retention["cohorts"]:
        size = cohort["size"]
        cells = []
        for n, kept in enumerate(cohort["retained"]):
            share = kept / size if size else 0.0
            cells.append(
                {
                    "count": kept,
                    "share": f"{share * 100:.0f} %",
                    "shade": round(share * 10),
                    "tip": f"Week {n}: {kept:,} of {size:,} ({share * 100:.1f} %)",
                }
            )
        start = date.fromisoformat(cohort["start"])
        rows.append({"start": _day(start), "size": size, "cells": cells})
    return {"rows": rows, "width": width}
