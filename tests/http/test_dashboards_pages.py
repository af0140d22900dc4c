"""The Delivery, Revenue and Product dashboards through a real server: numbers from real
signed GitHub and Stripe deliveries and custom events, the range picker changing them, each
number's definition and count on hover, its drill-down listing the events it came from,
empty states naming what to connect, sign-in required and another workspace seeing nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from echodash.events import iso
from tests.dashboard_seed import now, send_delivery, send_product, send_revenue
from tests.people import Person, first_admin
from tests.support import Server


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[Person]:
    at = now()
    send_delivery(server, at)
    send_revenue(server, at)
    send_product(server, at)
    person = first_admin(server)
    yield person
    person.close()


def figure(page: str, metric: str) -> dict[str, str]:
    """One number of a dashboard: its value, band, hover text and drill-down link."""
    found = re.search(
        rf'<article class="metric[^"]*" data-metric="{re.escape(metric)}" title="([^"]*)">'
        r"(.*?)</article>",
        page,
        re.S,
    )
    assert found, f"no {metric} on the page"
    body = found.group(2)
    value = re.search(r'class="metric-value"[^>]*>([^<]*)<', body)
    band = re.search(r'class="band band-(\w+)"', body)
    href = re.search(r'<a class="metric-value" href="([^"]+)"', body)
    assert value
    return {
        "value": html.unescape(value.group(1)).strip(),
        "band": band.group(1) if band else "",
        "hint": html.unescape(found.group(1)),
        "href": html.unescape(href.group(1)) if href else "",
    }


def get(person: Person, path: str, **params: str) -> str:
    answer = person.client.get(path, params=params)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_delivery_numbers_follow_the_range(ada: Person) -> None:
    week = get(ada, "/dashboards/delivery", range="7d")
    month = get(ada, "/dashboards/delivery", range="30d")
    assert figure(week, "dora.deployment_frequency")["value"] == "2"
    assert figure(month, "dora.deployment_frequency")["value"] == "3"
    # One of the week's two deployments caused the incident: 50 %, low; a month: 1 of 3.
    assert figure(week, "dora.change_failure_rate")["value"] == "50.0 %"
    assert figure(week, "dora.change_failure_rate")["band"] == "low"
    assert figure(month, "dora.change_failure_rate")["value"] == "33.3 %"
    # Resolved an hour after it opened: high (elite is under an hour).
    recovery = figure(month, "dora.recovery_time")
    assert (recovery["value"], recovery["band"]) == ("60 min", "high")
    # Lead times of 2 h, 3 h and 90 min in the month: the median is 2 hours, elite.
    lead = figure(month, "dora.lead_time")
    assert (lead["value"], lead["band"]) == ("2.0 h", "elite")
    # Each number explains itself on hover: the definition and the count behind it.
    hint = figure(month, "dora.deployment_frequency")["hint"]
    assert hint.startswith("Successful production deployments in the range")
    assert "Computed from 3 production deployments." in hint
    # The weekly charts are server-drawn SVG with native tooltips, without scripts.
    assert "Deployments per week" in month and "<svg" in month
    assert re.search(r"<title>Week of \w+ \d+: 2 deployments</title>", week)
    assert "pygal" not in re.sub(r'class="pygal-chart"', "", month).lower()
    assert "<script" not in month.split("<main", 1)[1].split("</main>", 1)[0]
    # Custom dates: the two days of the last two deployments only.
    custom_range = get(ada, "/dashboards/delivery", since="2000-01-01", until="2000-02-01")
    assert figure(custom_range, "dora.deployment_frequency")["value"] == "0"


def test_drill_down_lists_the_deployments_behind_the_number(ada: Person) -> None:
    page = get(ada, "/dashboards/delivery", range="7d")
    href = figure(page, "dora.deployment_frequency")["href"]
    assert href.startswith("/dashboards/events?")
    assert "metric=dora.deployment_frequency" in href and "range=7d" in href
    drill = ada.client.get(href)
    assert drill.status_code == 200
    rows = re.findall(r'<a class="row-link" href="/events/(\d+)">', drill.text)
    assert len(rows) == 2
    assert "2</strong> events" in drill.text
    # Each row opens its event: a production deployment of the repository.
    event = ada.client.get(f"/events/{rows[0]}")
    assert event.status_code == 200 and "acme/shop" in event.text and "production" in event.text
    month = ada.client.get(href.replace("range=7d", "range=30d"))
    assert len(re.findall(r'class="row-link"', month.text)) == 3
    # Incidents behind the recovery time.
    recovery = ada.client.get(figure(page, "dora.recovery_time")["href"])
    assert len(re.findall(r'class="row-link"', recovery.text)) == 2  # opened and closed
    # The failed deployment and the incident it caused (opened and closed).
    failed = ada.client.get(figure(page, "dora.change_failure_rate")["href"])
    assert len(re.findall(r'class="row-link"', failed.text)) == 3
    assert "Deployment of main to production" in failed.text
    # No deployment was made during the incident.
    rework = ada.client.get(figure(page, "dora.rework_rate")["href"])
    assert "No events behind this number in this range." in rework.text


def test_revenue_numbers_currencies_and_waterfall(ada: Person) -> None:
    month = get(ada, "/dashboards/revenue", range="30d")
    mrr = figure(month, "revenue.mrr")
    assert mrr["value"] == "$25.00"
    assert "Computed from 2 paying customers." in mrr["hint"]
    assert figure(month, "revenue.new")["value"] == "$5.00"
    assert figure(month, "revenue.churn")["value"] == "$10.00"
    assert figure(month, "revenue.customer_churn")["value"] == "50.0 %"
    assert figure(month, "revenue.arpa")["value"] == "$12.50"
    assert "$30.00 at the start" in month
    # The waterfall: start, then each calendar month's five movements and its end; each bar
    # says its amount on hover. The range's 30 days touch two or three calendar months; the
    # last one ends at the range's MRR.
    assert re.search(r"<title>MRR at the start \([A-Z][a-z]{2} \d{1,2}\): \$30\.00</title>", month)
    assert re.search(r"<title>[A-Z][a-z]+ \d{4} · New: \$5\.00</title>", month)
    assert re.search(r"<title>[A-Z][a-z]+ \d{4} · Churn: \u2212\$10\.00</title>", month)
    ends = re.findall(r"<title>MRR at the end of ([A-Z][a-z]+ \d{4}): (\S+) ", month)
    assert len(ends) in (2, 3) and ends[-1][1] == "$25.00"
    assert len(re.findall(r"<title>[A-Z][a-z]+ \d{4} · ", month)) == 5 * len(ends)
    # The table of months: one row per month, the last one ending at $25.00.
    table = month.split('id="revenue-months"')[1].split("</table>")[0]
    assert [name for name, _end in ends] == re.findall(
        r'<th scope="row">([A-Z][a-z]+ \d{4})', table
    )
    # 90 days reach back before the first customers: what is left of them is new (cus_a
    # came and went within the range).
    quarter = get(ada, "/dashboards/revenue", range="90d")
    assert figure(quarter, "revenue.new")["value"] == "$25.00"
    assert figure(quarter, "revenue.churn")["value"] == "$0.00"
    # Two currencies: a picker, and euros on their own.
    assert 'aria-label="Currency"' in month
    euro = get(ada, "/dashboards/revenue", range="30d", currency="eur")
    assert figure(euro, "revenue.mrr")["value"] == "€20.00"
    unknown = get(ada, "/dashboards/revenue", range="30d", currency="chf")
    assert "No subscriptions in CHF" in unknown
    assert figure(unknown, "revenue.mrr")["value"] == "$25.00"
    # MRR's drill-down: the subscriptions paying at the end (cus_b and cus_c).
    drill = ada.client.get(mrr["href"])
    assert len(re.findall(r'class="row-link"', drill.text)) == 2


def test_product_numbers_funnel_and_retention(ada: Person) -> None:
    page = get(
        ada,
        "/dashboards/product",
        range="30d",
        steps="signup, activated",
        activation_event="activated",
    )
    assert figure(page, "nps")["value"] == "14.29"
    assert "Computed from 7 answers." in figure(page, "nps")["hint"]
    assert figure(page, "csat")["value"] == "75 %"
    # The seven answers behind the NPS, one click away.
    answers = ada.client.get(figure(page, "nps")["href"])
    assert len(re.findall(r'class="row-link"', answers.text)) == 7
    # Time to value: u1 after 2 h, u3 after 3 h: 2.5 h median, 2 of 4 signups.
    ttv = figure(page, "product.time_to_value")
    assert ttv["value"] == "2.5 h"
    assert "from 2 of 4 people who signed up" in ttv["hint"]
    # The funnel built from the typed steps: 4 signed up, 2 activated (50 %).
    steps = re.findall(
        r'<span class="funnel-name">\d+\. ([^<]+)</span>.*?'
        r'<span class="funnel-count num">(\d+)</span>\s*'
        r'<span class="funnel-conv num">([\d.]+) %</span>',
        page,
        re.S,
    )
    assert steps == [("signup", "4", "100.0"), ("activated", "2", "50.0")]
    assert "median 2.5 h after step 1" in page  # 2 h and 3 h
    # Retention cohorts as a coloured table.
    assert 'class="heatmap"' in page and re.search(r'class="heat heat-\d+"', page)
    # Active people: DAU, WAU and MAU lines; a week holds fewer signups than a month.
    assert "Active people per day" in page
    week = get(ada, "/dashboards/product", range="7d", steps="signup, activated")
    week_steps = re.findall(r'<span class="funnel-count num">(\d+)</span>', week)
    assert week_steps == ["2", "1"]


def test_product_active_people_equal_the_api(ada: Person, server: Server) -> None:
    until = now() + timedelta(minutes=1)
    window = {"since": iso(until - timedelta(days=30)), "until": iso(until)}
    page = get(ada, "/dashboards/product", **window)
    with server.client() as c:
        api = c.get("/api/v1/metrics/product", params=window).json()
    daily = [point["value"] for point in api["dau"]]
    assert figure(page, "product.dau")["value"] == f"{sum(daily) / len(daily):,.1f}"
    assert figure(page, "product.wau")["value"] == f"{api['wau'][-1]['value']:,}"
    assert figure(page, "product.mau")["value"] == f"{api['mau'][-1]['value']:,}"
    assert api["mau"][-1]["value"] == 15
    # Behind them: the 4 people who signed up or opened the app and 11 who answered surveys;
    # of one event's, only those who sent it.
    assert "from 15 people active in the range" in figure(page, "product.mau")["hint"]
    opened = get(ada, "/dashboards/product", range="7d", event="opened app")
    assert "from 3 people active in the range" in figure(opened, "product.mau")["hint"]
    # The most frequent usage event is the default return event of the retention table.
    assert 'value="opened app"' in page


def test_dashboards_count_with_the_workspace_settings(ada: Person, server: Server) -> None:
    """Settings → Metrics apply to the dashboards as to the API: with staging counted as
    production, the month holds four deployments (three to production, one to staging)."""
    with server.client() as c:
        before = c.get("/api/v1/metrics/settings").json()
        changed = c.patch(
            "/api/v1/metrics/settings", json={"production_environment": "(?i)prod|staging"}
        )
        assert changed.status_code == 200, changed.text
        try:
            month = get(ada, "/dashboards/delivery", range="30d")
            assert figure(month, "dora.deployment_frequency")["value"] == "4"
            drill = ada.client.get(figure(month, "dora.deployment_frequency")["href"])
            assert len(re.findall(r'class="row-link"', drill.text)) == 4
        finally:
            restored = c.patch(
                "/api/v1/metrics/settings",
                json={"production_environment": before["production_environment"]},
            )
            assert restored.status_code == 200
    month = get(ada, "/dashboards/delivery", range="30d")
    assert figure(month, "dora.deployment_frequency")["value"] == "3"


def test_bad_ranges_are_named_and_the_default_shown(ada: Person) -> None:
    page = get(ada, "/dashboards/delivery", since="2026-13-45", until="2026-01-01")
    assert "Dates look like 2026-10-01" in page
    assert figure(page, "dora.deployment_frequency")["value"] == "3"  # the last 30 days
    backwards = get(ada, "/dashboards/delivery", since="2026-02-01", until="2026-01-01")
    assert "The range&#39;s start must be before its end." in backwards
    odd = get(ada, "/dashboards/delivery", range="12y")
    assert "Choose a range of 7d, 30d, 90d, 365d or dates." in odd
    unknown = ada.client.get("/dashboards/events", params={"metric": "dora.vibes"})
    assert unknown.status_code == 400
    assert "Unknown number" in unknown.text


def test_dashboards_need_sign_in(server: Server) -> None:
    for path in ("/dashboards/delivery", "/dashboards/revenue", "/dashboards/product",
                 "/dashboards/events?metric=revenue.mrr"):  # fmt: skip
        answer = httpx.get(server.url + path, headers={"accept": "text/html"})
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")


def test_another_workspace_sees_nothing(ada: Person, server: Server) -> None:
    # A deployment's id from Ada's Default workspace, to try from the other one.
    default = get(ada, "/dashboards/delivery", range="30d")
    href = figure(default, "dora.deployment_frequency")["href"]
    made = ada.post("/workspaces", name="Side project")
    assert made.status_code == 303
    ada.refresh()
    try:
        delivery = get(ada, "/dashboards/delivery", range="365d")
        assert "No deployments yet." in delivery
        assert 'href="/sources/new?kind=github"' in delivery
        assert 'data-metric="dora' not in delivery
        revenue = get(ada, "/dashboards/revenue", range="365d")
        assert "No revenue yet." in revenue and 'href="/sources/new?kind=stripe"' in revenue
        product = get(ada, "/dashboards/product", range="365d")
        assert "No product events in this range." in product
        drill = ada.client.get(href)
        assert drill.status_code == 200
        assert 'class="row-link"' not in drill.text
        assert "No events behind this number in this range." in drill.text
    finally:
        default_id = re.search(
            r'name="workspace" value="(\d+)">Default', ada.client.get("/settings").text
        )
        assert default_id
        ada.post("/workspaces/switch", workspace=default_id.group(1))
        ada.refresh()
