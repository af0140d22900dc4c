"""Revenue metrics over Stripe subscription snapshots (specs/metrics.md, Revenue).

A snapshot is a subscription as one Stripe event showed it; the latest by Stripe's `created`
wins, so duplicates and out-of-order deliveries change nothing. MRR is worked out exactly
(fractions), then each customer's MRR is rounded once to whole minor units: every movement is a
difference of those, so start + new + reactivation + expansion - contraction - churn = end holds
to the cent.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from typing import Any

from echodash.events import iso
from echodash.metrics.stats import days_in, months_in, rounded

COUNTING = frozenset({"active", "past_due"})
PER_MONTH = {
    "year": Fraction(1, 12),
    "month": Fraction(1),
    "week": Fraction(52, 12),
    "day": Fraction(365, 12),
}
MONTH_DAYS = Fraction(36525, 1200)  # 30.4375: an average month, for rates per month
NO_CHURN_MONTHS = 60  # LTV when nobody churned: ARPA for five years


@dataclass(frozen=True, slots=True)
class Item:
    unit_amount: int | None  # minor units; None for tiered prices without one
    quantity: int
    interval: str  # day, week, month, year
    interval_count: int = 1
    metered: bool = False


@dataclass(frozen=True, slots=True)
class Discount:
    duration: str  # forever, once, repeating
    percent_off: float | None = None
    amount_off: int | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    subscription: str
    customer: str
    currency: str
    status: str
    created: datetime  # the Stripe event's `created`: the latest wins
    items: tuple[Item, ...] = ()
    discount: Discount | None = None
    event_id: int | None = None


def subscription_mrr(snapshot: Snapshot) -> Fraction:
    """What one subscription brings in a month, exactly (minor units)."""
    if snapshot.status not in COUNTING:
        return Fraction(0)
    total = Fraction(0)
    months: Fraction | None = None
    for item in snapshot.items:
        factor = PER_MONTH.get(item.interval)
        if item.metered or item.unit_amount is None or factor is None:
            continue
        per_month = factor / max(item.interval_count, 1)
        months = months or per_month
        total += item.unit_amount * item.quantity * per_month
    discount = snapshot.discount
    if discount is not None and discount.duration == "forever" and total > 0:
        if discount.percent_off:
            total *= 1 - Fraction(str(discount.percent_off)) / 100
        elif discount.amount_off:
            total -= discount.amount_off * (months or 1)
    return max(total, Fraction(0))


# The same snapshot is valued at every moment it stands for (each day of a series, both
# edges of a window, every currency's total): worked out once.
_cached_mrr = lru_cache(maxsize=1 << 16)(subscription_mrr)


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


class Ledger:
    """Every subscription's snapshots in order: MRR per customer at any moment."""

    def __init__(self, snapshots: Iterable[Snapshot], currency: str | None = None) -> None:
        by_subscription: dict[str, list[Snapshot]] = defaultdict(list)
        for snapshot in snapshots:
            if currency is None or snapshot.currency == currency:
                by_subscription[snapshot.subscription].append(snapshot)
        self.history = {
            key: sorted(found, key=lambda s: (s.created, s.event_id or 0))
            for key, found in by_subscription.items()
        }
        self.times = {key: [s.created for s in found] for key, found in self.history.items()}
        self._first_mrr: dict[tuple[str, str], datetime] | None = None

    def at(self, subscription: str, moment: datetime) -> Snapshot | None:
        """The subscription as it stood at `moment` (its latest snapshot by then)."""
        index = bisect_right(self.times[subscription], moment)
        return self.history[subscription][index - 1] if index else None

    def customers_at(self, moment: datetime) -> dict[tuple[str, str], int]:
        """(customer, currency) → MRR in minor units at `moment`, for customers with MRR."""
        exact: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
        for subscription in self.history:
            snapshot = self.at(subscription, moment)
            if snapshot is not None:
                value = _cached_mrr(snapshot)
                if value:
                    exact[(snapshot.customer, snapshot.currency)] += value
        found = {key: _half_up(value) for key, value in exact.items()}
        return {key: value for key, value in found.items() if value > 0}

    def had_mrr_before(self, customer: str, currency: str, moment: datetime) -> bool:
        """Whether the customer had MRR at any moment before `moment`."""
        if self._first_mrr is None:
            self._first_mrr = {}
            running = _Running()
            ordered = self._ordered()
            touched: set[tuple[str, str]] = set()
            for index, snapshot in enumerate(ordered):
                touched.update(running.apply(snapshot))
                if index + 1 < len(ordered) and ordered[index + 1].created == snapshot.created:
                    continue  # the moment's state is the one after all its snapshots
                for key in touched:
                    if key not in self._first_mrr and running.rounded_of[key] > 0:
                        self._first_mrr[key] = snapshot.created
                touched = set()
        first = self._first_mrr.get((customer, currency))
        return first is not None and first < moment

    def totals_at(self, moments: Sequence[datetime]) -> list[int]:
        """MRR (the sum of the rounded customer MRR) at each of `moments` (ascending): one
        walk through the snapshots, not a look at every subscription per moment."""
        running = _Running()
        ordered = self._ordered()
        index = 0
        found = []
        for moment in moments:
            while index < len(ordered) and ordered[index].created <= moment:
                running.apply(ordered[index])
                index += 1
            found.append(running.rounded)
        return found

    def _ordered(self) -> list[Snapshot]:
        return sorted(
            (s for found in self.history.values() for s in found),
            key=lambda s: (s.created, s.event_id or 0),
        )


class _Running:
    """MRR as snapshots are applied in time order: each subscription's latest value, each
    (customer, currency)'s exact total, and the sum of the rounded totals."""

    def __init__(self) -> None:
        self.current: dict[str, tuple[tuple[str, str], Fraction]] = {}
        self.totals: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
        self.rounded_of: dict[tuple[str, str], int] = {}  # each total, rounded
        self.rounded = 0

    def apply(self, snapshot: Snapshot) -> list[tuple[str, str]]:
        """Apply one snapshot; the (customer, currency) keys it changed."""
        key = (snapshot.customer, snapshot.currency)
        value = _cached_mrr(snapshot)
        held = self.current.get(snapshot.subscription)
        changes = [(held[0], -held[1])] if held is not None else []
        changes.append((key, value))
        for owner, delta in changes:
            total = self.totals[owner] + delta
            self.totals[owner] = total
            rounded = _half_up(total)
            self.rounded += rounded - self.rounded_of.get(owner, 0)
            self.rounded_of[owner] = rounded
        self.current[snapshot.subscription] = (key, value)
        return [owner for owner, _delta in changes]


@dataclass
class Revenue:
    currency: str
    start: dict[str, int]  # customer → MRR at the window's start
    end: dict[str, int]
    new: dict[str, int]
    reactivation: dict[str, int]
    expansion: dict[str, int]
    contraction: dict[str, int]
    churn: dict[str, int]
    since: datetime
    until: datetime
    trials_ended: int = 0
    trials_converted: int = 0
    series: list[tuple[str, int]] | None = None
    months: list[Month] | None = None

    def to_json(self) -> dict[str, Any]:
        start_mrr = sum(self.start.values())
        end_mrr = sum(self.end.values())
        moved = {name: sum(getattr(self, name).values()) for name in MOVEMENT_NAMES}
        churned = len(self.churn)
        customer_churn = churned / len(self.start) if self.start else None
        gross = (moved["churn"] + moved["contraction"]) / start_mrr if start_mrr else None
        net = (
            (moved["churn"] + moved["contraction"] - moved["expansion"] - moved["reactivation"])
            / start_mrr
            if start_mrr
            else None
        )
        arpa = end_mrr / len(self.end) if self.end else None
        return {
            "currency": self.currency,
            "mrr": {"start": start_mrr, "end": end_mrr},
            "movements": moved,
            "customers": {"start": len(self.start), "end": len(self.end), "churned": churned},
            "customer_churn_rate": rounded(customer_churn),
            "gross_mrr_churn": rounded(gross),
            "net_mrr_churn": rounded(net),
            "arpa": rounded(arpa, 2),
            "ltv": rounded(self.ltv(arpa, customer_churn), 2),
            "trial_conversion": rounded(self.trials_converted / self.trials_ended)
            if self.trials_ended
            else None,
            "series": [{"date": day, "mrr": mrr} for day, mrr in self.series or []],
            "months": [month.to_json() for month in self.months or []],
        }

    def ltv(self, arpa: float | None, churn_rate: float | None) -> float | None:
        """ARPA ÷ the monthly customer churn rate (the window's rate spread over its months);
        ARPA times 60 when nobody churned."""
        if arpa is None:
            return None
        if not churn_rate:
            return arpa * NO_CHURN_MONTHS
        months = Fraction((self.until - self.since).total_seconds() / 86400) / MONTH_DAYS
        monthly = churn_rate / float(months) if months > 0 else churn_rate
        return arpa / monthly


def revenue(
    snapshots: Sequence[Snapshot],
    since: datetime,
    until: datetime,
    currency: str | None = None,
    *,
    series: bool = True,
    zone: tzinfo = UTC,
) -> Revenue:
    """MRR, its movements and the ratios over [since, until) in one currency (the one with
    the most MRR at the end when none is given); the series has a point for each day (in
    `zone`) of the window."""
    currency = currency or main_currency(snapshots, until)
    ledger = Ledger(snapshots, currency)
    start = _mrr_of_customers(ledger, since)
    end = _mrr_of_customers(ledger, until)
    result = Revenue(
        currency, start, end, *_moves(ledger, currency, since, start, end), since, until
    )
    result.trials_ended, result.trials_converted = trials(ledger, since, until)
    if series:
        days = days_in(since, until, zone)
        totals = ledger.totals_at([_end_of(day, until, zone) for day in days])
        result.series = [(day.isoformat(), total) for day, total in zip(days, totals, strict=True)]
        result.months = monthly(ledger, currency, since, until, zone)
    return result


Moves = tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int], dict[str, int]]


def _mrr_of_customers(ledger: Ledger, edge: datetime) -> dict[str, int]:
    """Customer → MRR at a window's edge (the ledger holds one currency)."""
    return {c: v for (c, _cur), v in ledger.customers_at(_before(edge)).items()}


def _moves(
    ledger: Ledger, currency: str, since: datetime, start: dict[str, int], end: dict[str, int]
) -> Moves:
    """(new, reactivation, expansion, contraction, churn) per customer, from the MRR at a
    period's start and end."""
    new: dict[str, int] = {}
    reactivation: dict[str, int] = {}
    expansion: dict[str, int] = {}
    contraction: dict[str, int] = {}
    churn: dict[str, int] = {}
    for customer in sorted(set(start) | set(end)):
        before, after = start.get(customer, 0), end.get(customer, 0)
        if before == 0 and after > 0:
            if ledger.had_mrr_before(customer, currency, since):
                reactivation[customer] = after
            else:
                new[customer] = after
        elif before > 0 and after == 0:
            churn[customer] = before
        elif after > before:
            expansion[customer] = after - before
        elif after < before:
            contraction[customer] = before - after
    return new, reactivation, expansion, contraction, churn


@dataclass(frozen=True, slots=True)
class Month:
    """One calendar month's part of a window: MRR at its start and end, and the movements
    between them (each customer compared across that month alone)."""

    month: date  # its first day, in the workspace's time zone
    since: datetime
    until: datetime
    start: int
    end: int
    new: int
    reactivation: int
    expansion: int
    contraction: int
    churn: int

    def to_json(self) -> dict[str, Any]:
        return {
            "month": f"{self.month:%Y-%m}",
            "since": iso(self.since),
            "until": iso(self.until),
            "mrr": {"start": self.start, "end": self.end},
            "movements": {name: getattr(self, name) for name in MOVEMENT_NAMES},
        }


MOVEMENT_NAMES = ("new", "reactivation", "expansion", "contraction", "churn")


def month_edges(since: datetime, until: datetime, zone: tzinfo = UTC) -> list[datetime]:
    """`since`, every local midnight starting a month inside the window, and `until`."""
    edges = [since]
    for year, month in months_in(since, until, zone)[1:]:
        edges.append(datetime(year, month, 1, tzinfo=zone).astimezone(UTC))
    edges.append(until)
    return edges


def monthly(
    ledger: Ledger, currency: str, since: datetime, until: datetime, zone: tzinfo = UTC
) -> list[Month]:
    """The window cut at the months' edges (in `zone`): each part's movements. One part's end
    is the next one's start, so the parts chain from the window's start MRR to its end MRR."""
    edges = month_edges(since, until, zone)
    at_edge = [_mrr_of_customers(ledger, edge) for edge in edges]
    found = []
    for n, (first, last) in enumerate(pairwise(edges)):
        start, end = at_edge[n], at_edge[n + 1]
        moves = _moves(ledger, currency, first, start, end)
        local = first.astimezone(zone).date().replace(day=1)
        found.append(
            Month(
                local,
                first,
                last,
                sum(start.values()),
                sum(end.values()),
                *(sum(m.values()) for m in moves),
            )
        )
    return found


def _before(moment: datetime) -> datetime:
    """State at a window's edge: snapshots created before it (the edge itself belongs to the
    next window)."""
    return moment - timedelta(microseconds=1)


def _end_of(day: Any, until: datetime, zone: tzinfo = UTC) -> datetime:
    """Just before the next day's midnight in `zone` (or `until`, if sooner)."""
    following = date.fromordinal(day.toordinal() + 1)
    edge = datetime(following.year, following.month, following.day, tzinfo=zone)
    return _before(min(edge, until))


def main_currency(snapshots: Sequence[Snapshot], moment: datetime) -> str:
    totals: dict[str, Fraction] = defaultdict(Fraction)
    ledger = Ledger(snapshots)
    for subscription in ledger.history:
        snapshot = ledger.at(subscription, moment)
        if snapshot is not None:
            totals[snapshot.currency] += _cached_mrr(snapshot)
    if not totals:
        return next((s.currency for s in snapshots), "usd")
    return max(sorted(totals), key=lambda c: totals[c])


def currencies(snapshots: Sequence[Snapshot]) -> list[str]:
    return sorted({s.currency for s in snapshots})


def trial_ends(ledger: Ledger, since: datetime, until: datetime) -> list[Snapshot]:
    """The snapshots that ended a trial in the window: a subscription leaves `trialing` at its
    first later snapshot with another status."""
    found = []
    for history in ledger.history.values():
        for earlier, later in pairwise(history):
            if earlier.status == "trialing" and later.status != "trialing":
                if since <= later.created < until:
                    found.append(later)
                break
    return found


def trials(ledger: Ledger, since: datetime, until: datetime) -> tuple[int, int]:
    """(trials that ended in the window, of which became active)."""
    ended = trial_ends(ledger, since, until)
    return len(ended), sum(s.status in COUNTING for s in ended)
