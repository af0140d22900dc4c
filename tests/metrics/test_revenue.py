"""Revenue metrics: the worked examples, scripted timelines over 24 months whose movements add
up to the cent, and the edges (trials, metered prices, coupons, currencies, re-created
subscriptions, out-of-order snapshots)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from echodash.metrics.revenue import Discount, Item, Snapshot, revenue, subscription_mrr

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def monthly(amount: int, quantity: int = 1) -> Item:
    return Item(amount, quantity, "month")


def snap(
    sub: str, customer: str, at: datetime, *items: Item, status: str = "active", **kw: object
) -> Snapshot:
    return Snapshot(
        sub, customer, str(kw.get("currency", "usd")), status, at, tuple(items), kw.get("discount")
    )  # type: ignore[arg-type]


def test_two_monthly_seats_and_a_yearly_plan_with_a_forever_coupon() -> None:
    subscription = snap(
        "sub_1",
        "cus_1",
        T0,
        monthly(4900, 2),
        Item(120000, 1, "year"),
        discount=Discount("forever", percent_off=10),
    )
    assert subscription_mrr(subscription) == 17820


def test_the_worked_movements_example() -> None:
    start, end = T0 + timedelta(days=31), T0 + timedelta(days=59)
    snapshots = [
        snap("s_a", "a", T0, monthly(5000)),
        snap("s_b", "b", T0, monthly(2000)),
        snap("s_c", "c", T0, monthly(2000)),
        snap("s_d", "d", T0, monthly(1000)),
        snap("s_new", "new", start + timedelta(days=3), monthly(500)),
        snap("s_b", "b", start + timedelta(days=4), monthly(2300)),  # expansion +300
        snap("s_c", "c", start + timedelta(days=5), monthly(1800)),  # contraction -200
        snap("s_d", "d", start + timedelta(days=6), monthly(1000), status="canceled"),  # churn
    ]
    result = revenue(snapshots, start, end).to_json()
    assert result["mrr"] == {"start": 10000, "end": 9600}
    assert result["movements"] == {
        "new": 500,
        "reactivation": 0,
        "expansion": 300,
        "contraction": 200,
        "churn": 1000,
    }
    assert result["gross_mrr_churn"] == 0.12
    assert result["net_mrr_churn"] == 0.09
    assert result["customers"] == {"start": 4, "end": 4, "churned": 1}
    assert result["customer_churn_rate"] == 0.25
    assert result["arpa"] == 2400.0


def test_states_that_count_nothing() -> None:
    for status in ("trialing", "incomplete", "incomplete_expired", "unpaid", "paused", "canceled"):
        assert subscription_mrr(snap("s", "c", T0, monthly(4900), status=status)) == 0
    assert subscription_mrr(snap("s", "c", T0, monthly(4900), status="past_due")) == 4900
    assert subscription_mrr(snap("s", "c", T0, Item(25, 1, "month", metered=True))) == 0
    assert subscription_mrr(snap("s", "c", T0, monthly(0))) == 0  # a free plan
    repeating = snap("s", "c", T0, monthly(4900), discount=Discount("repeating", percent_off=50))
    assert subscription_mrr(repeating) == 4900  # only forever coupons change MRR
    amount = snap(
        "s", "c", T0, Item(120000, 1, "year"), discount=Discount("forever", amount_off=12000)
    )
    assert subscription_mrr(amount) == 9000  # 1,000 a year off: 100 a month
    assert subscription_mrr(snap("s", "c", T0, Item(1000, 1, "week"))) == Fraction(52000, 12)
    assert subscription_mrr(snap("s", "c", T0, Item(300, 1, "month", interval_count=3))) == 100


def test_currencies_are_kept_apart() -> None:
    snapshots = [
        snap("s1", "a", T0, monthly(1000), currency="usd"),
        snap("s2", "b", T0, monthly(5000), currency="eur"),
        snap("s3", "c", T0, monthly(3000), currency="eur"),
    ]
    window = (T0 + timedelta(days=1), T0 + timedelta(days=2))
    assert revenue(snapshots, *window).currency == "eur"
    assert revenue(snapshots, *window).to_json()["mrr"]["end"] == 8000
    assert revenue(snapshots, *window, currency="usd").to_json()["mrr"]["end"] == 1000


def test_a_subscription_deleted_and_created_again_is_a_reactivation() -> None:
    snapshots = [
        snap("s1", "a", T0, monthly(1000)),
        snap("s1", "a", T0 + timedelta(days=10), monthly(1000), status="canceled"),
        snap("s2", "a", T0 + timedelta(days=40), monthly(1500)),
    ]
    result = revenue(snapshots, T0 + timedelta(days=20), T0 + timedelta(days=50)).to_json()
    assert result["movements"]["reactivation"] == 1500
    assert result["movements"]["new"] == 0


def test_trial_conversion_counts_trials_that_ended_in_the_window() -> None:
    snapshots = [
        snap("s1", "a", T0, monthly(1000), status="trialing"),
        snap("s1", "a", T0 + timedelta(days=14), monthly(1000)),
        snap("s2", "b", T0, monthly(1000), status="trialing"),
        snap("s2", "b", T0 + timedelta(days=14), monthly(1000), status="canceled"),
        snap("s3", "c", T0, monthly(1000), status="trialing"),  # still trialing
    ]
    result = revenue(snapshots, T0, T0 + timedelta(days=30)).to_json()
    assert result["trial_conversion"] == 0.5


def scripted_timelines(seed: int, customers: int = 60, months: int = 24) -> list[Snapshot]:
    """Customers who start, upgrade, downgrade, cancel and come back, month after month."""
    rng = random.Random(seed)
    snapshots: list[Snapshot] = []
    prices = [
        Item(4900, 1, "month"),
        Item(9900, 1, "month"),
        Item(99000, 1, "year"),
        Item(1900, 3, "month"),
    ]
    for c in range(customers):
        sub = 0
        alive = False
        for month in range(months):
            moment = T0 + timedelta(days=30.4 * month + rng.uniform(0, 25))
            roll = rng.random()
            if not alive and roll < 0.3:
                sub += 1
                alive = True
                trial = rng.random() < 0.3
                status = "trialing" if trial else "active"
                item = rng.choice(prices)
                snapshots.append(snap(f"s{c}_{sub}", f"c{c}", moment, item, status=status))
                if trial:
                    snapshots.append(
                        snap(f"s{c}_{sub}", f"c{c}", moment + timedelta(days=14), item)
                    )
            elif alive and roll < 0.15:
                alive = False
                snapshots.append(snap(f"s{c}_{sub}", f"c{c}", moment, prices[0], status="canceled"))
            elif alive and roll < 0.45:
                coupon = (
                    Discount("forever", percent_off=rng.choice([10, 15, 33.3]))
                    if rng.random() < 0.3
                    else None
                )
                snapshots.append(
                    snap(
                        f"s{c}_{sub}",
                        f"c{c}",
                        moment,
                        rng.choice(prices),
                        Item(700, rng.randint(1, 9), "week"),
                        discount=coupon,
                    )
                )
    return snapshots


def test_movements_add_up_to_the_cent_month_after_month_for_two_years() -> None:
    snapshots = scripted_timelines(seed=5)
    seen = dict.fromkeys(("new", "reactivation", "expansion", "contraction", "churn"), 0)
    for month in range(24):
        since = T0 + timedelta(days=30.4 * month)
        until = since + timedelta(days=30.4)
        result = revenue(snapshots, since, until, "usd", series=False).to_json()
        moved = result["movements"]
        assert (
            result["mrr"]["start"]
            + moved["new"]
            + moved["reactivation"]
            + moved["expansion"]
            - moved["contraction"]
            - moved["churn"]
            == result["mrr"]["end"]
        ), f"month {month}"
        for name in seen:
            seen[name] += moved[name]
    # The timelines exercise every kind of movement.
    assert all(seen.values()), seen


def test_shuffled_and_duplicated_snapshots_give_the_same_numbers() -> None:
    snapshots = scripted_timelines(seed=9)
    shuffled = snapshots + snapshots[::3]
    random.Random(1).shuffle(shuffled)
    window = (T0 + timedelta(days=200), T0 + timedelta(days=400))
    assert (
        revenue(shuffled, *window, "usd").to_json() == revenue(snapshots, *window, "usd").to_json()
    )


def test_the_series_has_one_point_a_day_ending_at_the_window_end_mrr() -> None:
    snapshots = [snap("s1", "a", T0 + timedelta(days=2, hours=5), monthly(1000))]
    result = revenue(snapshots, T0, T0 + timedelta(days=4)).to_json()
    assert [p["mrr"] for p in result["series"]] == [0, 0, 1000, 1000]
    assert result["series"][0]["date"] == "2025-01-01"
    assert result["series"][-1]["mrr"] == result["mrr"]["end"]


def test_the_series_counts_the_days_of_the_workspaces_time_zone() -> None:
    # New York is UTC-5 in January: a subscription created at 03:00 UTC on the 3rd is there
    # from the 2nd (22:00 local), and each point is MRR at the end of a New York day.
    new_york = ZoneInfo("America/New_York")
    snapshots = [snap("s1", "a", T0 + timedelta(days=2, hours=3), monthly(1000))]
    since = datetime(2025, 1, 1, 5, tzinfo=UTC)  # midnight in New York
    result = revenue(snapshots, since, since + timedelta(days=4), zone=new_york).to_json()
    assert [(p["date"], p["mrr"]) for p in result["series"]] == [
        ("2025-01-01", 0),
        ("2025-01-02", 1000),
        ("2025-01-03", 1000),
        ("2025-01-04", 1000),
    ]
    utc = revenue(snapshots, since, since + timedelta(days=4)).to_json()
    assert [p["date"] for p in utc["series"]][:2] == ["2025-01-01", "2025-01-02"]
    assert len(utc["series"]) == 5  # 05:00 UTC to 05:00 UTC touches five UTC days


def test_a_two_year_window_cut_into_its_calendar_months_chains_to_the_cent() -> None:
    """Each calendar month (here Europe/Berlin's) is its own start → end with its movements;
    each month is the window cut at its edges, so it agrees with a one-month window."""
    snapshots = scripted_timelines(seed=5)
    zone = ZoneInfo("Europe/Berlin")
    since = datetime(2025, 1, 1, tzinfo=zone)
    until = datetime(2027, 1, 1, tzinfo=zone)
    result = revenue(snapshots, since, until, "usd", zone=zone)
    months = result.months or []
    assert [m.month.isoformat() for m in months][:3] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert len(months) == 24
    assert months[0].start == sum(result.start.values())
    assert months[-1].end == sum(result.end.values())
    for earlier, later in itertools.pairwise(months):
        assert later.since == earlier.until and later.start == earlier.end
    for m in months:
        assert m.start + m.new + m.reactivation + m.expansion - m.contraction - m.churn == m.end
        alone = revenue(snapshots, m.since, m.until, "usd", series=False).to_json()
        assert alone["mrr"] == {"start": m.start, "end": m.end}, m.month
        assert alone["movements"] == {
            "new": m.new,
            "reactivation": m.reactivation,
            "expansion": m.expansion,
            "contraction": m.contraction,
            "churn": m.churn,
        }, m.month
    # Summer time: April begins at 22:00 UTC on March 31.
    assert months[3].since == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)
    assert sum(m.churn for m in months) > 0 and sum(m.reactivation for m in months) > 0
