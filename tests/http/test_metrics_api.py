"""`/api/v1/metrics/...` over real HTTP: signed GitHub and Stripe deliveries built from the
shared fixtures, and custom events, give the worked examples of specs/metrics.md exactly —
whatever the duplicates, replays and delivery order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx

from tests.http.metric_events import (
    NPS_SCORES,
    custom,
    deployment,
    incident,
    metric,
    push,
    send_github,
    send_stripe,
    subscription_event,
)
from tests.support import Server, github_headers

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday
SINCE = "2026-10-01T00:00:00Z"
UNTIL = "2026-11-01T00:00:00Z"


def test_dora_from_signed_github_deliveries(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="dora")
    minute = timedelta(minutes=1)
    # acme/lead: one first-ever deployment bringing four commits 480, 240, 120 and 60 minutes
    # old: the worked example's lead times (median 180, p90 408).
    deploy_at = T0 + 480 * minute
    commits = [("a" * 40, T0), ("b" * 40, T0 + 240 * minute), ("c" * 40, T0 + 360 * minute),
               ("d" * 40, T0 + 420 * minute)]  # fmt: skip
    lead = [
        ("push", push("acme/lead", "d" * 40, T0 + 430 * minute, commits)),
        ("deployment_status", deployment("acme/lead", 101, "d" * 40, deploy_at)),
        # Staging is not production: it counts nowhere.
        ("deployment_status", deployment("acme/lead", 102, "d" * 40, deploy_at, "staging")),
        # Another production environment: its own first deployment.
        ("deployment_status", deployment("acme/lead", 103, "d" * 40, deploy_at, "production-eu")),
    ]
    # acme/ops: two deployments a day apart; an incident opened after the second one and
    # closed 30 minutes later: change failure rate 1/2, recovery 30 minutes, and a third
    # deployment made while it was open (rework).
    day, e, f = timedelta(days=1), "e" * 40, "f" * 40
    d1, d2 = T0 + day, T0 + 2 * day
    ops = [
        ("push", push("acme/ops", e, d1 - 60 * minute, [(e, d1 - 90 * minute)])),
        ("deployment_status", deployment("acme/ops", 201, e, d1)),
        ("push", push("acme/ops", f, d2 - 60 * minute, [(f, d2 - 120 * minute)])),
        ("deployment_status", deployment("acme/ops", 202, f, d2)),
        ("issues", incident("acme/ops", "closed", d2 + 60 * minute, d2 + 90 * minute)),
        ("issues", incident("acme/ops", "opened", d2 + 60 * minute, None)),
        ("deployment_status", deployment("acme/ops", 203, f, d2 + 70 * minute)),
    ]
    # Out of order (the incident's close arrives first), and every delivery twice: once as
    # GitHub's own redelivery (the same delivery id, a duplicate) ...
    send_github(server, endpoint, lead + ops)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for event, body in (lead + ops)[:2]:
            headers = github_headers(endpoint["secret"], body, event, delivery="same-delivery")
            for _ in range(2):
                assert (
                    c.post(f"/in/{endpoint['slug']}", content=body, headers=headers).status_code
                    == 202
                )
    # ... and as a new delivery of the same facts (a deployment reported twice).
    send_github(server, endpoint, [ops[1]])
    events = server.wait_for_events(len(lead + ops) + 2, source="github")
    # A replay of a stored deployment changes nothing either.
    deployed = next(e for e in events if e["type"].startswith("deployment_status"))
    with server.client() as c:
        assert c.post(f"/api/v1/events/{deployed['id']}/replay").status_code == 202
    server.wait_for_events(1, source="github", origin="replay")

    found = metric(
        server, "dora", since=SINCE, until=UNTIL, repository="acme/lead", environment="production"
    )
    assert found["deployment_frequency"]["count"] == 1
    assert found["lead_time_minutes"] == {"median": 180.0, "p90": 408.0, "band": "elite"}
    assert found["change_failure_rate"] == {"value": 0.0, "band": "elite"}
    assert found["recovery_time_minutes"] == {"median": None, "band": None}

    ops_found = metric(server, "dora", since=SINCE, until=UNTIL, repository="github:acme/ops")
    assert ops_found["deployment_frequency"]["count"] == 3
    assert ops_found["lead_time_minutes"]["median"] == 105.0  # 90 and 120 minutes
    assert ops_found["change_failure_rate"] == {"value": 0.3333, "band": "low"}
    assert ops_found["recovery_time_minutes"] == {"median": 30.0, "band": "elite"}
    assert ops_found["rework_rate"] == {"value": 0.3333}

    everything = metric(server, "dora", since=SINCE, until=UNTIL)
    assert everything["deployment_frequency"]["count"] == 5
    assert everything["deployment_frequency"]["per_week"] == round(5 / 31 * 7, 4)
    # The environment filter: deployments to production-eu only.
    eu = metric(server, "dora", since=SINCE, until=UNTIL, environment="production-eu")
    assert eu["deployment_frequency"]["count"] == 1
    empty = metric(server, "dora", since="2025-01-01T00:00:00Z", until="2025-02-01T00:00:00Z")
    assert empty["deployment_frequency"] == {"count": 0, "per_week": 0.0, "band": "low"}
    assert empty["change_failure_rate"] == {"value": None, "band": None}


def test_metric_parameters_are_checked(server: Server) -> None:
    with server.client() as c:
        for path, params in [
            ("dora", {"since": "yesterday"}),
            ("dora", {"since": UNTIL, "until": SINCE}),
            ("dora", {"repo": "x"}),
            ("revenue", {"currency": "dollars"}),
            ("retention", {"start_event": "a"}),
            ("retention", {"start_event": "a", "return_event": "b", "period": "year"}),
            ("funnel", {}),
            ("funnel", {"steps": "a,,b"}),
            ("funnel", {"steps": "a", "window_days": "0"}),
            ("time-to-value", {}),
        ]:
            answer = c.get(f"/api/v1/metrics/{path}", params=params)
            assert answer.status_code == 400, (path, params, answer.text)
            assert answer.json()["error"] == "bad_parameter"
        assert httpx.get(f"{server.url}/api/v1/metrics/dora").status_code == 401


def test_revenue_from_signed_stripe_deliveries_shuffled_with_duplicates(server: Server) -> None:
    endpoint = server.create_endpoint("stripe", name="billing")
    before = datetime(2026, 9, 10, tzinfo=UTC)
    during = datetime(2026, 10, 15, tzinfo=UTC)
    created, updated = "customer.subscription.created", "customer.subscription.updated"
    month = "month"
    events = [
        # Start MRR 10,000 over four customers ...
        subscription_event("evt_a1", created, before, "cus_a", [(1000, 1, month)]),
        subscription_event("evt_b1", created, before, "cus_b", [(1000, 2, month)]),
        subscription_event("evt_c1", created, before, "cus_c", [(3000, 1, month)]),
        subscription_event("evt_d1", created, before, "cus_d", [(48000, 1, "year")]),
        # ... (a euro customer is counted apart) ...
        subscription_event("evt_x1", created, before, "cus_x", [(5000, 1, month)], currency="eur"),
        # ... one new at 500, one expansion +300, one contraction -200, one churn -1,000.
        subscription_event("evt_e1", created, during, "cus_e", [(500, 1, month)]),
        subscription_event("evt_b2", updated, during, "cus_b", [(1150, 2, month)]),
        subscription_event("evt_c2", updated, during, "cus_c", [(2800, 1, month)]),
        subscription_event(
            "evt_a2",
            "customer.subscription.deleted",
            during,
            "cus_a",
            [(1000, 1, month)],
            status="canceled",
        ),
        # November: 2 x $49/month + $1,200/year with a forever 10 % coupon: 17,820.
        subscription_event(
            "evt_f1",
            created,
            datetime(2026, 11, 15, tzinfo=UTC),
            "cus_f",
            [(4900, 2, month), (120000, 1, "year")],
            coupon={"id": "TEN", "duration": "forever", "percent_off": 10, "amount_off": None},
        ),
    ]
    # Shuffled, and a third of them delivered twice.
    deliveries = events + events[::3]
    random.Random(13).shuffle(deliveries)
    send_stripe(server, endpoint, deliveries)
    server.wait_for_events(len(events), source="stripe")

    found = metric(server, "revenue", since=SINCE, until=UNTIL)
    assert found["currency"] == "usd"
    assert found["mrr"] == {"start": 10000, "end": 9600}
    assert found["movements"] == {
        "new": 500,
        "reactivation": 0,
        "expansion": 300,
        "contraction": 200,
        "churn": 1000,
    }
    assert found["customers"] == {"start": 4, "end": 4, "churned": 1}
    assert found["gross_mrr_churn"] == 0.12
    assert found["net_mrr_churn"] == 0.09
    assert found["customer_churn_rate"] == 0.25
    assert found["arpa"] == 2400.0
    assert len(found["series"]) == 31
    assert found["series"][0] == {"date": "2026-10-01", "mrr": 10000}
    assert found["series"][-1] == {"date": "2026-10-31", "mrr": 9600}
    euro = metric(server, "revenue", since=SINCE, until=UNTIL, currency="EUR")
    assert euro["currency"] == "eur" and euro["mrr"] == {"start": 5000, "end": 5000}
    november = metric(server, "revenue", since="2026-11-10T00:00:00Z", until="2026-12-01T00:00:00Z")
    assert november["mrr"] == {"start": 9600, "end": 9600 + 17820}
    assert november["movements"]["new"] == 17820


def csat_score(k: int) -> int:
    """The k-th of 107 CSAT answers: the first 74 are 4 or 5, the others 1 to 3."""
    return 4 + k % 2 if k < 74 else 1 + k % 3


def test_product_metrics_from_custom_events(server: Server) -> None:
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    monday = datetime(2026, 10, 5, 9, tzinfo=UTC)
    batch = [
        # NPS: scores 10, 9, 9, 8, 7, 6, 3 give (3 - 2) / 7 * 100 = 14.29.
        *(custom("nps", f"n{k}", monday + k * hour, s) for k, s in enumerate(NPS_SCORES)),
        # CSAT: 107 answers of which 74 are 4 or 5 give 69.16 %.
        *(custom("csat", f"c{k}", monday + k * hour, csat_score(k)) for k in range(107)),
        # Active people on 20, 21 and 22 October (and one 10 days before).
        custom("Opened app", "p1", monday + 15 * day),
        custom("Opened app", "p2", monday + 15 * day + hour),
        custom("Opened app", "p1", monday + 16 * day),
        custom("Opened app", "p3", monday + 17 * day),
        custom("Opened app", "p4", monday + 5 * day),
        # Retention by week: r1 and r2 join in the week of 5 October, r3 the next week.
        custom("Joined", "r1", monday),
        custom("Joined", "r2", monday + hour),
        custom("Joined", "r3", monday + 7 * day),
        custom("Came back", "r1", monday + day),
        custom("Came back", "r1", monday + 9 * day),
        custom("Came back", "r2", monday + 15 * day),
        custom("Came back", "r3", monday + 8 * day),
        # A funnel: 4 viewed, 2 carted (after 1 h and 2 h), 1 paid (2 h after carting); f4
        # carted too late (22 days after viewing).
        custom("Viewed", "f1", monday),
        custom("Carted", "f1", monday + hour),
        custom("Paid", "f1", monday + 3 * hour),
        custom("Viewed", "f2", monday + day),
        custom("Carted", "f2", monday + day + 2 * hour),
        custom("Viewed", "f3", monday + 2 * day),
        custom("Viewed", "f4", monday + 3 * day),
        custom("Carted", "f4", monday + 25 * day),
        # Time to value: activated after 1 h and 3 h; t3 never.
        custom("signup", "t1", monday),
        custom("Activated", "t1", monday + hour),
        custom("signup", "t2", monday + day),
        custom("Activated", "t2", monday + day + 3 * hour),
        custom("signup", "t3", monday + 2 * day),
    ]  # fmt: skip
    with server.client() as c:
        answer = c.post("/api/v1/events", json={"batch": batch})
    assert answer.status_code == 202, answer.text
    server.wait_for_events(len(batch), source="custom")

    assert metric(server, "nps", since=SINCE, until=UNTIL) == {
        "nps": 14.29,
        "responses": 7,
        "promoters": 3,
        "passives": 2,
        "detractors": 2,
    }
    assert metric(server, "csat", since=SINCE, until=UNTIL) == {
        "csat": 69.16,
        "responses": 107,
        "satisfied": 74,
    }
    active = metric(server, "product", since="2026-10-20", until="2026-10-23", event="Opened app")
    assert [p["value"] for p in active["dau"]] == [2, 1, 1]
    assert [p["value"] for p in active["wau"]] == [2, 2, 3]
    assert [p["value"] for p in active["mau"]] == [3, 3, 4]
    assert [p["date"] for p in active["dau"]] == ["2026-10-20", "2026-10-21", "2026-10-22"]
    assert active["stickiness"] == 0.3333
    retained = metric(
        server,
        "retention",
        start_event="Joined",
        return_event="Came back",
        period="week",
        since="2026-10-05",
        until="2026-10-26",
    )
    assert retained == {
        "period": "week",
        "cohorts": [
            {"start": "2026-10-05", "size": 2, "retained": [1, 1, 1]},
            {"start": "2026-10-12", "size": 1, "retained": [1, 0]},
        ],
    }
    steps = metric(server, "funnel", steps="Viewed,Carted,Paid", since=SINCE, until=UNTIL)
    assert [
        (s["event"], s["count"], s["conversion"], s["median_seconds_from_previous"])
        for s in steps["steps"]
    ] == [("Viewed", 4, 1.0, None), ("Carted", 2, 0.5, 5400.0), ("Paid", 1, 0.25, 7200.0)]
    assert metric(
        server, "time-to-value", activation_event="Activated", since=SINCE, until=UNTIL
    ) == {"users": 3, "activated": 2, "median_seconds": 7200.0}
