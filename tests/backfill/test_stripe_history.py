"""The Stripe history a backfill reads from a local Stripe API, rebuilt into subscription
events: the revenue they give, month by month, is the revenue of the webhooks Stripe sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from echodash.backfill import stripe_api
from echodash.backfill.base import BackfillError, Item
from echodash.backfill.stripe import StripeHistory
from echodash.backfill.stripe_api import StripeApi
from echodash.backfill.stripe_history import rebuild
from echodash.metrics.revenue import revenue
from echodash.sources.stripe.things import thing_of
from tests.backfill.stripe_scenario import DAY, KEY, months, now, snapshots, stripe_history
from tests.backfill.stripe_server import FakeStripe, StripeApiServer


class NoWait:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def __init__(self) -> None:
        self.slept: list[float] = []


async def read(api_url: str, since: datetime, started: datetime, clock: NoWait) -> list[Item]:
    api = StripeApi(api_url, KEY, clock)
    items: list[Item] = []
    try:
        async for page in StripeHistory(api, since, started).pages({}):
            items += page.items
    finally:
        await api.close()
    return items


def test_rebuilt_revenue_equals_the_webhooks_month_by_month() -> None:
    end = now()
    account = stripe_history(end)
    fake = FakeStripe(account, now=int(end.timestamp()), max_limit=3)
    fake.faults = {"/v1/subscriptions": ["429", "502"], "/v1/invoices": ["502"]}
    clock = NoWait()
    with StripeApiServer(fake, KEY) as server:
        items = asyncio.run(read(server.url, end - 365 * DAY, end, clock))
    assert clock.slept == [2.0, 1.0, 1.0]  # the 429, then each 502, waited out
    rebuilt = snapshots([orjson.loads(i.body) for i in items])
    sent = snapshots(account.events)
    for since, until in months(end):
        expected = revenue(sent, since, until, "usd").to_json()
        got = revenue(rebuilt, since, until, "usd").to_json()
        assert got == expected, (since, got, expected)
    # The worked example of metrics.md, rebuilt from an older-shaped subscription and its
    # invoices: 2 x $49/month + $1,200/year with a forever 10 % coupon is 17,820 cents.
    second_month = months(end)[1]
    assert revenue(rebuilt, *second_month, "usd", series=False).end["cus_coupon"] == 17820
    # Each rebuilt change is one the webhooks reported (the same thing, in Stripe's ids), so
    # a live webhook and its rebuilt twin are one event.
    webhooks = {thing_of(e) for e in account.events}
    rebuilt_things = {thing_of(orjson.loads(i.body)) for i in items if not i.key.startswith("evt_")}
    subscriptions = {t for t in rebuilt_things if t and t.startswith("customer.subscription")}
    assert len(subscriptions) == 19 and subscriptions <= webhooks
    # A coupon named by id on a discount is read: the once coupon, shown as it is.
    assert fake.requests.count("/v1/coupons/HALF1") == 1
    once = [
        orjson.loads(i.body)
        for i in items
        if b'"sub_once"' in i.body and not i.key.startswith("evt_")
    ]
    coupons = {d["source"]["coupon"]["duration"] for e in once
               for d in e["data"]["object"]["discounts"]}  # fmt: skip
    assert coupons == {"once"} and len(once) == 1
    # Real events of the last 30 days keep their ids; nothing older is read as an event.
    read_events = {i.key for i in items if i.key.startswith("evt_")}
    recent = {e["id"] for e in account.events if e["created"] >= end.timestamp() - 30 * 86400}
    assert read_events == recent and len(recent) >= 3
    # Every list was followed to its end, three objects a page.
    assert fake.requests.count("/v1/customers") == 4  # 10 customers
    assert fake.requests.count("/v1/subscriptions") == 4 + 2  # 10, and a 429 and a 502


def test_a_key_that_may_not_read_events_rebuilds_everything_from_the_objects() -> None:
    end = now()
    account = stripe_history(end)
    fake = FakeStripe(account, now=int(end.timestamp()), events_allowed=False)
    with StripeApiServer(fake, KEY) as server:
        items = asyncio.run(read(server.url, end - 365 * DAY, end, NoWait()))
    assert not [i for i in items if i.key.startswith("evt_")]
    rebuilt = snapshots([orjson.loads(i.body) for i in items])
    sent = snapshots(account.events)
    for since, until in months(end):
        expected = revenue(sent, since, until, "usd").to_json()
        got = revenue(rebuilt, since, until, "usd").to_json()
        assert got == expected, (since, got, expected)


def test_a_trial_still_running_is_rebuilt_as_a_trial_only() -> None:
    end = now()
    account = stripe_history(end)
    subscription = account.subscription(account.subs["sub_trialing"])
    invoices = [
        i
        for i in account.invoices
        if (i.get("parent") or {}).get("subscription_details", {}).get("subscription")
        == "sub_trialing"
    ]
    changes = rebuild(subscription, invoices, account.prices, int(end.timestamp()))
    assert [(c.type, c.subscription["status"]) for c in changes] == [
        ("customer.subscription.created", "trialing")
    ]
    assert changes[0].at == subscription["created"]


async def read_until_stopped(
    api_url: str, since: datetime, started: datetime, cursor: dict[str, Any]
) -> tuple[list[Item], dict[str, Any], str | None]:
    """The items read from `cursor` on, the cursor reached, and why it stopped early."""
    api = StripeApi(api_url, KEY, NoWait())
    items: list[Item] = []
    try:
        async for page in StripeHistory(api, since, started).pages(cursor):
            items += page.items
            cursor = page.cursor
    except BackfillError as exc:
        return items, cursor, str(exc)
    finally:
        await api.close()
    return items, cursor, None


def test_a_stripe_that_keeps_failing_stops_the_run_and_the_next_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stripe_api, "SUBSCRIPTIONS_TOGETHER", 3)
    end = now()
    account = stripe_history(end)
    fake = FakeStripe(account, now=int(end.timestamp()), max_limit=3)
    since = end - 365 * DAY
    with StripeApiServer(fake, KEY) as server:
        whole = asyncio.run(read(server.url, since, end, NoWait()))
        # The fourth subscription's invoices answer 502 six times in a row.
        fake.faults = {"/v1/invoices": ["ok"] * 3 + ["502"] * 6}
        first, cursor, error = asyncio.run(read_until_stopped(server.url, since, end, {}))
        assert error is not None and "502, 6 times in a row" in error
        # Stopped at the fourth subscription, after the first three were stored.
        third = sorted(account.subs.values(), key=lambda sub: sub.created)[-3].id
        assert cursor == {"stage": "subscriptions", "after": third, "events": True}
        assert {i.key.split(":")[0] for i in first} == {
            "customer.created",
            "customer.subscription.created",
            "customer.subscription.updated",
        }
        rest, _cursor, again = asyncio.run(read_until_stopped(server.url, since, end, cursor))
    assert again is None
    # Nothing lost, nothing twice.
    assert {i.key for i in first} | {i.key for i in rest} == {i.key for i in whole}
    assert len(first) + len(rest) == len(whole)
