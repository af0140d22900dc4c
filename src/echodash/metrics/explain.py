"""The events behind a metric: which stored events a dashboard number was worked out from, so
that clicking the number lists them (newest first).

A minimal version: deployments (`dora.deployment_frequency`), failed deployments and the
incidents they caused (`dora.change_failure_rate`), deployments made during an incident and
that incident (`dora.rework_rate`), resolved incidents (`dora.recovery_time`), the
subscriptions making up MRR (`revenue.mrr`), and the product events of the range
(`product.dau`, `nps`, `csat`). Other names are refused with ValueError."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from echodash.metrics import dora
from echodash.metrics.report import FactReader
from echodash.metrics.revenue import Ledger, main_currency, subscription_mrr
from echodash.metrics.settings import MetricSettings


async def events_behind(
    store: FactReader,
    workspace_id: int,
    metric: str,
    since: datetime,
    until: datetime,
    *,
    settings: MetricSettings,
    params: Mapping[str, str],
) -> list[int]:
    """The ids of the events `metric` over `[since, until)` was computed from, newest first."""
    if metric == "dora.deployment_frequency":
        ids = await _deployments(store, workspace_id, since, until, settings)
    elif metric == "dora.recovery_time":
        ids = await _incidents(store, workspace_id, since, until)
    elif metric in ("dora.change_failure_rate", "dora.rework_rate"):
        ids = await _failures(store, workspace_id, since, until, settings, metric)
    elif metric == "revenue.mrr":
        ids = await _subscriptions(store, workspace_id, until, settings, params)
    elif metric in ("product.dau", "nps", "csat"):
        names = [metric] if metric in ("nps", "csat") else None
        if metric == "product.dau" and params.get("event"):
            names = [params["event"]]
        activity = await store.metric_activity(workspace_id, since, until, names)
        ids = [a.event_id for a in activity if a.event_id is not None and since <= a.at < until]
    else:
        raise ValueError(f"unknown metric {metric!r}")
    return sorted(set(ids), reverse=True)


async def _deployments(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    settings: MetricSettings,
) -> list[int]:
    rules = dora.Settings(production=settings.production)
    return [
        d.event_id
        for d in await store.metric_deployments(workspace_id, until)
        if d.event_id is not None
        and since <= d.at < until
        and dora.is_production(d.environment, rules)
    ]


async def _incidents(
    store: FactReader, workspace_id: int, since: datetime, until: datetime
) -> list[int]:
    """The events of the incidents resolved in the window (recovery time's median)."""
    return [
        event_id
        for incident in await store.metric_incidents(workspace_id, until)
        if incident.end is not None and since <= incident.end < until
        for event_id in incident.event_ids
    ]


async def _failures(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    settings: MetricSettings,
    metric: str,
) -> list[int]:
    """Failed deployments and the incidents they caused, or deployments made while an
    incident of their service was open and those incidents."""
    deployments = await store.metric_deployments(workspace_id, until)
    incidents = await store.metric_incidents(workspace_id, until)
    result = dora.dora(
        deployments, [], incidents, since, until, settings=dora.Settings(settings.production)
    )
    chosen = result.failed if metric == "dora.change_failure_rate" else result.rework
    keys = {d.key for d in chosen}
    ids = [d.event_id for d in chosen if d.event_id is not None]
    for incident in incidents:
        cause = result.causes.get(incident.key)
        caused = metric == "dora.change_failure_rate" and cause is not None and cause.key in keys
        during = metric == "dora.rework_rate" and any(
            d.service == incident.service
            and incident.start <= d.at
            and (incident.end is None or d.at < incident.end)
            for d in chosen
        )
        if caused or during:
            ids.extend(incident.event_ids)
    return ids


async def _subscriptions(
    store: FactReader,
    workspace_id: int,
    until: datetime,
    settings: MetricSettings,
    params: Mapping[str, str],
) -> list[int]:
    """The latest snapshot of each subscription bringing MRR at the window's end."""
    snapshots = await store.metric_snapshots(workspace_id, until)
    currency = (params.get("currency") or settings.currency or "").lower() or main_currency(
        snapshots, until
    )
    ledger = Ledger(snapshots, currency)
    ids = []
    for subscription in ledger.history:
        latest = ledger.at(subscription, until)
        if latest is not None and latest.event_id is not None and subscription_mrr(latest) > 0:
            ids.append(latest.event_id)
    return ids
