"""The scripted Stripe account the Stripe backfill tests read: one subscription of each kind
a revenue history holds, played from about seven months ago to now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from echodash.metrics.facts import facts_of
from echodash.metrics.revenue import Snapshot
from tests.alerts.events import event
from tests.backfill.stripe_account import Account, price

DAY = timedelta(days=1)
KEY = "rk_test_local-read-only-key-0123456789"
FOREVER_10 = {
    "id": "LOYAL10",
    "object": "coupon",
    "duration": "forever",
    "percent_off": 10.0,
    "amount_off": None,
    "currency": None,
    "valid": True,
}
ONCE_50 = {
    "id": "HALF1",
    "object": "coupon",
    "duration": "once",
    "percent_off": 50.0,
    "amount_off": None,
    "currency": None,
    "valid": True,
}


def now() -> datetime:
    """The tests' now: this hour (events are kept by Stripe for 30 days before it)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def start(moment: datetime) -> datetime:
    """The scenario's first day: the first of the month seven months before `moment`."""
    first = moment.replace(day=1, hour=0)
    for _ in range(7):
        first = (first - DAY).replace(day=1)
    return first


def stripe_history(until: datetime | None = None) -> Account:
    """New, upgraded mid-period, downgraded, trial converted, trial cancelled, cancelled at
    the period's end, a forever coupon (older API shapes), a metered price, a once coupon,
    a yearly price changed twice since its last invoice; and changes in the last 30 days
    (read from the events), among them a trial that ends after now."""
    end = until or now()
    t0 = start(end) + timedelta(hours=9)
    account = Account(
        prices={
            "price_basic": price("price_basic", 4900),
            "price_pro": price("price_pro", 9900),
            "price_annual": price("price_annual", 120000, "year"),
            "price_api": price("price_api", 5, usage="metered"),
        }
    )
    script: list[tuple[int, Callable[[datetime], None]]] = [
        (1, lambda at: account.subscribe("sub_new", "cus_new", at, [("price_basic", 1)])),
        (2, lambda at: account.subscribe("sub_up", "cus_up", at, [("price_basic", 1)])),
        (3, lambda at: account.subscribe("sub_down", "cus_down", at, [("price_pro", 3)])),
        (5, lambda at: account.subscribe("sub_end", "cus_end", at, [("price_basic", 2)])),
        (
            8,
            lambda at: account.subscribe(
                "sub_coupon",
                "cus_coupon",
                at,
                [("price_basic", 2), ("price_annual", 1)],
                coupon=FOREVER_10,
                legacy=True,
            ),
        ),
        (
            10,
            lambda at: account.subscribe(
                "sub_trial", "cus_trial", at, [("price_pro", 1)], trial_days=14
            ),
        ),
        (
            12,
            lambda at: account.subscribe(
                "sub_meter", "cus_meter", at, [("price_basic", 1), ("price_api", None)]
            ),
        ),
        (
            20,
            lambda at: account.subscribe(
                "sub_trialx", "cus_trialx", at, [("price_basic", 1)], trial_days=14
            ),
        ),
        (27, lambda at: account.cancel("sub_trialx", at, at_period_end=False)),
        (
            35,
            lambda at: account.subscribe(
                "sub_once", "cus_once", at, [("price_pro", 2)], coupon=ONCE_50
            ),
        ),
        (42, lambda at: account.change("sub_up", at, [("price_pro", 1)])),
        (78, lambda at: account.change("sub_down", at, [("price_pro", 1)])),
        (
            96,
            lambda at: account.change("sub_coupon", at, [("price_basic", 3), ("price_annual", 1)]),
        ),
        (50, lambda at: account.subscribe("sub_yearly", "cus_yearly", at, [("price_annual", 1)])),
        (105, lambda at: account.cancel("sub_end", at, at_period_end=True)),
        (130, lambda at: account.change("sub_meter", at, [("price_pro", 1), ("price_api", None)])),
        (150, lambda at: account.change("sub_yearly", at, [("price_annual", 3)])),
    ]
    for day, act in script:
        at = t0 + day * DAY + timedelta(hours=day % 5)
        account.advance(at)
        act(at)
    # The last 30 days: read from /v1/events rather than rebuilt.
    recent: list[tuple[int, Callable[[datetime], None]]] = [
        (20, lambda at: account.change("sub_up", at, [("price_pro", 2)])),
        (12, lambda at: account.subscribe("sub_late", "cus_late", at, [("price_basic", 1)])),
        (6, lambda at: account.change("sub_down", at, [("price_basic", 1)])),
        (
            5,
            lambda at: account.subscribe(
                "sub_trialing", "cus_trialing", at, [("price_pro", 1)], trial_days=14
            ),
        ),
        (2, lambda at: account.change("sub_yearly", at, [("price_annual", 4)])),
    ]
    for days_ago, act in recent:
        at = end - days_ago * DAY - timedelta(hours=3)
        account.advance(at)
        act(at)
    account.advance(end)
    return account


def months(until: datetime) -> list[tuple[datetime, datetime]]:
    """Each calendar month of the scenario, up to the one holding `until`."""
    found = []
    first = start(until)
    while first <= until:
        following = (first + 32 * DAY).replace(day=1)
        found.append((first, following))
        first = following
    return found


def snapshots(bodies: list[Any]) -> list[Snapshot]:
    found = []
    for body in bodies:
        at = datetime.fromtimestamp(body["created"], UTC)
        for fact in facts_of(event(body["type"], source="stripe", at=at), body):
            assert isinstance(fact, Snapshot)
            found.append(fact)
    return found
