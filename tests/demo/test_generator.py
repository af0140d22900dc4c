"""The demo company's generator: seeded (the same seed and moment give the same deliveries),
90 days of every sender, shapes each sender's own parser reads, signatures each sender's
verifier accepts, and a story the metrics can tell (one bad week)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from echodash.demo.company import BAD_WEEK_START, Live, simulate
from echodash.demo.model import SOURCES, Company
from echodash.demo.signing import signed
from echodash.sources import source_class
from echodash.sources.kit.signatures import SignatureError

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def company() -> Company:
    return simulate(16, NOW)


def _bytes(company: Company) -> list[str]:
    return [
        json.dumps([s.source, s.at.isoformat(), s.event, s.key, s.body]) for s in company.deliveries
    ] + [json.dumps(e) for e in company.custom]


def test_the_same_seed_gives_the_same_company(company: Company) -> None:
    assert _bytes(simulate(16, NOW)) == _bytes(company)
    other = simulate(17, NOW)
    assert _bytes(other) != _bytes(company)
    # Any moment in the same minute is the same history.
    assert _bytes(simulate(16, NOW + timedelta(seconds=42))) == _bytes(company)


def test_ninety_days_of_every_sender_up_to_now(company: Company) -> None:
    sources = Counter(s.source for s in company.deliveries)
    assert set(sources) == set(SOURCES)
    assert sources["github"] > 1000 and sources["stripe"] > 300
    times = [s.at for s in company.deliveries]
    assert min(times) >= NOW - timedelta(days=90) - timedelta(days=1)
    assert max(times) < NOW
    assert (max(times) - min(times)).days >= 88
    events = Counter(e["event"] for e in company.custom)
    assert {"signup", "activated", "opened app", "nps", "csat"} <= set(events)
    assert events["opened app"] > 3000
    scores = {e["event"]: set() for e in company.custom if "values" in e}
    for e in company.custom:
        if "values" in e:
            scores[e["event"]].add(e["values"]["score"])
    assert scores["nps"] <= set(range(11)) and len(scores["nps"]) > 5
    assert scores["csat"] <= {1, 2, 3, 4, 5}


def test_github_tells_the_story_of_a_fast_team_with_one_bad_week(company: Company) -> None:
    github = [s for s in company.deliveries if s.source == "github"]
    kinds = Counter(s.event for s in github)
    assert {
        "push",
        "pull_request",
        "pull_request_review",
        "workflow_run",
        "deployment_status",
        "issues",
    } <= set(kinds)
    production = [
        s
        for s in github
        if s.event == "deployment_status"
        and s.body["deployment_status"]["environment"] == "production"
    ]
    states = Counter(s.body["deployment_status"]["state"] for s in production)
    assert states["success"] > 200 and states["failure"] >= 1
    opened = [s.at for s in github if s.event == "issues" and s.body["action"] == "opened"]
    start = (NOW - timedelta(days=90)).replace(hour=0, minute=0, second=0, microsecond=0)
    bad = (start + timedelta(days=BAD_WEEK_START), start + timedelta(days=BAD_WEEK_START + 9))
    in_bad_week = [t for t in opened if bad[0] <= t < bad[1]]
    assert len(in_bad_week) == 3 and len(opened) >= 6
    assert all(
        label["name"] == "incident"
        for s in github
        if s.event == "issues"
        for label in s.body["issue"]["labels"]
    )
    sentry = [s.at for s in company.deliveries if s.source == "sentry"]
    assert sum(bad[0] <= t < bad[1] for t in sentry) > len(sentry) / 4
    alerts = [s.body["alert_event"] for s in company.deliveries if s.source == "cloudflare"]
    assert alerts == ["ALERT_STATE_EVENT_START", "ALERT_STATE_EVENT_END"]


def test_stripe_customers_move_every_way(company: Company) -> None:
    types = Counter(s.body["type"] for s in company.deliveries if s.source == "stripe")
    for kind in (
        "customer.created",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    ):
        assert types[kind] > 0, kind
    statuses = {
        s.body["data"]["object"]["status"]
        for s in company.deliveries
        if s.source == "stripe" and s.body["type"].startswith("customer.subscription")
    }
    assert {"active", "past_due", "canceled"} <= statuses


def test_each_sender_accepts_the_signature_and_reads_the_event(company: Company) -> None:
    """Each delivery, signed as sent, passes its sender's own verifier and parses into an
    event dated at the sender's time."""
    secret = "demo-secret-0123456789abcdef"
    seen: set[str] = set()
    for sending in company.deliveries:
        if sending.source in seen and sending.source != "github":
            continue
        seen.add(sending.source)
        body, headers = signed(sending, secret)
        source = source_class(sending.source)({})
        assert source.verify(headers, body, ["wrong-secret-0123456789", secret]) == 1
        source.check_fresh(headers, body)
        if sending.source != "cloudflare":  # Cloudflare sends its secret, it signs nothing
            with pytest.raises(SignatureError):
                source.verify(headers, body + b" ", [secret])
        drafts = source.parse(headers, body)
        assert len(drafts) == 1 and drafts[0].title
        assert drafts[0].occurred_at is not None
        expected = sending.at
        if sending.event == "push":  # a push is dated by its head commit
            expected = datetime.fromisoformat(sending.body["head_commit"]["timestamp"])
        assert abs(drafts[0].occurred_at - expected) < timedelta(minutes=1), sending
    assert seen == set(SOURCES)


def test_the_live_company_has_an_incident_now_and_then() -> None:
    live = Live(16, NOW, incident_every=5)
    first = live.incident(NOW)
    deploys = [
        s
        for s in first.deliveries
        if s.event == "deployment_status"
        and s.body["deployment_status"]["environment"] == "production"
    ]
    errors = [s for s in first.deliveries if s.source == "sentry"]
    assert len(deploys) == 1 and errors
    assert all(deploys[0].at < e.at <= NOW for e in errors)
    sent: list[Company] = [live.step(NOW + timedelta(seconds=20 * k)) for k in range(1, 40)]
    assert all(
        s.at <= NOW + timedelta(seconds=20 * k) for k, c in enumerate(sent, 1) for s in c.deliveries
    )
    assert sum(len(c.custom) for c in sent) >= 39
    incidents = sum(1 for c in sent for s in c.deliveries if s.source == "sentry")
    assert incidents >= 5
    # Its ids never repeat the history's, nor another start's.
    again = Live(16, NOW + timedelta(minutes=1)).incident(NOW + timedelta(minutes=1))
    keys = {s.key for s in first.deliveries}
    assert keys and not {s.key for s in again.deliveries} & keys
