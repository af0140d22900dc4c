"""Real deliveries for the dashboards' tests: signed GitHub deployments, pushes and an
incident, signed Stripe subscription events and custom product events, all dated relative
to now so that the 7-, 30- and 90-day ranges hold different numbers.

What they make (N = now, to the minute):
- Delivery: production deployments at N-20d, N-3d and N-2d (and one to staging, which
  counts nowhere); an incident opened an hour after the last one, resolved an hour later.
  Last 7 days: 2 deployments; last 30 days: 3.
- Revenue (usd): cus_a ($10) and cus_b ($20) since N-60d; cus_c new at N-5d ($5); cus_a
  churns at N-4d; cus_x pays EUR 20 (less: USD is shown first). Last 30 days: MRR $30.00 → $25.00.
- Product: signups, activations, daily activity and survey answers (NPS 14.29).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.http.metric_events import (
    NPS_SCORES,
    custom,
    deployment,
    incident,
    push,
    send_github,
    send_stripe,
    subscription_event,
)
from tests.support import Server

REPO = "acme/shop"


def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def send_delivery(server: Server, at: datetime) -> dict[str, Any]:
    endpoint = server.create_endpoint("github", name=f"dash-gh-{at.timestamp():.0f}")
    day, hour = timedelta(days=1), timedelta(hours=1)
    minute = timedelta(minutes=1)
    a, b, c = "1" * 40, "2" * 40, "3" * 40
    deliveries = [
        ("push", push(REPO, a, at - 20 * day - hour, [(a, at - 20 * day - 2 * hour)])),
        ("deployment_status", deployment(REPO, 301, a, at - 20 * day)),
        ("push", push(REPO, b, at - 3 * day - 2 * hour, [(b, at - 3 * day - 3 * hour)])),
        ("deployment_status", deployment(REPO, 302, b, at - 3 * day)),
        ("push", push(REPO, c, at - 2 * day - hour, [(c, at - 2 * day - 90 * minute)])),
        ("deployment_status", deployment(REPO, 303, c, at - 2 * day)),
        ("deployment_status", deployment(REPO, 304, c, at - day, "staging")),
        ("issues", incident(REPO, "opened", at - 2 * day + hour, None, number=91)),
        ("issues", incident(REPO, "closed", at - 2 * day + hour, at - 2 * day + 2 * hour, 91)),
    ]  # fmt: skip
    send_github(server, endpoint, deliveries)
    server.wait_for_events(len(deliveries), endpoint=endpoint["id"])
    return endpoint


def send_revenue(server: Server, at: datetime) -> None:
    endpoint = server.create_endpoint("stripe", name=f"dash-stripe-{at.timestamp():.0f}")
    day = timedelta(days=1)
    created, month = "customer.subscription.created", "month"
    events = [
        subscription_event("evt_dash_a1", created, at - 60 * day, "cus_a", [(1000, 1, month)]),
        subscription_event("evt_dash_b1", created, at - 60 * day, "cus_b", [(2000, 1, month)]),
        subscription_event(
            "evt_dash_x1", created, at - 60 * day, "cus_x", [(2000, 1, month)], currency="eur"
        ),
        subscription_event("evt_dash_c1", created, at - 5 * day, "cus_c", [(500, 1, month)]),
        subscription_event(
            "evt_dash_a2",
            "customer.subscription.deleted",
            at - 4 * day,
            "cus_a",
            [(1000, 1, month)],
            status="canceled",
        ),
    ]
    send_stripe(server, endpoint, events)
    server.wait_for_events(len(events), endpoint=endpoint["id"])


def send_product(server: Server, at: datetime) -> None:
    day, hour = timedelta(days=1), timedelta(hours=1)
    batch = [
        custom("signup", "u1", at - 10 * day),
        custom("signup", "u2", at - 10 * day + hour),
        custom("signup", "u3", at - 3 * day),
        custom("signup", "u4", at - 2 * day),
        custom("activated", "u1", at - 10 * day + 2 * hour),
        custom("activated", "u3", at - 3 * day + 3 * hour),
        *(custom("opened app", f"u{1 + k % 3}", at - k * day - hour) for k in range(1, 12)),
        *(custom("nps", f"n{k}", at - day + k * timedelta(minutes=1), s)
          for k, s in enumerate(NPS_SCORES)),
        *(custom("csat", f"c{k}", at - day, s) for k, s in enumerate([5, 4, 4, 2])),
    ]  # fmt: skip
    with server.client() as c:
        answer = c.post("/api/v1/events", json={"batch": batch})
    assert answer.status_code == 202, answer.text
    server.wait_for_events(len(batch), source="custom")
