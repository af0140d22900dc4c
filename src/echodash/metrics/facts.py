"""Metric facts: what one stored event (and its delivery's JSON) contributes to the metrics.

The processor keeps these in small tables in the same batch that stores the events, keyed by
the providers' own ids, so duplicates, replays and out-of-order deliveries change nothing; the
same function rebuilds them from stored events (`echodash metrics rebuild`). Pure: an event
and a JSON document in, facts out.

Recognised (specs/metrics.md):
- deployments: a GitHub `deployment_status` with state `success`; a GitLab deployment event
  with status `success`; a custom `deployment` event with `status` `success`;
- pushes and their commits: GitHub and GitLab pushes to a branch;
- incidents: GitHub/GitLab issues with a label matching the incident pattern (opened, closed,
  reopened); Cloudflare alerts (START/END with the same `alert_correlation_id`); custom
  `incident` events with `status` opened/resolved;
- subscription snapshots: Stripe `customer.subscription.*` events;
- product activity: every custom event with a `distinct_id` (with its `score`, if any).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from echodash.events import Event
from echodash.metrics.dora import Commit, Deployment, Incident, Push
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Discount, Item, Snapshot
from echodash.metrics.stats import pattern
from echodash.sources.kit.payload import dig, parse_time

DEFAULT_INCIDENT_LABEL = r"(?i)incident"
_ROOT_CAUSE = re.compile(r"(?im)^\s*root[ _-]?cause\s*:\s*([0-9a-f]{7,40})\b")


@dataclass(frozen=True, slots=True)
class IncidentMark:
    """One event's word on an incident: it started, ended or reopened."""

    key: str
    service: str
    start: datetime | None = None
    end: datetime | None = None
    reopened: bool = False
    root_cause: str | None = None
    event_id: int | None = None


Fact = Deployment | Push | IncidentMark | Snapshot | Activity


def facts_of(event: Event, body: Any, incident_label: str = DEFAULT_INCIDENT_LABEL) -> list[Fact]:
    """The facts in one event; [] for events no metric reads."""
    if not isinstance(body, dict):
        return []
    if event.source == "github":
        return _github(event, body, incident_label)
    if event.source == "gitlab":
        return _gitlab(event, body, incident_label)
    if event.source == "cloudflare":
        return _cloudflare(event, body)
    if event.source == "stripe":
        return _stripe(event, body)
    if event.source == "custom":
        return _custom(event, body)
    return []


# The events the incident label is applied to (the rest of the facts never depend on it), and
# the keys their incidents get: what a label change rebuilds (jobs/relabel.py).
LABELLED_KINDS = (("github", "issues"), ("gitlab", "issue"))
LABELLED_INCIDENT_PREFIXES = ("github:", "gitlab:")


def uses_incident_label(source: str, kind: str) -> bool:
    """Whether the incident label decides the facts of an event of this source and type."""
    return (source, kind.split(".", 1)[0]) in LABELLED_KINDS


_GITHUB_KINDS = frozenset({"deployment_status", "push", "issues"})
_GITLAB_KINDS = frozenset({"deployment", "push", "issue"})


def may_have_facts(source: str, kind: str, body: bytes) -> bool:
    """Whether `facts_of` can find anything in an event of this source and type (with this
    delivery body): a cheap test on the ingest path, so the body is parsed only for these."""
    if source == "github":
        return kind.split(".", 1)[0] in _GITHUB_KINDS
    if source == "gitlab":
        return kind.split(".", 1)[0] in _GITLAB_KINDS
    if source == "stripe":
        return kind.startswith("customer.subscription.")
    if source == "cloudflare":
        return b"alert_correlation_id" in body
    if source == "custom":
        return kind in ("deployment", "incident") or b'"distinct_id"' in body
    return False


def _str(document: Any, path: str) -> str | None:
    value = dig(document, path)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _time(value: Any) -> datetime | None:
    """kit's parse_time, also for GitLab's "2026-11-02 09:00:00 UTC"."""
    if isinstance(value, str) and value.endswith(" UTC"):
        value = value.removesuffix(" UTC") + "+00:00"
    return parse_time(value)


def _branch(ref: str | None) -> str | None:
    if not ref or not ref.startswith("refs/heads/"):
        return None
    return ref.removeprefix("refs/heads/")


def _commits(items: Any, at: datetime) -> tuple[Commit, ...]:
    found = []
    for item in items if isinstance(items, list) else []:
        sha = _str(item, "id")
        if sha:
            found.append(Commit(sha, _time(dig(item, "timestamp")) or at))
    return tuple(found)


def _labelled(labels: Any, source: str, key: str) -> bool:
    compiled = pattern(source)
    for label in labels if isinstance(labels, list) else []:
        name = _str(label, key) if isinstance(label, dict) else label
        if isinstance(name, str) and compiled.search(name):
            return True
    return False


def _root_cause(text: Any) -> str | None:
    match = _ROOT_CAUSE.search(text[:20_000]) if isinstance(text, str) else None
    return match.group(1).lower() if match else None


def _github(event: Event, body: dict[str, Any], incident_label: str) -> list[Fact]:
    repository = _str(body, "repository.full_name")
    service = event.service or (f"github:{repository}" if repository else None)
    if service is None:
        return []
    kind = event.type.split(".", 1)[0]
    if kind == "deployment_status" and _str(body, "deployment_status.state") == "success":
        environment = _str(body, "deployment_status.environment") or _str(
            body, "deployment.environment"
        )
        at = _time(dig(body, "deployment_status.created_at")) or event.occurred_at
        key = _str(body, "deployment.id")
        if environment and key:
            return [
                Deployment(
                    key=f"github:{key}",
                    service=service,
                    environment=environment,
                    at=at,
                    sha=_str(body, "deployment.sha"),
                    ref=_str(body, "deployment.ref"),
                    event_id=event.id,
                )
            ]
    if kind == "push":
        branch = _branch(_str(body, "ref"))
        if branch is None or dig(body, "deleted") is True:
            return []
        at = _time(dig(body, "repository.pushed_at")) or event.occurred_at
        return [
            Push(
                service=service,
                ref=branch,
                head=_str(body, "after") or _str(body, "head_commit.id"),
                at=at,
                commits=_commits(dig(body, "commits"), at),
                event_id=event.id,
            )
        ]
    if kind == "issues":
        issue = dig(body, "issue")
        if not _labelled(dig(issue, "labels"), incident_label, "name"):
            return []
        return [
            _issue_mark(
                f"github:{repository}#{_str(issue, 'number')}",
                service,
                _str(body, "action"),
                _time(dig(issue, "created_at")),
                _time(dig(issue, "closed_at")),
                dig(issue, "body"),
                event,
            )
        ]
    return []


def _issue_mark(
    key: str,
    service: str,
    action: str | None,
    created: datetime | None,
    closed: datetime | None,
    text: Any,
    event: Event,
) -> IncidentMark:
    mark = IncidentMark(
        key=key,
        service=service,
        start=created or event.occurred_at,
        root_cause=_root_cause(text),
        event_id=event.id,
    )
    if action in ("closed", "close"):
        return replace(mark, end=closed or event.occurred_at)
    if action in ("reopened", "reopen"):
        return replace(mark, reopened=True)
    return mark


def _gitlab(event: Event, body: dict[str, Any], incident_label: str) -> list[Fact]:
    project = _str(body, "project.path_with_namespace")
    service = event.service or (f"gitlab:{project}" if project else None)
    if service is None:
        return []
    kind = _str(body, "object_kind")
    if kind == "deployment" and _str(body, "status") == "success":
        key = _str(body, "deployment_id")
        environment = _str(body, "environment")
        if key and environment:
            return [
                Deployment(
                    key=f"gitlab:{key}",
                    service=service,
                    environment=environment,
                    at=_time(dig(body, "status_changed_at")) or event.occurred_at,
                    sha=_str(body, "sha"),
                    ref=_str(body, "ref"),
                    event_id=event.id,
                )
            ]
    if kind == "push":
        branch = _branch(_str(body, "ref"))
        if branch is None or (_str(body, "after") or "").strip("0") == "":
            return []
        return [
            Push(
                service=service,
                ref=branch,
                head=_str(body, "after"),
                at=event.occurred_at,
                commits=_commits(dig(body, "commits"), event.occurred_at),
                event_id=event.id,
            )
        ]
    if kind == "issue":
        labels = dig(body, "labels") or dig(body, "object_attributes.labels")
        if not _labelled(labels, incident_label, "title"):
            return []
        attributes = dig(body, "object_attributes")
        return [
            _issue_mark(
                f"gitlab:{project}#{_str(attributes, 'iid')}",
                service,
                _str(attributes, "action"),
                _time(dig(attributes, "created_at")),
                _time(dig(attributes, "closed_at")),
                dig(attributes, "description"),
                event,
            )
        ]
    return []


def _cloudflare(event: Event, body: dict[str, Any]) -> list[Fact]:
    correlation = _str(body, "alert_correlation_id")
    state = (_str(body, "alert_event") or "").upper()
    if not correlation or not state:
        return []
    service = event.service or "cloudflare"
    key = f"cloudflare:{correlation}"
    if state.endswith("START"):
        return [IncidentMark(key, service, start=event.occurred_at, event_id=event.id)]
    if state.endswith("END"):
        return [IncidentMark(key, service, end=event.occurred_at, event_id=event.id)]
    return []


def _stripe(event: Event, body: dict[str, Any]) -> list[Fact]:
    if not event.type.startswith("customer.subscription."):
        return []
    subscription = dig(body, "data.object")
    key = _str(subscription, "id")
    customer = dig(subscription, "customer")
    customer_id = _str(customer, "id") if isinstance(customer, dict) else customer
    created = _time(dig(body, "created"))
    if not key or not isinstance(customer_id, str) or created is None:
        return []
    status = _str(subscription, "status") or "incomplete"
    if event.type == "customer.subscription.deleted":
        status = "canceled"
    return [
        Snapshot(
            subscription=key,
            customer=customer_id,
            currency=(
                _str(subscription, "currency") or _item_currency(subscription) or "usd"
            ).lower(),
            status=status,
            created=created,
            items=_items(subscription),
            discount=_discount(subscription),
            event_id=event.id,
        )
    ]


def _item_currency(subscription: Any) -> str | None:
    for item in _list(dig(subscription, "items.data")):
        found = _str(item, "price.currency") or _str(item, "plan.currency")
        if found:
            return found
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(subscription: Any) -> tuple[Item, ...]:
    found = []
    for item in _list(dig(subscription, "items.data")):
        price = dig(item, "price") or dig(item, "plan") or {}
        recurring = dig(price, "recurring") or {}
        interval = _str(recurring, "interval") or _str(price, "interval")
        count = dig(recurring, "interval_count") or dig(price, "interval_count") or 1
        usage = _str(recurring, "usage_type") or _str(price, "usage_type")
        amount = dig(price, "unit_amount")
        if amount is None:
            amount = dig(price, "amount")
        quantity = dig(item, "quantity")
        if interval is None:
            continue
        found.append(
            Item(
                unit_amount=amount
                if isinstance(amount, int) and not isinstance(amount, bool)
                else None,
                quantity=quantity
                if isinstance(quantity, int) and not isinstance(quantity, bool)
                else 1,
                interval=interval,
                interval_count=count if isinstance(count, int) and count > 0 else 1,
                metered=usage == "metered",
            )
        )
    return tuple(found)


def _discount(subscription: Any) -> Discount | None:
    coupons = []
    single = dig(subscription, "discount")
    if isinstance(single, dict):
        coupons.append(dig(single, "coupon") or dig(single, "source.coupon"))
    for entry in _list(dig(subscription, "discounts")):
        if isinstance(entry, dict):
            coupons.append(dig(entry, "coupon") or dig(entry, "source.coupon"))
    for coupon in coupons:
        if isinstance(coupon, dict) and _str(coupon, "duration"):
            percent = dig(coupon, "percent_off")
            amount = dig(coupon, "amount_off")
            return Discount(
                duration=str(_str(coupon, "duration")),
                percent_off=float(percent)
                if isinstance(percent, (int, float)) and not isinstance(percent, bool)
                else None,
                amount_off=amount
                if isinstance(amount, int) and not isinstance(amount, bool)
                else None,
            )
    return None


def _custom(event: Event, body: dict[str, Any]) -> list[Fact]:
    values = body.get("values") if isinstance(body.get("values"), dict) else body.get("properties")
    values = values if isinstance(values, Mapping) else {}
    name = event.type
    found: list[Fact] = []
    if name == "deployment" and _str(values, "status") == "success":
        environment = _str(values, "environment") or event.environment
        service = event.service or _str(values, "service") or _str(body, "source")
        if environment and service:
            found.append(
                Deployment(
                    key=f"custom:{_str(body, 'id') or event.id}",
                    service=service,
                    environment=environment,
                    at=event.occurred_at,
                    sha=_str(values, "sha"),
                    ref=_str(values, "ref"),
                    event_id=event.id,
                )
            )
    if name == "incident":
        status = (_str(values, "status") or "").lower()
        service = event.service or _str(values, "service") or _str(body, "source")
        key = _str(values, "id") or _str(values, "incident_id")
        if service and key and status in ("opened", "open", "resolved", "closed"):
            ended = status in ("resolved", "closed")
            found.append(
                IncidentMark(
                    key=f"custom:{key}",
                    service=service,
                    start=None if ended else event.occurred_at,
                    end=event.occurred_at if ended else None,
                    root_cause=_root_cause(f"root cause: {_str(values, 'root_cause')}")
                    if _str(values, "root_cause")
                    else None,
                    event_id=event.id,
                )
            )
    person = _str(body, "distinct_id")
    if person:
        score = values.get("score")
        found.append(
            Activity(
                person,
                name,
                event.occurred_at,
                event.id,
                score=float(score)
                if isinstance(score, (int, float)) and not isinstance(score, bool)
                else None,
            )
        )
    return found


def merge_incident(current: Incident | None, mark: IncidentMark) -> Incident:
    """An incident with one more event's word on it: the earliest start and the latest end
    win, whatever order the events came in; a reopen clears the end."""
    if current is None:
        start = mark.start or mark.end
        assert start is not None
        return Incident(
            key=mark.key,
            service=mark.service,
            start=start,
            end=None if mark.reopened else mark.end,
            root_cause=mark.root_cause,
            event_ids=(mark.event_id,) if mark.event_id is not None else (),
        )
    start = min(current.start, mark.start) if mark.start else current.start
    end = current.end
    if mark.reopened:
        end = None
    elif mark.end is not None:
        end = max(end, mark.end) if end else mark.end
    if mark.end is not None and start > mark.end:
        start = mark.end
    ids = current.event_ids + ((mark.event_id,) if mark.event_id is not None else ())
    return Incident(
        key=current.key,
        service=current.service,
        start=start,
        end=end,
        root_cause=mark.root_cause or current.root_cause,
        event_ids=ids,
    )
