"""The events behind each number: for every metric, the ids of the stored events its value was
worked out from (`?explain=1` on the metrics API, the dashboards' drill-down).

Pure functions over what the metrics were computed from (the same facts, the same rules), so
the ids always agree with the numbers: a window's 12 deployments list 12 deployment events.
Ids come newest first (by id: the order the events were stored). An id may name an event
that retention has deleted since (facts outlive their events).

| number | its events |
|---|---|
| DORA deployment frequency | the deployments' events |
| lead time | the pushes that first brought the deployed changes |
| change failure rate | the failed deployments and the events of the incidents blamed on them |
| recovery time | the events of the incidents resolved in the window |
| rework rate | the deployments made while an incident was open |
| MRR (at the end, at start) | the snapshots in force then of subscriptions that count |
| each movement | the snapshots, created in the window, of the customers that moved |
| LTV | MRR's at the end (ARPA); if anyone churned, also MRR's at the start and the churn's |
| trial conversion | the snapshots that ended a trial in the window (active or not) |
| active users | the activity of the days counted |
| stickiness | the activity of the window's days and of MAU's 30 days on its last day |
| time to value | the first signups of the window's people and the first activations counted |
| retention, funnel, NPS, CSAT | the activity (custom events) counted |

`events_behind` is the whole list for one number, by a dotted name; the API's `explain`
shows at most MAX_IDS ids per number, with their `count` and whether the list is `truncated`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from echodash.metrics import product, report
from echodash.metrics.dora import Dora
from echodash.metrics.product import Activity, Period
from echodash.metrics.report import FactReader
from echodash.metrics.revenue import Ledger, Revenue, Snapshot, subscription_mrr, trial_ends
from echodash.metrics.settings import MetricSettings

MAX_IDS = 1000
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")

Ids = list[int]


def newest_first(ids: Iterable[int | None]) -> Ids:
    """Distinct ids, newest first (facts from before ids were kept have none)."""
    return sorted({i for i in ids if i is not None}, reverse=True)


def listing(ids: Ids, limit: int = MAX_IDS) -> dict[str, Any]:
    """One number's events as the API shows them."""
    return {"event_ids": ids[:limit], "count": len(ids), "truncated": len(ids) > limit}


def listings(found: Mapping[str, Ids], limit: int = MAX_IDS) -> dict[str, Any]:
    return {name: listing(ids, limit) for name, ids in found.items()}


# DORA
def dora_ids(result: Dora) -> dict[str, Ids]:
    blamed = [i for d in result.failed for i in result.blamed.get(d.key, [])]
    return {
        "deployment_frequency": newest_first(d.event_id for d in result.deployments),
        "lead_time": newest_first(c.push_event_id for c in result.changes),
        "change_failure_rate": newest_first(
            [*(d.event_id for d in result.failed), *(e for i in blamed for e in i.event_ids)]
        ),
        "recovery_time": newest_first(e for i in result.recovered for e in i.event_ids),
        "rework_rate": newest_first(d.event_id for d in result.rework),
    }


# Revenue
def revenue_ids(found: Revenue, snapshots: Sequence[Snapshot]) -> dict[str, Ids]:
    ledger = Ledger(snapshots, found.currency)

    def in_force(moment: datetime, customers: Iterable[str]) -> Ids:
        wanted = set(customers)
        ids = []
        for subscription in ledger.history:
            snapshot = ledger.at(subscription, moment)
            if (
                snapshot is not None
                and snapshot.customer in wanted
                and subscription_mrr(snapshot) > 0
            ):
                ids.append(snapshot.event_id)
        return newest_first(ids)

    def changed(customers: Iterable[str]) -> Ids:
        wanted = set(customers)
        return newest_first(
            s.event_id
            for history in ledger.history.values()
            for s in history
            if s.customer in wanted and found.since <= s.created < found.until
        )

    edge = timedelta(microseconds=1)
    found_ids = {
        "mrr": in_force(found.until - edge, found.end),
        "mrr_start": in_force(found.since - edge, found.start),
    }
    for name in MOVEMENTS:
        found_ids[name] = changed(getattr(found, name))
    # LTV is ARPA over the churn rate: ARPA's subscriptions, and (when someone churned, else
    # it is ARPA x 60) the customers the rate is counted over and those who left.
    churned = found_ids["mrr_start"] + found_ids["churn"] if found.churn else []
    found_ids["ltv"] = newest_first([*found_ids["mrr"], *churned])
    found_ids["trial_conversion"] = newest_first(
        s.event_id for s in trial_ends(ledger, found.since, found.until)
    )
    return found_ids


# Product
def active_ids(
    activity: Iterable[Activity],
    since: datetime,
    until: datetime,
    event: str | None = None,
    zone: tzinfo | None = None,
) -> dict[str, Ids]:
    """The activity behind DAU, WAU and MAU: that of the window's days, and of the 6 and 29
    days before them."""
    zone = zone or since.tzinfo
    assert zone is not None
    days = product.local_days(since, until, zone)
    if not days:
        return {"dau": [], "wau": [], "mau": [], "stickiness": []}
    chosen = [
        (a.at.astimezone(zone).date(), a.event_id)
        for a in activity
        if event is None or a.name == event
    ]
    found = {}
    for name, span in (("dau", 1), ("wau", 7), ("mau", 30)):
        first = days[0] - timedelta(days=span - 1)
        found[name] = newest_first(i for day, i in chosen if first <= day <= days[-1])
    # Mean DAU over the window's days ÷ MAU on its last day (the 30 days ending then).
    first = min(days[0], days[-1] - timedelta(days=29))
    found["stickiness"] = newest_first(i for day, i in chosen if first <= day <= days[-1])
    return found


def retention_ids(
    activity: Iterable[Activity],
    start_event: str,
    return_event: str,
    period: Period,
    since: datetime,
    until: datetime,
    zone: tzinfo,
) -> list[dict[str, Any]]:
    """Per cohort (as `product.retention` forms them): the first start events of its people,
    and the return events counted in `retained`."""
    acts = sorted(activity, key=lambda a: a.at)
    first: dict[str, Activity] = {}
    for a in acts:
        if a.name == start_event and a.distinct_id not in first:
            first[a.distinct_id] = a
    cohorts: dict[Any, list[str]] = defaultdict(list)
    for person, started in first.items():
        if since <= started.at < until:
            cohorts[product.period_start(started.at.astimezone(zone).date(), period)].append(person)
    returns: dict[str, list[int | None]] = defaultdict(list)
    for a in acts:
        started_by = first.get(a.distinct_id)
        if a.name != return_event or started_by is None or a.at >= until:
            continue
        start_day = started_by.at.astimezone(zone).date()
        if product.periods_between(start_day, a.at.astimezone(zone).date(), period) >= 0:
            returns[a.distinct_id].append(a.event_id)
    return [
        {
            "start": start.isoformat(),
            "size": newest_first(first[p].event_id for p in cohorts[start]),
            "retained": newest_first(i for p in cohorts[start] for i in returns[p]),
        }
        for start in sorted(cohorts)
    ]


def funnel_ids(
    activity: Iterable[Activity],
    steps: Sequence[str],
    since: datetime,
    until: datetime,
    window_days: float,
) -> list[Ids]:
    """Per step, the activity that reached it (one per person counted)."""
    found: list[list[int | None]] = [[] for _ in steps]
    for path in product.funnel_paths(activity, steps, since, until, window_days):
        for k, reached in enumerate(path):
            found[k].append(reached.event_id)
    return [newest_first(ids) for ids in found]


def time_to_value_ids(
    activity: Iterable[Activity],
    signup_event: str,
    activation_event: str,
    since: datetime,
    until: datetime,
) -> dict[str, Ids]:
    """The first signups of the window's people, and the activations that counted."""
    acts = sorted(activity, key=lambda a: a.at)
    signed: dict[str, Activity] = {}
    for a in acts:
        if a.name == signup_event:
            signed.setdefault(a.distinct_id, a)
    activated: dict[str, Activity] = {}
    for a in acts:
        start = signed.get(a.distinct_id)
        if a.name == activation_event and start is not None and a.at >= start.at:
            activated.setdefault(a.distinct_id, a)
    people = [p for p, a in signed.items() if since <= a.at < until]
    return {
        "users": newest_first(signed[p].event_id for p in people),
        "activated": newest_first(activated[p].event_id for p in people if p in activated),
    }


def survey_ids(kind: str, activity: Iterable[Activity]) -> dict[str, Ids]:
    """NPS: every 0-10 answer, and its promoters, passives and detractors; CSAT: every 1-5
    answer, and the satisfied ones."""
    answers = [a for a in activity if a.score is not None]
    if kind == "nps":
        valid = [a for a in answers if a.score is not None and 0 <= a.score <= 10]
        return {
            "responses": newest_first(a.event_id for a in valid),
            "promoters": newest_first(a.event_id for a in valid if (a.score or 0) >= 9),
            "passives": newest_first(a.event_id for a in valid if 7 <= (a.score or 0) < 9),
            "detractors": newest_first(a.event_id for a in valid if (a.score or 0) <= 6),
        }
    valid = [a for a in answers if a.score is not None and 1 <= a.score <= 5]
    return {
        "responses": newest_first(a.event_id for a in valid),
        "satisfied": newest_first(a.event_id for a in valid if (a.score or 0) >= 4),
    }


# One number by name (the dashboards' drill-down)
DORA_NUMBERS = (
    "deployment_frequency",
    "lead_time",
    "change_failure_rate",
    "recovery_time",
    "rework_rate",
)
REVENUE_NUMBERS = ("mrr", "mrr_start", *MOVEMENTS, "ltv", "trial_conversion")
PRODUCT_NUMBERS = ("dau", "wau", "mau", "stickiness")
METRICS = (
    *(f"dora.{n}" for n in DORA_NUMBERS),
    *(f"revenue.{n}" for n in REVENUE_NUMBERS),
    *(f"product.{n}" for n in PRODUCT_NUMBERS),
    "product.time_to_value",
    "nps",
    "csat",
)


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
    """The ids of the events one number was worked out from, newest first, all of them.

    `metric` is one of METRICS (`dora.deployment_frequency`, `revenue.new`, `product.dau`,
    `nps`, …); `params` are the route's own: `repository` and `environment` for DORA,
    `currency` for revenue, `event` for active users, NPS and CSAT, `signup_event` (signup)
    and `activation_event` for time to value (others are ignored).
    Raises ValueError for a name not in METRICS.
    """
    family, _, number = metric.partition(".")

    def param(name: str) -> str | None:
        return params.get(name) or None

    if family == "dora" and number in DORA_NUMBERS:
        result = await report.dora_result(
            store,
            workspace_id,
            since,
            until,
            repository=param("repository"),
            environment=param("environment"),
            settings=settings,
        )
        return dora_ids(result)[number]
    if family == "revenue" and number in REVENUE_NUMBERS:
        found, snapshots = await report.revenue_result(
            store,
            workspace_id,
            since,
            until,
            currency=param("currency"),
            settings=settings,
            series=False,
        )
        return revenue_ids(found, snapshots)[number]
    if family == "product" and number in PRODUCT_NUMBERS:
        event = param("event")
        activity = await report.product_activity(store, workspace_id, since, until, event)
        return active_ids(activity, since, until, event, settings.zone)[number]
    if metric == "product.time_to_value":
        signup, activation = param("signup_event") or "signup", param("activation_event")
        if activation is None:
            return []
        activity = await report.history_activity(store, workspace_id, until, [signup, activation])
        ttv = time_to_value_ids(activity, signup, activation, since, until)
        return newest_first([*ttv["users"], *ttv["activated"]])
    if metric in ("nps", "csat"):
        event = param("event") or metric
        activity = await report.window_activity(store, workspace_id, since, until, [event])
        return survey_ids(metric, activity)["responses"]
    raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
