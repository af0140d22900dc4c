"""Two nodes on PostgreSQL receiving one stream (each delivery sent to either node, some to
both) give the same metrics as one SQLite node receiving it once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from tests.http.test_cluster import _node
from tests.http.test_metrics_api import (
    NPS_SCORES,
    SINCE,
    T0,
    UNTIL,
    custom,
    deployment,
    incident,
    metric,
    push,
    subscription_event,
)
from tests.support import Server, github_headers

pytestmark = pytest.mark.own_stores

GITHUB_SECRET = "metrics-cluster-github-secret-0123456789"
STRIPE_SECRET = "whsec_metrics_cluster_0123456789abcdef"


@pytest.fixture
def nodes(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server, Server]]:
    a = _node(tmp_path, "node-a", pg_url).start()
    b = _node(tmp_path, "node-b", pg_url).start()
    sqlite = f"sqlite:///{tmp_path / 'sqlite' / 'echodash.db'}"
    single = Server(tmp_path / "sqlite", env={"ECHODASH_DATABASE": sqlite}).start()
    yield a, b, single
    for server in (a, b, single):
        server.stop()


def _stream() -> list[tuple[str, Any]]:
    """GitHub deliveries (deployments, pushes, an incident), Stripe events and custom events,
    as a sender would send them over a month."""
    minute, day = timedelta(minutes=1), timedelta(days=1)
    found: list[tuple[str, Any]] = []
    for n in range(10):  # a deploy every day; every 5th causes an incident an hour later
        at = T0 + n * day
        sha = f"{n:x}" * 40
        commits = [(f"{n:x}{k}".ljust(40, "0"), at - (60 + 30 * k) * minute) for k in range(3)]
        found.append(
            ("push", push("acme/web", sha, at - 30 * minute, [*commits, (sha, at - 40 * minute)]))
        )
        found.append(("deployment_status", deployment("acme/web", 500 + n, sha, at)))
        if n % 5 == 4:
            found.append(("issues", incident("acme/web", "opened", at + 60 * minute, None, n)))
            found.append(
                ("issues", incident("acme/web", "closed", at + 60 * minute, at + 100 * minute, n))
            )
    month, created = "month", "customer.subscription.created"
    for n in range(6):
        when = T0 + n * 2 * day
        found.append(
            (
                "stripe",
                subscription_event(
                    f"evt_c{n}", created, when, f"cus_{n}", [(1000 * (n + 1), 1, month)]
                ),
            )
        )
    found.append(
        (
            "stripe",
            subscription_event(
                "evt_up",
                "customer.subscription.updated",
                T0 + 15 * day,
                "cus_1",
                [(2500, 2, month)],
            ),
        )
    )
    found.append(
        (
            "stripe",
            subscription_event(
                "evt_del",
                "customer.subscription.deleted",
                T0 + 16 * day,
                "cus_2",
                [(3000, 1, month)],
                status="canceled",
            ),
        )
    )
    for k, score in enumerate(NPS_SCORES):
        found.append(("custom", custom("nps", f"n{k}", T0 + k * day, score)))
    for k in range(20):
        found.append(("custom", custom("Opened app", f"p{k % 7}", T0 + k * 0.7 * day)))
        if k % 3 == 0:
            found.append(("custom", custom("Paid", f"p{k % 7}", T0 + k * 0.7 * day + 5 * minute)))
    return found  # fmt: skip


def _send(server: Server, endpoints: dict[str, Any], kind: str, item: Any, key: str) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        if kind == "custom":
            answer = c.post(
                "/api/v1/events",
                json={**item, "id": key},
                headers={"Authorization": f"Bearer {server.token}"},
            )
        elif kind == "stripe":
            header = stripe.WebhookSignature.generate_signature_header(item.decode(), STRIPE_SECRET)
            answer = c.post(
                f"/in/{endpoints['stripe']['slug']}",
                content=item,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
        else:
            answer = c.post(
                f"/in/{endpoints['github']['slug']}",
                content=item,
                headers=github_headers(GITHUB_SECRET, item, kind, delivery=key),
            )
        assert answer.status_code == 202, answer.text


def _endpoints(server: Server) -> dict[str, Any]:
    return {
        "github": server.create_endpoint("github", name="acme/web", secret=GITHUB_SECRET),
        "stripe": server.create_endpoint("stripe", name="billing", secret=STRIPE_SECRET),
    }


QUERIES: list[tuple[str, dict[str, str]]] = [
    ("dora", {}),
    ("revenue", {}),
    ("product", {"event": "Opened app"}),
    ("retention", {"start_event": "Opened app", "return_event": "Opened app", "period": "week"}),
    ("funnel", {"steps": "Opened app,Paid"}),
    ("time-to-value", {"signup_event": "Opened app", "activation_event": "Paid"}),
    ("nps", {}),
]


def test_two_postgresql_nodes_give_the_numbers_of_one_sqlite_node(
    nodes: tuple[Server, Server, Server],
) -> None:
    a, b, single = nodes
    cluster_endpoints, single_endpoints = _endpoints(a), _endpoints(single)
    stream = _stream()
    keys = [f"delivery-{n}" for n in range(len(stream))]
    for (kind, item), key in zip(stream, keys, strict=True):
        _send(single, single_endpoints, kind, item, key)
    # The cluster: shuffled, each to either node, a third of them to both.
    order = list(zip(stream, keys, strict=True))
    random.Random(5).shuffle(order)
    for n, ((kind, item), key) in enumerate(order):
        _send((a, b)[n % 2], cluster_endpoints, kind, item, key)
        if n % 3 == 0:
            _send((b, a)[n % 2], cluster_endpoints, kind, item, key)
    for server in (single, a):
        server.wait_for_events(len(stream), timeout=30)

    window = {"since": SINCE, "until": UNTIL}
    for name, params in QUERIES:
        expected = metric(single, name, **window, **params)
        assert metric(a, name, **window, **params) == expected, name
        assert metric(b, name, **window, **params) == expected, name
    dora = metric(single, "dora", **window)
    assert dora["deployment_frequency"]["count"] == 10
    assert dora["change_failure_rate"]["value"] == 0.2
    assert dora["recovery_time_minutes"]["median"] == 40.0
    assert metric(single, "nps", **window)["nps"] == 14.29
    # 1,000 … 6,000 a month each; cus_1 went to 2 x 2,500, cus_2 cancelled.
    assert metric(single, "revenue", **window)["mrr"] == {"start": 0, "end": 21000}
