"""The demo company's revenue: Stripe customers subscribing to three plans, renewing every
month, upgrading, downgrading, failing a payment and paying it, churning and sometimes coming
back. Churn runs higher in the bad week."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from echodash.demo import payloads as p
from echodash.demo.model import DAY, HOUR, Company, Ids, Sending

# (name, cents a month), cheapest first.
PLANS = (("Starter", 2_900), ("Team", 9_900), ("Business", 29_900))
PLAN_WEIGHTS = (0.5, 0.35, 0.15)
NAMES = (
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Acme Labs",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Pied Piper",
)


class Revenue:
    def __init__(self, rng: random.Random, ids: Ids, company: Company) -> None:
        self.rng = rng
        self.ids = ids
        self.out = company.deliveries
        self.count = 0

    def _send(self, body: dict[str, object], at: datetime) -> None:
        self.out.append(Sending("stripe", at, body))

    def _event_id(self) -> str:
        return f"evt_demo{self.ids.hex(20)}"

    def customer(
        self, joined: datetime, until: datetime, bad_week: tuple[datetime, datetime]
    ) -> None:
        """One customer's life from `joined` to `until`."""
        rng = self.rng
        self.count += 1
        customer = f"cus_demo{self.count:05d}"
        name = f"{rng.choice(NAMES)} {self.count}"
        self._send(p.customer_event(self._event_id(), joined, customer, name), joined)
        plan = rng.choices(range(len(PLANS)), PLAN_WEIGHTS)[0]
        generation = 1
        subscription = f"sub_{customer}"

        def snapshot(kind: str, at: datetime, status: str = "active") -> None:
            body = p.subscription_event(
                self._event_id(), kind, at, customer, PLANS[plan][1], "month", status
            )
            body["data"]["object"]["id"] = subscription
            self._send(body, at)

        snapshot("customer.subscription.created", joined)
        invoice = 0
        renew = joined + 30 * DAY
        day = joined + DAY
        alive = True
        while day < until:
            bad = bad_week[0] <= day < bad_week[1]
            at = day + timedelta(hours=rng.uniform(0, 20))
            if at >= until:
                break
            if alive:
                churn = 0.006 if bad else 0.002
                roll = rng.random()
                if roll < churn:
                    snapshot("customer.subscription.deleted", at, "canceled")
                    alive = False
                elif roll < churn + 0.004 and plan < len(PLANS) - 1:
                    plan += 1
                    snapshot("customer.subscription.updated", at)
                elif roll < churn + 0.007 and plan > 0:
                    plan -= 1
                    snapshot("customer.subscription.updated", at)
                if alive and day >= renew:
                    invoice += 1
                    number = self.count * 100 + invoice
                    amount = PLANS[plan][1]
                    if rng.random() < 0.05:
                        self._send(
                            p.invoice_event(
                                self._event_id(),
                                "invoice.payment_failed",
                                at,
                                customer,
                                number,
                                amount,
                            ),
                            at,
                        )
                        snapshot("customer.subscription.updated", at + HOUR, "past_due")
                        paid = at + timedelta(days=rng.uniform(1, 3))
                        if paid < until:
                            self._send(
                                p.invoice_event(
                                    self._event_id(), "invoice.paid", paid, customer, number, amount
                                ),
                                paid,
                            )
                            snapshot("customer.subscription.updated", paid + HOUR)
                    else:
                        self._send(
                            p.invoice_event(
                                self._event_id(), "invoice.paid", at, customer, number, amount
                            ),
                            at,
                        )
                    renew += 30 * DAY
            elif rng.random() < 0.02:
                # Back again: a new subscription (a reactivation in the MRR movements).
                generation += 1
                subscription = f"sub_{customer}_{generation}"
                alive = True
                snapshot("customer.subscription.created", at)
                renew = at + 30 * DAY
            day += DAY


def history(revenue: Revenue, start: datetime, days: int, bad_week: range, now: datetime) -> None:
    """Sixty customers on the first day, then about one new customer a day."""
    rng = revenue.rng
    bad = (start + bad_week.start * DAY, start + bad_week.stop * DAY)
    until = now - HOUR
    for _ in range(60):
        revenue.customer(start + timedelta(hours=rng.uniform(0, 20)), until, bad)
    for d in range(1, days):
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            joined = start + d * DAY + timedelta(hours=rng.uniform(8, 20))
            if joined < until:
                revenue.customer(joined, until, bad)
