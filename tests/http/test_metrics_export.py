"""Every metric as CSV (`?format=csv`, `Accept: text/csv`) and with the events behind each
number (`?explain=1`), over real HTTP: the ids name stored events of the right kind, as many
as the numbers say; the tables hold the JSON's numbers and defuse spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.http import test_metrics_api as api
from tests.http.metric_events import custom, metric
from tests.support import Server

SINCE, UNTIL = api.SINCE, api.UNTIL
MONDAY = datetime(2026, 10, 5, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def loaded(server: Server) -> Server:
    """The metrics API suite's GitHub, Stripe and custom events (each checks its numbers)."""
    api.test_dora_from_signed_github_deliveries(server)
    api.test_revenue_from_signed_stripe_deliveries_shuffled_with_duplicates(server)
    api.test_product_metrics_from_custom_events(server)
    return server


def event(server: Server, event_id: int) -> dict[str, Any]:
    with server.client() as c:
        answer = c.get(f"/api/v1/events/{event_id}")
    assert answer.status_code == 200, (event_id, answer.text)
    found: dict[str, Any] = answer.json()
    return found


def explained(server: Server, name: str, **params: Any) -> dict[str, Any]:
    found = metric(server, name, since=SINCE, until=UNTIL, explain="1", **params)
    plain = metric(server, name, since=SINCE, until=UNTIL, **params)
    assert "explain" not in plain
    # The numbers are the same with or without their events.
    assert {k: v for k, v in found.items() if k != "explain"} == plain
    for listing in _listings(found["explain"]):
        ids = listing["event_ids"]
        assert ids == sorted(set(ids), reverse=True), "newest first, each once"
        assert listing["count"] == len(ids) and listing["truncated"] is False
    return found


def _listings(value: Any) -> Iterator[dict[str, Any]]:
    """Every {event_ids, count, truncated} in an `explain`, however nested."""
    if isinstance(value, dict) and "event_ids" in value:
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _listings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _listings(item)


def types(server: Server, ids: list[int]) -> set[str]:
    return {event(server, i)["type"].split(".")[0] for i in ids}


def test_each_dora_number_lists_its_events(loaded: Server) -> None:
    found = explained(loaded, "dora", repository="github:acme/ops")
    behind = found["explain"]
    deployments = behind["deployment_frequency"]["event_ids"]
    assert len(deployments) == found["deployment_frequency"]["count"] == 3
    assert types(loaded, deployments) == {"deployment_status"}
    # The pushes that brought the two deployed changes (90 and 120 minutes of lead time).
    assert types(loaded, behind["lead_time"]["event_ids"]) == {"push"}
    assert len(behind["lead_time"]["event_ids"]) == 2
    # One failed deployment (1 of 3) and the two events of the incident blamed on it.
    failed = behind["change_failure_rate"]["event_ids"]
    assert len(failed) == 3 and types(loaded, failed) == {"deployment_status", "issues"}
    assert len(set(failed) & set(deployments)) == round(
        found["change_failure_rate"]["value"] * found["deployment_frequency"]["count"]
    )
    recovered = behind["recovery_time"]["event_ids"]
    assert len(recovered) == 2 and types(loaded, recovered) == {"issues"}
    assert set(recovered) < set(failed)
    rework = behind["rework_rate"]["event_ids"]
    assert len(rework) == round(found["rework_rate"]["value"] * 3) == 1
    assert set(rework) < set(deployments)
    # The filters apply to the events as to the numbers.
    lead = explained(loaded, "dora", repository="acme/lead", environment="production")
    assert lead["explain"]["deployment_frequency"]["count"] == 1
    assert lead["explain"]["lead_time"]["count"] == 1  # one push brought the four commits
    assert lead["explain"]["recovery_time"]["event_ids"] == []


def test_revenue_numbers_list_the_snapshots_behind_them(loaded: Server) -> None:
    found = explained(loaded, "revenue")
    behind = found["explain"]

    def stripe_ids(name: str) -> set[str]:
        seen = set()
        for i in behind[name]["event_ids"]:
            document = event(loaded, i)
            assert document["source"] == "stripe"
            seen.add(json.loads(document["raw"]["body"])["id"])
        return seen

    assert stripe_ids("mrr_start") == {"evt_a1", "evt_b1", "evt_c1", "evt_d1"}
    # At the end: cus_a has churned (its deletion does not count); cus_e is new.
    assert stripe_ids("mrr") == {"evt_b2", "evt_c2", "evt_d1", "evt_e1"}
    assert stripe_ids("new") == {"evt_e1"}
    assert stripe_ids("expansion") == {"evt_b2"}
    assert stripe_ids("contraction") == {"evt_c2"}
    assert stripe_ids("churn") == {"evt_a2"}
    assert behind["reactivation"]["event_ids"] == []
    # Another currency's numbers, another currency's events.
    euro = explained(loaded, "revenue", currency="eur")
    assert len(euro["explain"]["mrr"]["event_ids"]) == 1


def test_product_numbers_list_the_activity_behind_them(loaded: Server) -> None:
    nps = explained(loaded, "nps")
    assert nps["explain"]["responses"]["count"] == nps["responses"] == 7
    assert nps["explain"]["promoters"]["count"] == nps["promoters"] == 3
    assert nps["explain"]["detractors"]["count"] == nps["detractors"] == 2
    assert {event(loaded, i)["type"] for i in nps["explain"]["responses"]["event_ids"]} == {"nps"}
    csat = explained(loaded, "csat")
    assert csat["explain"]["responses"]["count"] == 107
    assert csat["explain"]["satisfied"]["count"] == csat["satisfied"] == 74

    funnel = explained(loaded, "funnel", steps="Viewed,Carted,Paid")
    counts = [s["count"] for s in funnel["steps"]]
    assert [s["count"] for s in funnel["explain"]["steps"]] == counts == [4, 2, 1]
    for step in funnel["explain"]["steps"]:
        assert {event(loaded, i)["type"] for i in step["event_ids"]} == {step["event"]}

    active = explained(loaded, "product", event="Opened app")
    # Every "Opened app" of the window and the 29 days before it makes MAU.
    assert active["explain"]["mau"]["count"] == 5
    days = {"since": "2026-10-20", "until": "2026-10-23", "explain": "1"}
    window = metric(loaded, "product", event="Opened app", **days)
    assert window["explain"]["dau"]["count"] == 4  # the four of 20-22 October
    # Any event: a "Came back" of 20 October too.
    assert metric(loaded, "product", **days)["explain"]["dau"]["count"] == 5
    retained = explained(
        loaded, "retention", start_event="Joined", return_event="Came back", period="week"
    )
    sizes = [c["size"]["count"] for c in retained["explain"]["cohorts"]]
    assert sizes == [c["size"] for c in retained["cohorts"]] == [2, 1]
    ttv = explained(loaded, "time-to-value", activation_event="Activated")
    assert ttv["explain"]["users"]["count"] == ttv["users"] == 3
    assert ttv["explain"]["activated"]["count"] == ttv["activated"] == 2


def test_long_lists_are_cut_and_say_so(server: Server) -> None:
    answers = [custom("big-survey", f"b{k}", MONDAY + timedelta(minutes=k), 9) for k in range(1005)]
    with server.client() as c:
        assert c.post("/api/v1/events", json={"batch": answers}).status_code == 202
    server.wait_for_events(1005, type="big-survey", timeout=30)
    found = metric(server, "nps", since=SINCE, until=UNTIL, event="big-survey", explain="1")
    listing = found["explain"]["responses"]
    assert found["responses"] == listing["count"] == 1005
    assert len(listing["event_ids"]) == 1000 and listing["truncated"] is True
    assert listing["event_ids"] == sorted(listing["event_ids"], reverse=True)


def table(server: Server, name: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    with server.client(headers=headers) as c:
        answer = c.get(f"/api/v1/metrics/{name}", params={"since": SINCE, "until": UNTIL, **params})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="echodash-{name}-20261001-20261101.csv"'
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    return list(csv.reader(io.StringIO(answer.text)))


def test_each_metric_downloads_as_a_tidy_csv_table(loaded: Server) -> None:
    dora = table(loaded, "dora", format="csv", repository="acme/ops")
    assert dora[0] == ["metric", "value", "unit", "band", "count"]
    rows = {r[0]: r[1:] for r in dora[1:]}
    assert rows["deployments"] == ["3", "deployments", "", "3"]
    assert rows["lead_time_median"] == ["105.0", "minutes", "elite", "2"]
    assert rows["change_failure_rate"] == ["0.3333", "fraction", "low", "3"]
    assert rows["recovery_time_median"] == ["30.0", "minutes", "elite", "1"]

    revenue = table(loaded, "revenue", {"Accept": "text/csv"})
    assert revenue[0] == ["section", "date", "metric", "value", "currency"]
    assert ["summary", "", "mrr_start", "10000", "usd"] in revenue
    assert ["summary", "", "mrr_end", "9600", "usd"] in revenue
    assert ["movement", "", "churn", "1000", "usd"] in revenue
    series = [r for r in revenue if r[0] == "series"]
    assert len(series) == 31 and series[0] == ["series", "2026-10-01", "mrr", "10000", "usd"]

    product = table(loaded, "product", format="csv", event="Opened app")
    assert product[0] == ["date", "dau", "wau", "mau"] and len(product) == 32
    assert ["2026-10-20", "2", "2", "3"] in product

    retention = table(
        loaded, "retention", format="csv", start_event="Joined", return_event="Came back"
    )
    assert retention[0][:4] == ["cohort", "size", "week_0", "week_1"]
    assert retention[1][:5] == ["2026-10-05", "2", "1", "1", "1"]

    funnel = table(loaded, "funnel", format="csv", steps="Viewed,Carted,Paid")
    assert funnel == [
        ["step", "event", "count", "conversion", "median_seconds_from_previous"],
        ["1", "Viewed", "4", "1.0", ""],
        ["2", "Carted", "2", "0.5", "5400.0"],
        ["3", "Paid", "1", "0.25", "7200.0"],
    ]
    assert table(loaded, "nps", format="csv") == [
        ["nps", "responses", "promoters", "passives", "detractors"],
        ["14.29", "7", "3", "2", "2"],
    ]
    assert table(loaded, "csat", format="csv")[1] == ["69.16", "107", "74"]
    ttv = table(loaded, "time-to-value", format="csv", activation_event="Activated")
    assert ttv == [["users", "activated", "median_seconds"], ["3", "2", "7200.0"]]


def test_csv_cells_never_run_as_spreadsheet_formulas(server: Server) -> None:
    names = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)"]
    batch = [custom(name, "p1", MONDAY + timedelta(minutes=n)) for n, name in enumerate(names)]
    with server.client() as c:
        assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
    for name in names:
        server.wait_for_events(1, type=name)
    rows = table(server, "funnel", format="csv", steps=",".join(names[1:]))
    assert [r[1] for r in rows[1:]] == ["'+1+1", "'-2+3", "'@SUM(A1)"]
    # Numbers stay numbers: the counts are not text to defuse.
    assert [r[2] for r in rows[1:]] == ["1", "1", "1"]
    rows = table(server, "funnel", format="csv", steps=names[0])
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'


def test_json_stays_the_default_and_mistakes_are_refused(loaded: Server) -> None:
    with loaded.client(headers={"Accept": "text/csv;q=0.5, application/json"}) as c:
        answer = c.get("/api/v1/metrics/nps", params={"since": SINCE, "until": UNTIL})
        assert answer.headers["content-type"] == "application/json"
    with loaded.client(headers={"Accept": "text/csv"}) as c:
        # An explicit format wins over the Accept header.
        answer = c.get("/api/v1/metrics/nps", params={"format": "json", "until": UNTIL})
        assert answer.headers["content-type"] == "application/json"
        for params in ({"format": "xml"}, {"explain": "yes"}, {"format": "csv", "explain": "1"}):
            refused = c.get("/api/v1/metrics/dora", params=params)
            assert refused.status_code == 400, params
            assert refused.json()["error"] == "bad_parameter"
