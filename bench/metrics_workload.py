"""The seeded workload of bench/metrics.py: one busy workspace and a small second one.

Each item is what one event says, kept twice over: as the delivery a sender would post
(`delivery_of`, read by the real sources and the processor) and as the metric facts the
processor keeps for it (`facts_of_item`, written in bulk). bench/metrics.py checks on a
sample that both give the same fact tables.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from echodash.metrics.dora import Commit, Deployment, Push
from echodash.metrics.facts import IncidentMark
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Discount, Item, Snapshot

# Part of the cached database's name: change it when the workload changes.
WORKLOAD_VERSION = 1
END = datetime(2026, 12, 1, tzinfo=UTC)
START = END - timedelta(days=400)
MAIN, OTHER = "main", "other"
REPOS = ("acme/web", "acme/api", "acme/worker", "acme/mobile", "acme/billing", "acme/docs")


@dataclass(frozen=True, slots=True)
class Custom:
    workspace: str
    name: str
    person: str
    at: datetime
    key: str
    score: int | None = None


@dataclass(frozen=True, slots=True)
class DeploymentStatus:
    workspace: str
    repo: str
    number: int
    environment: str
    at: datetime
    sha: str


@dataclass(frozen=True, slots=True)
class GitPush:
    workspace: str
    repo: str
    head: str
    at: datetime
    commits: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True, slots=True)
class Issue:
    workspace: str
    repo: str
    number: int
    action: str  # opened / closed
    created: datetime
    closed: datetime | None


@dataclass(frozen=True, slots=True)
class Subscription:
    workspace: str
    event: str  # the Stripe event id
    kind: str  # customer.subscription.created / updated / deleted
    created: datetime
    subscription: str
    customer: str
    status: str
    currency: str
    amount: int
    quantity: int
    interval: str
    percent_off: float | None  # a forever coupon
    once_off: bool  # a coupon that lasts once (changes no MRR)


WorkItem = Custom | DeploymentStatus | GitPush | Issue | Subscription


def _s(moment: datetime) -> datetime:
    """Whole seconds, as senders write times."""
    return moment.replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return _s(moment).isoformat().replace("+00:00", "Z")


class _Sha:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"


def _delivery_work(rng: random.Random, workspace: str, repos: tuple[str, ...]) -> list[WorkItem]:
    """Deployment days on weekdays: pushes to main, a staging and a production deployment;
    every 10th production deployment of a repository opens an incident, closed later."""
    sha = _Sha(rng)
    found: list[WorkItem] = []
    number = 1000 if workspace == MAIN else 900_000
    issue = 0
    for repo in repos:
        deployed = 0
        day = START
        while day < END:
            if day.weekday() < 5 and rng.random() < 0.8:
                moment = day + timedelta(hours=8 + rng.random() * 6)
                head = ""
                for _ in range(rng.randint(1, 3)):
                    commits = tuple(
                        (sha(), moment - timedelta(minutes=rng.expovariate(1 / 600)))
                        for _ in range(rng.randint(1, 4))
                    )
                    head = commits[-1][0]
                    found.append(GitPush(workspace, repo, head, moment, commits))
                    moment += timedelta(minutes=5 + rng.random() * 60)
                for environment in ("staging", "production"):
                    if environment == "staging" and rng.random() < 0.5:
                        continue
                    moment += timedelta(minutes=5 + rng.random() * 30)
                    number += 1
                    found.append(
                        DeploymentStatus(workspace, repo, number, environment, moment, head)
                    )
                deployed += 1
                if deployed % 10 == 0:
                    issue += 1
                    opened = moment + timedelta(hours=1 + rng.random() * 5)
                    closed = opened + timedelta(minutes=30 + rng.expovariate(1 / 240))
                    found.append(Issue(workspace, repo, issue, "opened", opened, None))
                    if closed < END:
                        found.append(Issue(workspace, repo, issue, "closed", opened, closed))
            day += timedelta(days=1)
    return [item for item in found if _when(item) < END]


def _revenue_work(rng: random.Random, workspace: str, count: int) -> list[WorkItem]:
    """Subscriptions: half start with a 14-day trial; some change seats, some cancel."""
    found: list[WorkItem] = []
    plans = [(4900, "month"), (9900, "month"), (49000, "year"), (1500, "week")]
    updated, deleted = "customer.subscription.updated", "customer.subscription.deleted"
    for n in range(count):
        amount, interval = rng.choice(plans)
        created = START + timedelta(seconds=rng.random() * (END - START).total_seconds())
        status = "trialing" if rng.random() < 0.5 else "active"
        quantity = rng.randint(1, 10)
        first = Subscription(
            workspace=workspace,
            event="",
            kind="customer.subscription.created",
            created=created,
            subscription=f"sub_{workspace}_{n}",
            customer=f"cus_{workspace}_{n if rng.random() < 0.9 else n // 2}",
            status=status,
            currency="eur" if rng.random() < 0.1 else "usd",
            amount=amount,
            quantity=quantity,
            interval=interval,
            percent_off=20.0 if rng.random() < 0.1 else None,
            once_off=rng.random() < 0.05,
        )
        states = [(first.kind, created, status, quantity)]
        moment = created
        if status == "trialing":
            moment += timedelta(days=14)
            status = "active" if rng.random() < 0.6 else "canceled"
            states.append((deleted if status == "canceled" else updated, moment, status, quantity))
        while status == "active" and moment < END:
            moment += timedelta(days=rng.expovariate(1 / 60))
            roll = rng.random()
            if roll < 0.2:
                status = "canceled"
                states.append((deleted, moment, status, quantity))
            elif roll < 0.3:
                states.append((updated, moment, "past_due", quantity))
                moment += timedelta(days=3)
                states.append((updated, moment, "active", quantity))
            else:
                quantity = max(1, quantity + rng.choice((-2, -1, 1, 2, 3)))
                states.append((updated, moment, "active", quantity))
        for kind, moment, status, quantity in states:
            event = f"evt_{workspace}_{len(found) + 1}"
            found.append(
                replace(first, event=event, kind=kind, created=moment, status=status,
                        quantity=quantity)
            )  # fmt: skip
    return [item for item in found if _when(item) < END]


def _product_work(
    rng: random.Random, workspace: str, budget: int, prefix: str
) -> Iterator[WorkItem]:
    """People signing up (more of them lately), activating, coming back on some days,
    subscribing, answering NPS and CSAT surveys; `budget` events in all."""
    made = 0
    person = 0
    span = (END - START).total_seconds()
    while True:
        person += 1
        who = f"{prefix}{person}"
        signed = START + timedelta(seconds=math.sqrt(rng.random()) * span)
        events: list[tuple[str, datetime, int | None]] = [("Signed up", signed, None)]
        if rng.random() < 0.6:
            activated = signed + timedelta(hours=rng.expovariate(1 / 40))
            events.append(("Activated", activated, None))
            if rng.random() < 0.3:
                events.append(
                    ("Subscribed", activated + timedelta(days=rng.expovariate(0.2)), None)
                )
        day = signed
        keep = 0.9 if rng.random() < 0.5 else 0.6
        while rng.random() < keep:
            day += timedelta(days=rng.expovariate(1 / 3))
            for _ in range(rng.randint(1, 4)):
                events.append(("Page viewed", day + timedelta(minutes=rng.random() * 600), None))
        if rng.random() < 0.25:
            score = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 4, 6, 10, 12, 10))[0]
            events.append(("nps", signed + timedelta(days=rng.random() * 60), score))
        if rng.random() < 0.3:
            score = rng.choices(range(1, 6), weights=(1, 2, 4, 8, 6))[0]
            events.append(("csat", signed + timedelta(days=rng.random() * 90), score))
        for n, (name, at, score) in enumerate(events):
            if at >= END:
                continue
            yield Custom(workspace, name, who, at, f"{who}-{n}", score)
            made += 1
            if made == budget:
                return


def _when(item: WorkItem) -> datetime:
    if isinstance(item, Issue):
        return item.closed or item.created
    return item.at if not isinstance(item, Subscription) else item.created


def workload(seed: int, events: int) -> Iterator[WorkItem]:
    """`events` items: GitHub and Stripe events of both workspaces first (a small share),
    then the second workspace's product events (1 %), then the main one's."""
    rng = random.Random(seed)
    fixed: list[WorkItem] = []
    fixed += _delivery_work(rng, MAIN, REPOS)
    fixed += _delivery_work(rng, OTHER, REPOS[:1])  # the same repository name elsewhere
    fixed += _revenue_work(rng, MAIN, max(20, events // 500))
    fixed += _revenue_work(rng, OTHER, max(5, events // 20_000))
    rng.shuffle(fixed)
    fixed = fixed[:events]
    yield from fixed
    rest = events - len(fixed)
    other = rest // 100
    yield from _product_work(rng, OTHER, other, "o")
    yield from _product_work(rng, MAIN, rest - other, "u")


# --- the facts the processor keeps for each item (written in bulk) --------------------------


def facts_of_item(item: WorkItem, event_id: int) -> tuple[Any, str, Any]:
    """(fact, the delivery's key, the document FactBatch.add reads)."""
    if isinstance(item, Custom):
        score = None if item.score is None else float(item.score)
        key = f"id:{item.key}"
        return Activity(item.person, item.name, _s(item.at), event_id, score), key, None
    if isinstance(item, DeploymentStatus):
        fact = Deployment(
            f"github:{item.number}", f"github:{item.repo}", item.environment, _s(item.at),
            item.sha, "main", event_id,
        )  # fmt: skip
        return fact, "", None
    if isinstance(item, GitPush):
        commits = tuple(Commit(sha, _s(at)) for sha, at in item.commits)
        push = Push(f"github:{item.repo}", "main", item.head, _s(item.at), commits, event_id)
        return push, "", None
    if isinstance(item, Issue):
        mark = IncidentMark(
            f"github:{item.repo}#{item.number}", f"github:{item.repo}", start=_s(item.created),
            end=None if item.closed is None else _s(item.closed), event_id=event_id,
        )  # fmt: skip
        return mark, "", None
    discount = Discount("forever", item.percent_off, None) if item.percent_off else None
    if discount is None and item.once_off:
        discount = Discount("once", 50.0, None)
    snapshot = Snapshot(
        item.subscription, item.customer, item.currency, item.status,
        _s(item.created), (Item(item.amount, item.quantity, item.interval),),
        discount, event_id,
    )  # fmt: skip
    return snapshot, "", {"id": item.event}


# --- the deliveries a sender would post (read by the real sources) --------------------------


def delivery_of(item: WorkItem) -> tuple[str, str, dict[str, str], bytes]:
    """(source kind, delivery key, headers, body)."""
    if isinstance(item, Custom):
        document: dict[str, Any] = {
            "event": item.name,
            "distinct_id": item.person,
            "timestamp": _iso(item.at),
            "id": item.key,
        }
        if item.score is not None:
            document["values"] = {"score": item.score}
        return (
            "custom",
            f"id:{item.key}",
            {"content-type": "application/json"},
            orjson.dumps(document),
        )
    repository = {"full_name": item.repo} if not isinstance(item, Subscription) else {}
    if isinstance(item, DeploymentStatus):
        body = {
            "action": "created",
            "deployment_status": {
                "state": "success",
                "environment": item.environment,
                "created_at": _iso(item.at),
            },
            "deployment": {
                "id": item.number,
                "sha": item.sha,
                "ref": "main",
                "environment": item.environment,
            },
            "repository": repository,
        }
        return _github("deployment_status", f"dep-{item.number}", body)
    if isinstance(item, GitPush):
        body = {
            "ref": "refs/heads/main",
            "before": "0" * 40,
            "after": item.head,
            "repository": {**repository, "pushed_at": int(item.at.timestamp())},
            "commits": [{"id": sha, "timestamp": _iso(at)} for sha, at in item.commits],
            "head_commit": {"id": item.head},
        }
        return _github("push", f"push-{item.head}", body)
    if isinstance(item, Issue):
        body = {
            "action": item.action,
            "issue": {
                "number": item.number,
                "title": "Checkout is down",
                "labels": [{"name": "incident"}],
                "created_at": _iso(item.created),
                "closed_at": None if item.closed is None else _iso(item.closed),
            },
            "repository": repository,
        }
        return _github("issues", f"issue-{item.repo}-{item.number}-{item.action}", body)
    subscription: dict[str, Any] = {
        "id": item.subscription,
        "object": "subscription",
        "customer": item.customer,
        "status": item.status,
        "currency": item.currency,
        "items": {
            "data": [
                {
                    "quantity": item.quantity,
                    "price": {
                        "unit_amount": item.amount,
                        "currency": item.currency,
                        "recurring": {"interval": item.interval, "interval_count": 1},
                    },
                }
            ]
        },
    }
    if item.percent_off:
        subscription["discount"] = {
            "coupon": {"duration": "forever", "percent_off": item.percent_off}
        }
    elif item.once_off:
        subscription["discount"] = {"coupon": {"duration": "once", "percent_off": 50.0}}
    body = {
        "id": item.event,
        "object": "event",
        "type": item.kind,
        "created": int(item.created.timestamp()),
        "data": {"object": subscription},
    }
    return "stripe", item.event, {"content-type": "application/json"}, orjson.dumps(body)


def _github(kind: str, key: str, body: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    headers = {"x-github-event": kind, "x-github-delivery": key}
    return "github", key, headers, orjson.dumps(body)
