"""Events for the metrics suites, built from the shared fixtures: signed GitHub pushes,
deployments and issues, Stripe subscription events, custom product events; and a metric
read over the API."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import stripe

from tests.support import GITHUB_FIXTURES, STRIPE_RESOURCES, Server, github_headers


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GITHUB_FIXTURES / name).read_text())
    return document


def with_repo(document: dict[str, Any], repo: str) -> dict[str, Any]:
    document["repository"]["full_name"] = repo
    document["repository"]["name"] = repo.split("/")[1]
    return document


def push(repo: str, head: str, at: datetime, commits: list[tuple[str, datetime]]) -> bytes:
    document = with_repo(fixture("push/payload.json"), repo)
    template = {"message": "change", "distinct": True, "added": [], "removed": [], "modified": []}
    document.update(
        ref="refs/heads/main",
        before="0" * 39 + "1",
        after=head,
        created=False,
        deleted=False,
        base_ref=None,
        commits=[{**template, "id": sha, "timestamp": iso(when)} for sha, when in commits],
        head_commit={**template, "id": head, "timestamp": iso(commits[-1][1])},
    )
    document["repository"]["pushed_at"] = int(at.timestamp())
    return json.dumps(document).encode()


def deployment(repo: str, number: int, sha: str, at: datetime, env: str = "production") -> bytes:
    document = with_repo(fixture("deployment_status/payload.json"), repo)
    document["deployment"].update(id=number, sha=sha, ref="main", environment=env)
    document["deployment_status"].update(
        id=number * 10, state="success", environment=env, created_at=iso(at)
    )
    return json.dumps(document).encode()


def incident(
    repo: str,
    action: str,
    opened: datetime,
    closed: datetime | None,
    number: int = 77,
    label: str = "incident",
) -> bytes:
    document = with_repo(fixture("issues/opened.payload.json"), repo)
    document["action"] = action
    document["issue"].update(
        number=number,
        labels=[{"id": 1, "name": label, "color": "f00", "default": False}],
        created_at=iso(opened),
        closed_at=None if closed is None else iso(closed),
        state="closed" if closed else "open",
    )
    return json.dumps(document).encode()


def send_github(
    server: Server, endpoint: dict[str, Any], deliveries: list[tuple[str, bytes]]
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for event, body in deliveries:
            answer = c.post(
                f"/in/{endpoint['slug']}",
                content=body,
                headers=github_headers(endpoint["secret"], body, event),
            )
            assert answer.status_code == 202, answer.text


def metric(server: Server, name: str, **params: Any) -> dict[str, Any]:
    with server.client() as c:
        answer = c.get(f"/api/v1/metrics/{name}", params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


STRIPE: dict[str, Any] = json.loads(STRIPE_RESOURCES.read_text())["resources"]


def subscription_event(
    event_id: str,
    kind: str,
    created: datetime,
    customer: str,
    items: list[tuple[int, int, str]],
    *,
    status: str = "active",
    currency: str = "usd",
    coupon: dict[str, Any] | None = None,
    subscription_id: str | None = None,
) -> bytes:
    """A Stripe event of the shared fixtures' subscription, with these (unit amount,
    quantity, interval) items (its id `sub_<customer>` unless given)."""
    subscription = copy.deepcopy(STRIPE["subscription"])
    template = subscription["items"]["data"][0]
    lines = []
    for n, (amount, quantity, interval) in enumerate(items):
        line = copy.deepcopy(template)
        line["id"] = f"si_{customer}_{n}"
        line["quantity"] = quantity
        line["price"].update(unit_amount=amount, currency=currency)
        line["price"]["recurring"].update(interval=interval, interval_count=1)
        lines.append(line)
    subscription["items"]["data"] = lines
    subscription.update(
        id=subscription_id or f"sub_{customer}",
        customer=customer,
        status=status,
        currency=currency,
        discount=None if coupon is None else {"coupon": coupon},
    )
    envelope = {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(created.timestamp()),
        "livemode": False,
        "data": {"object": subscription},
    }
    return json.dumps(envelope).encode()


CREATED = "customer.subscription.created"
UPDATED = "customer.subscription.updated"
DELETED = "customer.subscription.deleted"
MONTH = "month"


def monthly_timeline(prefix: str = "") -> list[bytes]:
    """Four customers over January to April 2026 (USD) whose MRR month by month is known:
    1000 → 4000 → 10400 → 6400 (UTC) → 9400. Event ids and customers start with `prefix`."""
    year = "year"
    script: list[tuple[str, str, str, str, list[tuple[int, int, str]], str]] = [
        # December: cus_a pays 10.00 a month.
        ("evt_a1", CREATED, "2025-12-10T12:00", "cus_a", [(1000, 1, MONTH)], "active"),
        # January: cus_b new at 20.00, cus_c new at 120.00 a year (10.00 a month), cus_d on
        # trial.
        ("evt_b1", CREATED, "2026-01-05T12:00", "cus_b", [(2000, 1, MONTH)], "active"),
        ("evt_d1", CREATED, "2026-01-10T12:00", "cus_d", [(4900, 1, MONTH)], "trialing"),
        ("evt_c1", CREATED, "2026-01-20T12:00", "cus_c", [(12000, 1, year)], "active"),
        # February: cus_d's trial converts at its very first moment (new 49.00), cus_b
        # upgrades to 25.00 (+5.00), cus_a takes a second seat (+10.00).
        ("evt_d2", UPDATED, "2026-02-01T00:00", "cus_d", [(4900, 1, MONTH)], "active"),
        ("evt_b2", UPDATED, "2026-02-10T12:00", "cus_b", [(2500, 1, MONTH)], "active"),
        ("evt_a2", UPDATED, "2026-02-20T12:00", "cus_a", [(1000, 2, MONTH)], "active"),
        # March: cus_b leaves (-25.00), cus_a goes down to 15.00 (-5.00), and cus_c cancels
        # half an hour after midnight of April 1 in Berlin (still March 31 in UTC).
        ("evt_b3", DELETED, "2026-03-03T12:00", "cus_b", [(2500, 1, MONTH)], "canceled"),
        ("evt_a3", UPDATED, "2026-03-15T12:00", "cus_a", [(1500, 1, MONTH)], "active"),
        ("evt_c2", DELETED, "2026-03-31T22:30", "cus_c", [(12000, 1, year)], "canceled"),
    ]
    found = [
        subscription_event(
            prefix + event_id,
            kind,
            datetime.fromisoformat(moment).replace(tzinfo=UTC),
            prefix + customer,
            items,
            status=status,
        )
        for event_id, kind, moment, customer, items, status in script
    ]
    # April: cus_b comes back on a new subscription at 30.00 (a reactivation).
    back = datetime(2026, 4, 20, 12, tzinfo=UTC)
    found.append(
        subscription_event(
            prefix + "evt_b4",
            CREATED,
            back,
            prefix + "cus_b",
            [(3000, 1, MONTH)],
            subscription_id=prefix + "sub_cus_b_again",
        )
    )
    return found


# Answers whose NPS is known: 3 promoters, 2 passives, 2 detractors, NPS (3 - 2) / 7.
NPS_SCORES = [10, 9, 9, 8, 7, 6, 3]


def custom(name: str, person: str, at: datetime, score: int | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"event": name, "distinct_id": person, "timestamp": iso(at)}
    if score is not None:
        event["values"] = {"score": score}
    return event


def send_stripe(server: Server, endpoint: dict[str, Any], bodies: list[bytes]) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for body in bodies:
            header = stripe.WebhookSignature.generate_signature_header(
                body.decode(), endpoint["secret"]
            )
            answer = c.post(
                f"/in/{endpoint['slug']}",
                content=body,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            assert answer.status_code == 202, answer.text
