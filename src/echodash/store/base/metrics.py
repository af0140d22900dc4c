"""The metrics part of the Store interface: the facts metrics are computed from, kept in the
same transaction that stores the events they come from (specs/metrics.md, docs/metrics.md).

Each table is keyed by the providers' own ids, so a duplicate, a replay or an out-of-order
delivery changes nothing:
- deployments by the provider's deployment id (the earliest successful status wins);
- pushes: each commit by (repository, branch, SHA) with its first push time, and each pushed
  head by (repository, branch, head) with its first push time;
- incidents by their key (issue, alert correlation id, custom id), merged with
  `merge_incident` (the earliest start and the latest end win);
- subscription snapshots by the Stripe event id (the latest by Stripe's `created` wins when
  read);
- product activity by the custom event's id (its idempotency key).

`collect_facts` (shared by both backends) turns stored events and their deliveries into the
rows of one batch, deduplicated by key, so each table takes one statement per batch.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from echodash.events import Event, EventDraft, Origin
from echodash.metrics.dora import Commit, Deployment, Incident, Push
from echodash.metrics.facts import (
    DEFAULT_INCIDENT_LABEL,
    IncidentMark,
    facts_of,
    may_have_facts,
    merge_incident,
)
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Discount, Item, Snapshot
from echodash.metrics.settings import MetricSettings
from echodash.store.base.ingest import StoredDelivery

log = logging.getLogger("echodash.store")


@dataclass(frozen=True, slots=True)
class CommitRow:
    workspace_id: int
    service: str
    ref: str
    sha: str
    committed_at: datetime
    pushed_at: datetime
    event_id: int | None


@dataclass(frozen=True, slots=True)
class HeadRow:
    workspace_id: int
    service: str
    ref: str
    head: str
    at: datetime
    event_id: int | None


@dataclass
class FactBatch:
    """The facts of one batch of stored events, one entry per table key."""

    deployments: dict[tuple[int, str], tuple[int, Deployment]] = field(default_factory=dict)
    commits: dict[tuple[int, str, str, str], CommitRow] = field(default_factory=dict)
    heads: dict[tuple[int, str, str, str], HeadRow] = field(default_factory=dict)
    marks: list[tuple[int, IncidentMark]] = field(default_factory=list)
    snapshots: dict[tuple[int, str], tuple[int, Snapshot]] = field(default_factory=dict)
    activity: dict[tuple[int, str], tuple[int, Activity]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.deployments
            or self.commits
            or self.heads
            or self.marks
            or self.snapshots
            or self.activity
        )

    def add(self, workspace_id: int, fact: Any, key: str, document: Any) -> None:
        if isinstance(fact, Deployment):
            dkey = (workspace_id, fact.key)
            held = self.deployments.get(dkey)
            if held is None or fact.at < held[1].at:
                self.deployments[dkey] = (workspace_id, fact)
        elif isinstance(fact, Push):
            self._push(workspace_id, fact)
        elif isinstance(fact, IncidentMark):
            self.marks.append((workspace_id, fact))
        elif isinstance(fact, Snapshot):
            stripe_id = document.get("id") if isinstance(document, dict) else None
            skey = (
                stripe_id
                if isinstance(stripe_id, str) and stripe_id
                else (f"{fact.subscription}@{fact.created.isoformat()}")
            )
            self.snapshots.setdefault((workspace_id, skey), (workspace_id, fact))
        elif isinstance(fact, Activity):
            self.activity.setdefault((workspace_id, key), (workspace_id, fact))

    def _push(self, workspace_id: int, push: Push) -> None:
        for commit in push.commits:
            ckey = (workspace_id, push.service, push.ref, commit.sha)
            held = self.commits.get(ckey)
            if held is None or push.at < held.pushed_at:
                self.commits[ckey] = CommitRow(
                    workspace_id, push.service, push.ref, commit.sha, commit.at, push.at,
                    push.event_id,
                )  # fmt: skip
        if push.head:
            hkey = (workspace_id, push.service, push.ref, push.head)
            known = self.heads.get(hkey)
            if known is None or push.at < known.at:
                self.heads[hkey] = HeadRow(
                    workspace_id, push.service, push.ref, push.head, push.at, push.event_id
                )


def fact_documents(
    parsed: Sequence[tuple[StoredDelivery, Sequence[EventDraft]]],
) -> dict[int, Any]:
    """The JSON bodies of the deliveries whose events a metric may read, by delivery id:
    parsed before the store's write lock is taken (the writer thread on SQLite, the event
    writers' lock on PostgreSQL), so that keeping facts adds little inside it. A body that is
    not JSON is left out (it gives no facts)."""
    found: dict[int, Any] = {}
    for delivery, drafts in parsed:
        if delivery.origin is Origin.REPLAY:
            continue
        if any(may_have_facts(delivery.source, d.type, delivery.body) for d in drafts):
            try:
                found[delivery.id] = orjson.loads(delivery.body)
            except orjson.JSONDecodeError:
                continue
    return found


def collect_facts(
    pairs: Iterable[tuple[Event, StoredDelivery | None]],
    documents: Mapping[int, Any] | None = None,
    incident_labels: Mapping[int, str] | None = None,
) -> FactBatch:
    """The facts of stored events, each read with its delivery's body (from `documents`,
    as `fact_documents` parsed them, when given). Replays add nothing (their facts are their
    original's); a body that cannot be read adds nothing; the body is parsed only for events
    of a source and type a metric reads. `incident_labels` holds the incident label of each
    workspace that set one (by workspace id; the default for the others)."""
    labels = incident_labels or {}
    batch = FactBatch()
    for event, delivery in pairs:
        if event.origin is Origin.REPLAY or delivery is None:
            continue
        if not may_have_facts(event.source, event.type, delivery.body):
            continue
        try:
            if documents is None:
                document = orjson.loads(delivery.body)
            elif delivery.id in documents:
                document = documents[delivery.id]
            else:
                continue  # not JSON
            label = labels.get(event.workspace_id, DEFAULT_INCIDENT_LABEL)
            facts = facts_of(event, document, label)
        except Exception as exc:  # a metric fact never stops events from being stored
            log.warning("no metric facts from event %s: %r", event.id, exc)
            continue
        for fact in facts:
            batch.add(event.workspace_id, fact, delivery.key, document)
    return batch


def merge_marks(
    current: dict[tuple[int, str], Incident], marks: Sequence[tuple[int, IncidentMark]]
) -> dict[tuple[int, str], Incident]:
    """The incidents of a batch's marks, each merged into what was kept before."""
    merged = dict(current)
    for workspace_id, mark in marks:
        key = (workspace_id, mark.key)
        merged[key] = merge_incident(merged.get(key), mark)
    return {key: merged[key] for key in {(w, m.key) for w, m in marks}}


def items_json(snapshot: Snapshot) -> str:
    return orjson.dumps(
        [
            [i.unit_amount, i.quantity, i.interval, i.interval_count, i.metered]
            for i in snapshot.items
        ]
    ).decode()


def discount_json(snapshot: Snapshot) -> str | None:
    d = snapshot.discount
    if d is None:
        return None
    return orjson.dumps([d.duration, d.percent_off, d.amount_off]).decode()


def snapshot_from(
    subscription: str,
    customer: str,
    currency: str,
    status: str,
    created: datetime,
    items: str,
    discount: str | None,
    event_id: int | None,
) -> Snapshot:
    found = None
    if discount:
        duration, percent, amount = orjson.loads(discount)
        found = Discount(duration, percent, amount)
    return Snapshot(
        subscription=subscription,
        customer=customer,
        currency=currency,
        status=status,
        created=created,
        items=tuple(Item(a, q, i, c, bool(m)) for a, q, i, c, m in orjson.loads(items)),
        discount=found,
        event_id=event_id,
    )


def pushes_from(commits: Iterable[CommitRow], heads: Iterable[HeadRow]) -> list[Push]:
    """Pushes as `metrics.dora` reads them: each commit at its first push, each head at its
    first push (which is all `deployed_changes` looks at)."""
    found = [
        Push(c.service, c.ref, None, c.pushed_at, (Commit(c.sha, c.committed_at),), c.event_id)
        for c in commits
    ]
    found += [Push(h.service, h.ref, h.head, h.at, (), h.event_id) for h in heads]
    return found


def event_ids_json(incident: Incident) -> str:
    return orjson.dumps(sorted(set(incident.event_ids))).decode()


def fact_count(batch: FactBatch) -> int:
    return (
        len(batch.deployments)
        + len(batch.commits)
        + len(batch.heads)
        + len(batch.marks)
        + len(batch.snapshots)
        + len(batch.activity)
    )


@dataclass(frozen=True, slots=True)
class Relabel:
    """A workspace whose incident label changed since its incident facts were worked out."""

    workspace_id: int
    incident_label: str
    version: int  # the label's version: `finish_relabel` records that facts follow it
    changed_at: datetime


class MetricStore(ABC):
    @abstractmethod
    async def keep_metric_facts(
        self,
        pairs: Sequence[tuple[Event, StoredDelivery | None]],
        incident_labels: Mapping[int, str] | None = None,
    ) -> int:
        """Keep the facts of stored events (as the processor does when it stores them, with
        each workspace's incident label from `incident_labels`, the default for workspaces
        not in it); returns how many facts were found. Idempotent: keeping them again changes
        nothing (but incidents, which merge, list the events again)."""

    @abstractmethod
    async def clear_metric_facts(self, workspace_id: int | None = None) -> None:
        """Forget the facts of one workspace (every workspace when None), before a rebuild."""

    @abstractmethod
    async def clear_metric_incidents(self, workspace_id: int, key_prefixes: Sequence[str]) -> None:
        """Forget one workspace's incidents whose key starts with one of `key_prefixes` (those
        from GitHub and GitLab issues, before they are worked out again for a new label)."""

    @abstractmethod
    async def events_of_kind(
        self, workspace_id: int, source: str, kind: str, after_id: int, until_id: int, limit: int
    ) -> list[tuple[Event, StoredDelivery | None]]:
        """One workspace's events from `source` whose type is `kind` or `kind.…`, with ids in
        (after_id, until_id], oldest first, each with its delivery (None when gone)."""

    # Settings (metrics/settings.py)
    @abstractmethod
    async def get_metric_settings(self, workspace_id: int) -> MetricSettings:
        """The workspace's metric settings (the defaults until some are saved)."""

    @abstractmethod
    async def set_metric_settings(self, workspace_id: int, settings: MetricSettings) -> bool:
        """Save the workspace's metric settings; True when the incident label changed, which
        leaves a relabel pending (`pending_relabels`) until `finish_relabel`."""

    @abstractmethod
    async def incident_labels(self) -> dict[int, str]:
        """Each workspace's incident label, for the workspaces whose label is not the
        default (what the processor keeps facts with)."""

    @abstractmethod
    async def pending_relabels(self) -> list[Relabel]:
        """Workspaces whose incident facts were worked out for an older incident label."""

    @abstractmethod
    async def finish_relabel(self, workspace_id: int, version: int) -> None:
        """The workspace's incident facts now follow label version `version` (an older
        version than the one already recorded changes nothing)."""

    @abstractmethod
    async def metric_deployments(self, workspace_id: int, until: datetime) -> list[Deployment]:
        """Every successful deployment before `until` (earlier ones decide which commits a
        deployment brings and which deployment caused an incident)."""

    @abstractmethod
    async def metric_pushes(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[Push]:
        """Commits first pushed, and heads first pushed, in [since, until)."""

    @abstractmethod
    async def metric_incidents(self, workspace_id: int, until: datetime) -> list[Incident]:
        """Every incident that started before `until`."""

    @abstractmethod
    async def metric_snapshots(self, workspace_id: int, until: datetime) -> list[Snapshot]:
        """Every subscription snapshot created before `until`."""

    @abstractmethod
    async def metric_activity(
        self,
        workspace_id: int,
        since: datetime | None,
        until: datetime,
        names: Sequence[str] | None = None,
        *,
        ordered: bool = True,
    ) -> list[Activity]:
        """Product activity in [since, until) (from the beginning when since is None), of
        the named events only when `names` is given, oldest first (in no order when not
        `ordered`, which spares the database a sort)."""

    @abstractmethod
    async def metric_score_counts(
        self, workspace_id: int, since: datetime, until: datetime, name: str
    ) -> dict[float, int]:
        """How many of the named event's answers in [since, until) gave each `score`
        (counted by the database: a survey's answers are never read one by one)."""

    @abstractmethod
    async def metric_activity_overview(
        self, workspace_id: int, since: datetime, until: datetime, name: str | None = None
    ) -> tuple[list[tuple[str, int]], int]:
        """The event names with activity in [since, until) and how many events each had
        (most first, then by name), and how many people were active then (with events named
        `name` only, when given): counted by the database, for the Product dashboard."""

    @abstractmethod
    async def metric_firsts(
        self, workspace_id: int, first: str, then: str | None, until: datetime
    ) -> list[tuple[str, datetime, datetime | None]]:
        """Each person's first `first` event before `until`, and their first `then` event
        at or after it (None without one, or when `then` is None), in no order."""

    @abstractmethod
    async def metric_active_gaps(
        self,
        workspace_id: int,
        since: datetime,
        until: datetime,
        names: Sequence[str] | None = None,
        zone: str = "UTC",
    ) -> list[tuple[date, int, int]]:
        """Active people counted by the database: for each local day (of `zone`, an IANA
        name) with activity in [since, until), of the named events only when `names` is
        given, (day, gap, people): how many people were active that day whose previous active
        day in the span lay `gap` days before (at most ACTIVE_GAP_CAP, which also stands for
        none). Enough for DAU, WAU and MAU (`product.active_users_from_gaps`)."""

    @abstractmethod
    async def metric_retention_counts(
        self,
        workspace_id: int,
        start_event: str,
        return_event: str,
        period: str,
        since: datetime,
        until: datetime,
        zone: str = "UTC",
    ) -> list[tuple[date, int | None, int]]:
        """First-time retention counted by the database (`product.retention`'s cohorts):
        (cohort start, None, people) for each cohort, the people whose first `start_event`
        ever lies in [since, until), by the local `period` (day, week, month) it falls in;
        and (cohort start, n, people) for those of them with a `return_event` before `until`
        in the n-th period after their cohort's (n >= 0; only n with people)."""

    @abstractmethod
    async def metric_funnel_paths(
        self,
        workspace_id: int,
        steps: Sequence[str],
        since: datetime,
        until: datetime,
        window: timedelta,
    ) -> list[tuple[int | None, ...]]:
        """Each person's path through the funnel as `product.funnel_paths` finds it, worked
        out by the database over the steps' events in [since, until): one tuple per person
        with a first step in the window, the moment (microseconds since the epoch) each step
        was reached, None from the first step not reached."""
