"""The events behind each number (metrics/explain.py): as many as the numbers say, newest
first, filtered as the numbers are; `events_behind` by a metric's dotted name."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from echodash.metrics import explain, report
from echodash.metrics.dora import Commit, Deployment, Incident, Push
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Item, Snapshot
from echodash.metrics.settings import MetricSettings

T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
SINCE, UNTIL = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
WEB, API = "github:acme/web", "github:acme/api"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


class Facts:
    """A FactReader over lists (what the stores answer, by time)."""

    def __init__(self) -> None:
        self.deployments = [
            Deployment("d1", WEB, "production", at(2), sha="a1", ref="main", event_id=11),
            Deployment("d2", WEB, "production", at(50), sha="b2", ref="main", event_id=12),
            Deployment("d3", API, "production", at(60), sha="c3", ref="main", event_id=13),
            Deployment("d4", WEB, "staging", at(61), sha="b2", ref="main", event_id=14),
        ]
        self.pushes = [
            Push(WEB, "main", "a1", at(1), (Commit("a1", at(0)),), event_id=21),
            Push(WEB, "main", "b2", at(49), (Commit("b2", at(48)),), event_id=22),
            Push(API, "main", "c3", at(59), (Commit("c3", at(58)),), event_id=23),
        ]
        # An incident blamed on d2 (opened and closed by two events), resolved in the window.
        self.incidents = [Incident("i1", WEB, at(51), at(52), event_ids=(31, 32))]
        self.snapshots = [
            Snapshot("s1", "c1", "usd", "active", at(-200), (Item(1000, 1, "month"),), None, 41),
            Snapshot("s2", "c2", "usd", "active", at(-200), (Item(500, 1, "month"),), None, 42),
            Snapshot("s2", "c2", "usd", "canceled", at(10), (Item(500, 1, "month"),), None, 43),
            Snapshot("s3", "c3", "usd", "active", at(20), (Item(700, 1, "month"),), None, 44),
        ]
        self.activity = [
            Activity("p1", "open", at(1), 51),
            Activity("p2", "open", at(2), 52),
            Activity("p1", "nps", at(3), 53, score=10),
            Activity("p2", "nps", at(4), 54, score=3),
            Activity("p3", "nps", at(5), 55, score=42),  # not an answer
            Activity("p1", "csat", at(6), 56, score=5),
        ]

    async def metric_deployments(self, workspace_id: int, until: datetime) -> list[Deployment]:
        return [d for d in self.deployments if d.at < until]

    async def metric_pushes(
        self, workspace_id: int, since: datetime, until: datetime
    ) -> list[Push]:
        return [p for p in self.pushes if since <= p.at < until]

    async def metric_incidents(self, workspace_id: int, until: datetime) -> list[Incident]:
        return [i for i in self.incidents if i.start < until]

    async def metric_snapshots(self, workspace_id: int, until: datetime) -> list[Snapshot]:
        return [s for s in self.snapshots if s.created < until]

    async def metric_activity(
        self,
        workspace_id: int,
        since: datetime | None,
        until: datetime,
        names: Sequence[str] | None = None,
    ) -> list[Activity]:
        return [
            a
            for a in self.activity
            if a.at < until
            and (since is None or a.at >= since)
            and (names is None or a.name in names)
        ]


def behind(metric: str, **params: str) -> list[int]:
    return asyncio.run(
        explain.events_behind(
            Facts(), 1, metric, SINCE, UNTIL, settings=MetricSettings(), params=params
        )
    )


def test_each_dora_number_names_its_events_newest_first() -> None:
    assert behind("dora.deployment_frequency") == [13, 12, 11]  # not the staging deployment
    assert behind("dora.deployment_frequency", repository="acme/web") == [12, 11]
    assert behind("dora.deployment_frequency", environment="staging") == []
    assert behind("dora.lead_time") == [23, 22, 21]
    assert behind("dora.change_failure_rate") == [32, 31, 12]
    assert behind("dora.recovery_time") == [32, 31]
    assert behind("dora.rework_rate") == []
    assert behind("dora.change_failure_rate", repository="acme/api") == []


def test_the_numbers_and_their_events_agree() -> None:
    result = asyncio.run(report.dora_result(Facts(), 1, SINCE, UNTIL))
    numbers = result.to_json()
    ids = explain.dora_ids(result)
    assert len(ids["deployment_frequency"]) == numbers["deployment_frequency"]["count"]
    assert len(ids["lead_time"]) == len(result.changes)


def test_revenue_numbers_name_the_snapshots_behind_them() -> None:
    assert behind("revenue.mrr_start") == [42, 41]
    assert behind("revenue.mrr") == [44, 41]  # c2 churned, c3 is new
    assert behind("revenue.new") == [44]
    assert behind("revenue.churn") == [43]
    assert behind("revenue.expansion") == behind("revenue.reactivation") == []
    assert behind("revenue.mrr", currency="eur") == []


def test_activity_and_surveys_name_the_events_counted() -> None:
    assert behind("product.dau") == [56, 55, 54, 53, 52, 51]
    assert behind("product.dau", event="open") == [52, 51]
    assert behind("product.mau", event="open") == [52, 51]
    assert behind("nps") == [54, 53]  # 42 is no 0-10 score
    assert behind("csat") == [56]
    assert behind("nps", event="csat") == [56]


@pytest.mark.parametrize("name", ["dora", "dora.nope", "revenue.arpa", "retention", "product"])
def test_an_unknown_metric_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        behind(name)


def test_every_named_metric_answers() -> None:
    for name in explain.METRICS:
        assert isinstance(behind(name), list), name


def test_long_lists_are_cut_and_say_so() -> None:
    ids = list(range(2000, 0, -1))
    assert explain.listing(ids) == {"event_ids": ids[:1000], "count": 2000, "truncated": True}
    assert explain.listing([3, 2]) == {"event_ids": [3, 2], "count": 2, "truncated": False}
    assert explain.newest_first([1, None, 3, 3, 2]) == [3, 2, 1]


def test_funnels_and_cohorts_name_one_event_per_person_and_step() -> None:
    activity = [
        Activity("a", "view", at(0), 1),
        Activity("a", "view", at(1), 2),
        Activity("a", "buy", at(2), 3),
        Activity("b", "view", at(3), 4),
    ]
    assert explain.funnel_ids(activity, ["view", "buy"], SINCE, UNTIL, 14) == [[4, 1], [3]]
    cohorts: list[dict[str, Any]] = explain.retention_ids(
        activity, "view", "buy", "week", SINCE, UNTIL, UTC
    )
    assert cohorts == [{"start": "2026-10-05", "size": [4, 1], "retained": [3]}]
    assert explain.time_to_value_ids(activity, "view", "buy", SINCE, UNTIL) == {
        "users": [4, 1],
        "activated": [3],
    }


class MoreFacts(Facts):
    """Facts with trials, a person active before the window, signups and activations."""

    def __init__(self) -> None:
        super().__init__()
        month = (Item(2000, 1, "month"),)
        self.snapshots += [
            Snapshot("s4", "c4", "usd", "trialing", at(-100), month, None, 45),
            Snapshot("s4", "c4", "usd", "active", at(30), month, None, 46),  # converts
            Snapshot("s5", "c5", "usd", "trialing", at(-50), month, None, 47),
            Snapshot("s5", "c5", "usd", "canceled", at(40), month, None, 48),  # does not
        ]
        self.activity += [
            Activity("p9", "open", datetime(2026, 9, 25, tzinfo=UTC), 50),  # before the window
            Activity("p1", "signup", at(-400), 60),  # signed up before the window
            Activity("p5", "signup", at(1), 61),
            Activity("p5", "activated", at(3), 62),
            Activity("p1", "activated", at(4), 65),
            Activity("p5", "activated", at(5), 63),  # not the first
            Activity("p6", "signup", at(2), 64),  # never activates
        ]


def more(metric: str, **params: str) -> list[int]:
    return asyncio.run(
        explain.events_behind(
            MoreFacts(), 1, metric, SINCE, UNTIL, settings=MetricSettings(), params=params
        )
    )


def test_ltv_and_trial_conversion_name_their_snapshots() -> None:
    facts = MoreFacts()
    found, _snapshots = asyncio.run(report.revenue_result(facts, 1, SINCE, UNTIL))
    numbers = found.to_json()
    assert numbers["trial_conversion"] == 0.5
    # The two trials that ended: one became active, one was canceled.
    assert more("revenue.trial_conversion") == [48, 46]
    # ARPA's subscriptions at the end, and (c2 churned) those at the start and the churn.
    assert more("revenue.mrr") == [46, 44, 41]
    assert more("revenue.ltv") == [46, 44, 43, 42, 41]
    # Nobody churned in a window after c2 left: LTV is ARPA x 60, from MRR's events alone.
    later = asyncio.run(
        explain.events_behind(
            facts, 1, "revenue.ltv", at(35), UNTIL, settings=MetricSettings(), params={}
        )
    )
    assert later == [46, 44, 41]


def test_stickiness_and_time_to_value_name_their_activity() -> None:
    # MAU reaches 29 days before the window's first day; stickiness only the window's days
    # and the 30 days ending on its last.
    assert more("product.mau", event="open") == [52, 51, 50]
    assert more("product.stickiness", event="open") == [52, 51]
    assert more("product.stickiness") == [65, 64, 63, 62, 61, 56, 55, 54, 53, 52, 51]
    # The window's first signups (p5, p6) and p5's first activation; p1 signed up before.
    assert more("product.time_to_value", activation_event="activated") == [64, 62, 61]
    assert more("product.time_to_value") == []  # no activation event chosen
