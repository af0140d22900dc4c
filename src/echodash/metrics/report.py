"""Each metric for one workspace and window, read from the store's facts: what the HTTP API
answers and the `echodash metrics` command prints (the same JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from echodash.metrics import dora, product, revenue
from echodash.metrics.dora import FIRST_DEPLOY_LOOKBACK, Deployment, Incident, Push
from echodash.metrics.product import Activity, Period
from echodash.metrics.revenue import Snapshot
from echodash.metrics.settings import MetricSettings

DEFAULT_WINDOW = timedelta(days=90)
MAX_WINDOW = timedelta(days=3660)
# The trailing days MAU looks back over before a window's first day.
_MAU_DAYS = timedelta(days=31)


class FactReader(Protocol):
    """The store's metric reads (store/base/metrics.py)."""

    async def metric_deployments(self, workspace_id: int, until: datetime) -> list[Deployment]: ...

    async def metric_pushes(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[Push]: ...

    async def metric_incidents(self, workspace_id: int, until: datetime) -> list[Incident]: ...

    async def metric_snapshots(self, workspace_id: int, until: datetime) -> list[Snapshot]: ...

    async def metric_activity(
        self,
        workspace_id: int,
        since: datetime | None,
        until: datetime,
        names: Sequence[str] | None = None,
        *,
        ordered: bool = True,
    ) -> list[Activity]: ...

    async def metric_score_counts(
        self, workspace_id: int, since: datetime, until: datetime, name: str
    ) -> dict[float, int]: ...

    async def metric_activity_overview(
        self, workspace_id: int, since: datetime, until: datetime, name: str | None = None
    ) -> tuple[list[tuple[str, int]], int]: ...

    async def metric_firsts(
        self, workspace_id: int, first: str, then: str | None, until: datetime
    ) -> list[tuple[str, datetime, datetime | None]]: ...

    async def metric_active_gaps(
        self,
        workspace_id: int,
        since: datetime,
        until: datetime,
        names: Sequence[str] | None = None,
        zone: str = "UTC",
    ) -> list[tuple[date, int, int]]: ...

    async def metric_retention_counts(
        self,
        workspace_id: int,
        start_event: str,
        return_event: str,
        period: str,
        since: datetime,
        until: datetime,
        zone: str = "UTC",
    ) -> list[tuple[date, int | None, int]]: ...

    async def metric_funnel_paths(
        self,
        workspace_id: int,
        steps: Sequence[str],
        since: datetime,
        until: datetime,
        window: timedelta,
    ) -> list[tuple[int | None, ...]]: ...


def _service(repository: str | None, deployments: Sequence[Deployment]) -> str | None:
    """A repository filter as given (`acme/web`) or as a service (`github:acme/web`)."""
    if not repository:
        return None
    if any(d.service == repository for d in deployments):
        return repository
    matching = sorted({d.service for d in deployments if d.service.endswith(":" + repository)})
    return matching[0] if len(matching) == 1 else repository


def pushes_from_when(deployments: Sequence[Deployment], since: datetime) -> datetime:
    """How far back pushes matter to the window's deployments: to the last deployment before
    it of every repository and environment (a first-ever one looks back 30 days)."""
    earliest = since - FIRST_DEPLOY_LOOKBACK
    last_before: dict[tuple[str, str], datetime] = {}
    for deployment in deployments:
        if deployment.at < since:
            last_before[(deployment.service, deployment.environment)] = deployment.at
    return min([earliest, *last_before.values()])


async def dora_result(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    repository: str | None = None,
    environment: str | None = None,
    settings: MetricSettings | None = None,
) -> dora.Dora:
    """The delivery metrics with the facts behind them (`to_json()` is the API's answer)."""
    settings = settings or MetricSettings()
    deployments = await store.metric_deployments(workspace_id, until)
    pushes = await store.metric_pushes(workspace_id, pushes_from_when(deployments, since), until)
    incidents = await store.metric_incidents(workspace_id, until)
    return dora.dora(
        deployments,
        pushes,
        incidents,
        since,
        until,
        settings=dora.Settings(production=settings.production),
        service=_service(repository, deployments),
        environment=environment or None,
        zone=settings.zone,
    )


async def dora_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    repository: str | None = None,
    environment: str | None = None,
    settings: MetricSettings | None = None,
) -> dict[str, Any]:
    result = await dora_result(
        store,
        workspace_id,
        since,
        until,
        repository=repository,
        environment=environment,
        settings=settings,
    )
    return result.to_json()


async def revenue_result(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    currency: str | None = None,
    settings: MetricSettings | None = None,
    series: bool = True,
) -> tuple[revenue.Revenue, list[Snapshot]]:
    """The revenue metrics and the subscription snapshots they were worked out from."""
    settings = settings or MetricSettings()
    snapshots = await store.metric_snapshots(workspace_id, until)
    chosen = (currency or settings.currency or "").lower() or None
    found = revenue.revenue(snapshots, since, until, chosen, series=series, zone=settings.zone)
    return found, snapshots


async def revenue_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    currency: str | None = None,
    settings: MetricSettings | None = None,
    series: bool = True,
) -> dict[str, Any]:
    found, _snapshots = await revenue_result(
        store, workspace_id, since, until, currency=currency, settings=settings, series=series
    )
    return found.to_json()


async def product_activity(
    store: FactReader, workspace_id: int, since: datetime, until: datetime, event: str | None
) -> list[Activity]:
    """What active users are counted from: the window and the 30 days before it."""
    return await store.metric_activity(
        workspace_id, since - _MAU_DAYS, until, None if event is None else [event]
    )


async def product_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    event: str | None = None,
    settings: MetricSettings | None = None,
) -> dict[str, Any]:
    settings = settings or MetricSettings()
    names = None if event is None else [event]
    zone = settings.zone
    days = product.local_days(since, until, zone)
    if not days:
        return product.active_users_from_gaps([], days)
    # The database counts, per local day, the people active on it by how long before they
    # were last active: from MAU's first day (29 days before the window's) to its end.
    first = datetime.combine(days[0] - timedelta(days=29), time(), zone)
    gaps = await store.metric_active_gaps(workspace_id, first, until, names, settings.timezone)
    return product.active_users_from_gaps(gaps, days)


async def history_activity(
    store: FactReader, workspace_id: int, until: datetime, names: Sequence[str]
) -> list[Activity]:
    """The named events' whole history before `until` (retention and time to value: a first
    start event or signup before the window keeps that person out of it)."""
    return await store.metric_activity(workspace_id, None, until, sorted(set(names)))


async def retention_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    start_event: str,
    return_event: str,
    period: Period,
    settings: MetricSettings | None = None,
) -> dict[str, Any]:
    settings = settings or MetricSettings()
    # First-time retention (a person's first start event may lie before the window), the
    # cohorts and their returns counted by the database.
    counts = await store.metric_retention_counts(
        workspace_id, start_event, return_event, period, since, until, settings.timezone
    )
    return product.retention_from_counts(counts, period, until, settings.zone)


async def window_activity(
    store: FactReader, workspace_id: int, since: datetime, until: datetime, names: Sequence[str]
) -> list[Activity]:
    """The named events in the window (funnels and surveys)."""
    return await store.metric_activity(workspace_id, since, until, sorted(set(names)))


async def funnel_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    steps: Sequence[str],
    window_days: float,
) -> dict[str, Any]:
    # The database finds each person's furthest path.
    paths = await store.metric_funnel_paths(
        workspace_id, steps, since, until, timedelta(days=window_days)
    )
    return product.funnel_from_paths(paths, steps)


async def time_to_value_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    signup_event: str,
    activation_event: str,
) -> dict[str, Any]:
    # A person's first signup may lie before the window (they are then not in it).
    firsts = await store.metric_firsts(workspace_id, signup_event, activation_event, until)
    return product.time_to_value_from_firsts(firsts, since, until)


def survey(kind: str, activity: Sequence[Activity]) -> dict[str, Any]:
    """NPS (`kind` nps) or CSAT (`kind` csat) over the answers' `score`."""
    scores = [a.score for a in activity if a.score is not None]
    return product.nps(scores) if kind == "nps" else product.csat(scores)


async def survey_report(
    store: FactReader,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    kind: str,
    event: str,
) -> dict[str, Any]:
    """NPS (`kind` nps) or CSAT (`kind` csat) over the `score` of the event's answers."""
    counts = await store.metric_score_counts(workspace_id, since, until, event)
    return product.nps_counts(counts) if kind == "nps" else product.csat_counts(counts)
