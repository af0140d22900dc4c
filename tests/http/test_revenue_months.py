"""Revenue month by month over real HTTP: a scripted subscription timeline sent as signed Stripe
deliveries (shuffled, some twice) gives each calendar month's start and end MRR and its
movements to the cent, the months chain from the window's start MRR to its end MRR, and a
workspace in Europe/Berlin cuts the months at its own midnights (across the switch to summer
time)."""

from __future__ import annotations

import csv
import io
import random
from itertools import pairwise
from typing import Any

from tests.http.metric_events import metric, monthly_timeline, send_stripe
from tests.support import Server


def movements(new: int = 0, reactivation: int = 0, expansion: int = 0, contraction: int = 0,
              churn: int = 0) -> dict[str, int]:  # fmt: skip
    return {
        "new": new,
        "reactivation": reactivation,
        "expansion": expansion,
        "contraction": contraction,
        "churn": churn,
    }


def month(name: str, since: str, until: str, start: int, end: int, **moved: int) -> dict[str, Any]:
    return {
        "month": name,
        "since": since,
        "until": until,
        "mrr": {"start": start, "end": end},
        "movements": movements(**moved),
    }


def check_chain(found: dict[str, Any]) -> None:
    """Each month's movements add up to its end, and each month starts where the one before
    ended: from the window's start MRR to its end MRR."""
    months = found["months"]
    assert months[0]["mrr"]["start"] == found["mrr"]["start"]
    assert months[-1]["mrr"]["end"] == found["mrr"]["end"]
    for earlier, later in pairwise(months):
        assert later["mrr"]["start"] == earlier["mrr"]["end"]
        assert later["since"] == earlier["until"]
    for m in months:
        moved = m["movements"]
        assert (
            m["mrr"]["start"]
            + moved["new"]
            + moved["reactivation"]
            + moved["expansion"]
            - (moved["contraction"] + moved["churn"])
            == m["mrr"]["end"]
        ), m["month"]


def test_each_month_of_a_scripted_timeline_to_the_cent(server: Server) -> None:
    endpoint = server.create_endpoint("stripe", name="billing-months")
    events = monthly_timeline()
    deliveries = events + events[::4]
    random.Random(7).shuffle(deliveries)
    send_stripe(server, endpoint, deliveries)
    server.wait_for_events(len(events), source="stripe")

    found = metric(server, "revenue", since="2026-01-01T00:00:00Z", until="2026-05-01T00:00:00Z")
    assert found["mrr"] == {"start": 1000, "end": 9400}
    assert found["months"] == [
        month("2026-01", "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", 1000, 4000,
              new=3000),
        month("2026-02", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z", 4000, 10400,
              new=4900, expansion=1500),
        month("2026-03", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z", 10400, 6400,
              contraction=500, churn=3500),
        month("2026-04", "2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z", 6400, 9400,
              reactivation=3000),
    ]  # fmt: skip
    check_chain(found)
    # Over the whole window each customer is compared once, start against end: cus_b (30.00)
    # and cus_d (49.00) are new, cus_a grew by 5.00, and cus_c, who came and went inside
    # the window, moves nothing.
    assert found["movements"] == movements(new=3000 + 4900, expansion=500)

    # A window that starts and ends inside months: its first and last parts are partial.
    partial = metric(server, "revenue", since="2026-02-15T00:00:00Z", until="2026-03-10T00:00:00Z")
    assert partial["months"] == [
        month("2026-02", "2026-02-15T00:00:00.000Z", "2026-03-01T00:00:00.000Z", 9400, 10400,
              expansion=1000),
        month("2026-03", "2026-03-01T00:00:00.000Z", "2026-03-10T00:00:00.000Z", 10400, 7900,
              churn=2500),
    ]  # fmt: skip
    check_chain(partial)

    # In Berlin, April begins at 22:00 UTC on March 31 (summer time since March 29): cus_c's
    # cancellation falls in April there.
    with server.client() as c:
        answer = c.patch("/api/v1/metrics/settings", json={"timezone": "Europe/Berlin"})
        assert answer.status_code == 200, answer.text
    try:
        berlin = metric(
            server, "revenue", since="2025-12-31T23:00:00Z", until="2026-04-30T22:00:00Z"
        )
    finally:
        with server.client() as c:
            c.patch("/api/v1/metrics/settings", json={"timezone": "UTC"})
    assert [(m["month"], m["since"]) for m in berlin["months"]] == [
        ("2026-01", "2025-12-31T23:00:00.000Z"),
        ("2026-02", "2026-01-31T23:00:00.000Z"),
        ("2026-03", "2026-02-28T23:00:00.000Z"),
        ("2026-04", "2026-03-31T22:00:00.000Z"),
    ]
    assert [(m["mrr"], m["movements"]) for m in berlin["months"][2:]] == [
        ({"start": 10400, "end": 7400}, movements(contraction=500, churn=2500)),
        ({"start": 7400, "end": 9400}, movements(reactivation=3000, churn=1000)),
    ]
    check_chain(berlin)


def test_the_months_in_the_csv_table(server: Server) -> None:
    with server.client() as c:
        answer = c.get(
            "/api/v1/metrics/revenue",
            params={"since": "2026-01-01", "until": "2026-05-01", "format": "csv"},
        )
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.text)))
    march = [r for r in rows if r[:2] == ["month", "2026-03"]]
    assert march == [
        ["month", "2026-03", "mrr_start", "10400", "usd"],
        ["month", "2026-03", "new", "0", "usd"],
        ["month", "2026-03", "reactivation", "0", "usd"],
        ["month", "2026-03", "expansion", "0", "usd"],
        ["month", "2026-03", "contraction", "500", "usd"],
        ["month", "2026-03", "churn", "3500", "usd"],
        ["month", "2026-03", "mrr_end", "6400", "usd"],
    ]
    assert len([r for r in rows if r[0] == "month"]) == 4 * 7


def test_trial_conversion_and_ltv_name_their_events(server: Server) -> None:
    found = metric(
        server, "revenue", since="2026-01-01T00:00:00Z", until="2026-05-01T00:00:00Z", explain="1"
    )
    assert found["trial_conversion"] == 1.0
    behind = found["explain"]
    # cus_d's trial ended on February 1 (the one trial that ended): that event.
    assert behind["trial_conversion"]["count"] == 1
    with server.client() as c:
        ended = c.get(f"/api/v1/events/{behind['trial_conversion']['event_ids'][0]}").json()
    assert "cus_d" in ended["title"] and ended["occurred_at"] == "2026-02-01T00:00:00.000Z"
    # Nobody paying at the start churned by the end (cus_a stayed): LTV is ARPA x 60, from
    # the subscriptions paying at the end.
    assert found["customers"]["churned"] == 0
    assert behind["ltv"] == behind["mrr"] and behind["mrr"]["count"] == 3
