"""DORA delivery metrics over deployment, push and incident facts (specs/metrics.md, DORA).

Facts are kept as events arrive (successful deployments, pushes with their commits, incidents
with their start and end); these functions only count. Every result carries the facts it was
computed from, so each number can be explained.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from echodash.metrics.stats import (
    iso_week,
    median,
    months_in,
    pattern,
    percentile,
    rounded,
    weeks_in,
)

DEFAULT_PRODUCTION = r"(?i)prod"
FIRST_DEPLOY_LOOKBACK = timedelta(days=30)
_SHA = re.compile(r"[0-9a-f]{7,40}")


@dataclass(frozen=True, slots=True)
class Deployment:
    """A successful deployment: its repository or service, environment and commit."""

    key: str  # the provider's id: one fact per deployment, whatever the redeliveries
    service: str
    environment: str
    at: datetime  # when the successful status was created
    sha: str | None = None
    ref: str | None = None  # the deployed branch, when the provider names one
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    at: datetime  # the commit's own timestamp


@dataclass(frozen=True, slots=True)
class Push:
    service: str
    ref: str  # branch name, without refs/heads/
    head: str | None
    at: datetime
    commits: tuple[Commit, ...]
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    key: str
    service: str
    start: datetime
    end: datetime | None = None
    root_cause: str | None = None  # a SHA named by a "root cause: <sha>" line
    event_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    production: str = DEFAULT_PRODUCTION  # which environments are production


@dataclass(frozen=True, slots=True)
class DeployedChange:
    sha: str
    deployment: Deployment
    committed_at: datetime
    lead_minutes: float
    push_event_id: int | None = None  # the event of the commit's first push


@dataclass
class Dora:
    deployments: list[Deployment]
    changes: list[DeployedChange]
    failed: list[Deployment]  # deployments with at least one linked incident
    recovered: list[Incident]  # incidents resolved in the window
    rework: list[Deployment]  # deployments made while an incident was open
    since: datetime
    until: datetime
    causes: dict[str, Deployment] = field(default_factory=dict)  # incident key → deployment
    # Incidents blamed on the window's failed deployments, by deployment key.
    blamed: dict[str, list[Incident]] = field(default_factory=dict)
    zone: tzinfo = UTC  # the time zone days, weeks and months are counted in

    def to_json(self) -> dict[str, Any]:
        count = len(self.deployments)
        days = (self.until - self.since).total_seconds() / 86400
        leads = [c.lead_minutes for c in self.changes]
        lead_median = median(leads)
        recoveries = [_minutes(i.end - i.start) for i in self.recovered if i.end is not None]
        recovery = median(recoveries)
        cfr = len(self.failed) / count if count else None
        return {
            "deployment_frequency": {
                "count": count,
                "per_week": rounded(count / days * 7 if days > 0 else 0.0),
                "band": frequency_band(self.deployments, self.since, self.until, self.zone),
            },
            "lead_time_minutes": {
                "median": rounded(lead_median, 2),
                "p90": rounded(percentile(leads, 0.9), 2),
                "band": _band(lead_median, (1440, 10080, 43200), strict=True),
            },
            "change_failure_rate": {
                "value": rounded(cfr),
                "band": _band(cfr, (0.05, 0.10, 0.15), strict=False),
            },
            "recovery_time_minutes": {
                "median": rounded(recovery, 2),
                "band": _band(recovery, (60, 1440, 10080), strict=True),
            },
            "rework_rate": {"value": rounded(len(self.rework) / count) if count else None},
        }

    def per_week(self) -> list[dict[str, Any]]:
        """Deployments per ISO week of the window (weeks without any included)."""
        counts: dict[tuple[int, int], int] = defaultdict(int)
        for deployment in self.deployments:
            counts[iso_week(deployment.at.astimezone(self.zone).date())] += 1
        return [
            {"week": f"{year}-W{week:02d}", "deployments": counts.get((year, week), 0)}
            for year, week in weeks_in(self.since, self.until, self.zone)
        ]


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _band(value: float | None, limits: tuple[float, float, float], *, strict: bool) -> str | None:
    if value is None:
        return None
    for limit, band in zip(limits, ("elite", "high", "medium"), strict=True):
        if (value < limit) if strict else (value <= limit):
            return band
    return "low"


def frequency_band(
    deployments: Sequence[Deployment], since: datetime, until: datetime, zone: tzinfo = UTC
) -> str:
    """Elite if the median ISO week of the window has deployments on 5 or more distinct days;
    high if it has any; medium if the median calendar month has any; low otherwise. Days,
    weeks and months are those of `zone`."""
    days_by_week: dict[tuple[int, int], set[object]] = defaultdict(set)
    by_month: dict[tuple[int, int], int] = defaultdict(int)
    for deployment in deployments:
        day = deployment.at.astimezone(zone).date()
        days_by_week[iso_week(day)].add(day)
        by_month[(day.year, day.month)] += 1
    weekly = [len(days_by_week.get(week, ())) for week in weeks_in(since, until, zone)]
    week_median = median(weekly) or 0.0
    if week_median >= 5:
        return "elite"
    if week_median >= 1:
        return "high"
    monthly = [by_month.get(month, 0) for month in months_in(since, until, zone)]
    return "medium" if (median(monthly) or 0.0) >= 1 else "low"


def is_production(environment: str, settings: Settings) -> bool:
    return pattern(settings.production).search(environment)


def dora(
    deployments: Iterable[Deployment],
    pushes: Iterable[Push],
    incidents: Iterable[Incident],
    since: datetime,
    until: datetime,
    *,
    settings: Settings | None = None,
    service: str | None = None,
    environment: str | None = None,
    zone: tzinfo = UTC,
) -> Dora:
    """The delivery metrics for [since, until). Pass every known fact (earlier ones decide
    which commits a deployment brings and which deployment caused an incident)."""
    settings = settings or Settings()
    production = sorted(
        {d.key: d for d in deployments if is_production(d.environment, settings)}.values(),
        key=lambda d: (d.at, d.key),
    )
    incidents = list({i.key: i for i in incidents}.values())
    causes = link_incidents(production, incidents)
    changes = deployed_changes(production, list(pushes))

    def chosen(d: Deployment) -> bool:
        return (
            since <= d.at < until
            and (service is None or d.service == service)
            and (environment is None or d.environment == environment)
        )

    in_window = [d for d in production if chosen(d)]
    keys = {d.key for d in in_window}
    blamed: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        cause = causes.get(incident.key)
        if cause is not None:
            blamed[cause.key].append(incident)
    failed = [d for d in in_window if blamed.get(d.key)]

    def counted_incident(incident: Incident) -> bool:
        if service is not None and incident.service != service:
            return False
        if environment is None:
            return True
        cause = causes.get(incident.key)
        return cause is not None and cause.environment == environment

    recovered = [
        i
        for i in incidents
        if i.end is not None and since <= i.end < until and i.end > i.start and counted_incident(i)
    ]
    rework = [
        d
        for d in in_window
        if any(
            i.service == d.service and i.start <= d.at and (i.end is None or d.at < i.end)
            for i in incidents
        )
    ]
    return Dora(
        deployments=in_window,
        changes=[c for c in changes if c.deployment.key in keys and c.lead_minutes > 0],
        failed=failed,
        recovered=recovered,
        rework=rework,
        since=since,
        until=until,
        causes=causes,
        blamed={d.key: blamed[d.key] for d in failed},
        zone=zone,
    )


def link_incidents(
    production: Sequence[Deployment], incidents: Iterable[Incident]
) -> dict[str, Deployment]:
    """Each incident's cause: the deployment its root-cause line names, else the latest
    successful production deployment of its service that finished before it started."""
    by_service: dict[str, list[Deployment]] = defaultdict(list)
    for deployment in production:
        by_service[deployment.service].append(deployment)
    causes: dict[str, Deployment] = {}
    for incident in incidents:
        named = _named(production, incident)
        if named is not None:
            causes[incident.key] = named
            continue
        before = [d for d in by_service.get(incident.service, []) if d.at < incident.start]
        if before:
            causes[incident.key] = before[-1]
    return causes


def _named(production: Sequence[Deployment], incident: Incident) -> Deployment | None:
    sha = (incident.root_cause or "").lower()
    if not _SHA.fullmatch(sha):
        return None
    matching = [d for d in production if d.sha and d.sha.lower().startswith(sha)]
    same = [d for d in matching if d.service == incident.service]
    chosen = same or matching
    return chosen[0] if chosen else None


def deployed_changes(
    production: Sequence[Deployment], pushes: Sequence[Push]
) -> list[DeployedChange]:
    """The commits each deployment brought: those first pushed to the deployed ref after the
    previous successful production deployment of the same repository and environment, up to
    the push whose head is the deployment's SHA (else up to the deployment); a commit counts
    once, at its first deployment; a first-ever deployment brings the commits of the 30 days
    before it."""
    first_push: dict[tuple[str, str, str], tuple[datetime, str, Commit, int | None]] = {}
    for push in sorted(pushes, key=lambda p: p.at):
        for commit in push.commits:
            first_push.setdefault(
                (push.service, push.ref, commit.sha), (push.at, push.ref, commit, push.event_id)
            )
    heads: dict[tuple[str, str], datetime] = {}
    for push in sorted(pushes, key=lambda p: p.at):
        if push.head:
            heads.setdefault((push.service, push.head), push.at)
    # Each service's first pushes in push order, also per branch, with their times apart:
    # a deployment's changes are a slice of one of them (found by bisection, not a scan).
    by_service: dict[str, list[tuple[datetime, str, Commit, int | None]]] = defaultdict(list)
    for (service, _ref, _sha), found in first_push.items():
        by_service[service].append(found)
    by_branch: dict[tuple[str, str | None], list[tuple[datetime, str, Commit, int | None]]] = {}
    for service, listed in by_service.items():
        listed.sort(key=lambda item: item[0])
        by_branch[(service, None)] = listed
        for item in listed:
            by_branch.setdefault((service, item[1]), []).append(item)
    times = {key: [item[0] for item in listed] for key, listed in by_branch.items()}

    found_changes: list[DeployedChange] = []
    previous: dict[tuple[str, str], Deployment] = {}
    counted: set[tuple[str, str, str]] = set()
    for deployment in production:
        group = (deployment.service, deployment.environment)
        before = previous.get(group)
        previous[group] = deployment
        cut = heads.get((deployment.service, deployment.sha or ""), deployment.at)
        branch = (deployment.service, _branch(deployment.ref))
        listed = by_branch.get(branch, [])
        moments = times.get(branch, [])
        low = bisect_right(moments, before.at) if before is not None else 0
        for _pushed_at, _ref, commit, push_event in listed[low : bisect_right(moments, cut)]:
            if before is None and commit.at < deployment.at - FIRST_DEPLOY_LOOKBACK:
                continue
            mark = (deployment.service, deployment.environment, commit.sha)
            if mark in counted:
                continue
            counted.add(mark)
            found_changes.append(
                DeployedChange(
                    sha=commit.sha,
                    deployment=deployment,
                    committed_at=commit.at,
                    lead_minutes=_minutes(deployment.at - commit.at),
                    push_event_id=push_event,
                )
            )
    return found_changes


def _branch(ref: str | None) -> str | None:
    """The deployed branch, or None when the deployment names a SHA or nothing."""
    if not ref:
        return None
    ref = ref.removeprefix("refs/heads/")
    return None if _SHA.fullmatch(ref.lower()) or ref.startswith("refs/") else ref
