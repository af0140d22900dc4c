"""A Stripe account played forward in time, as Stripe bills it: subscriptions created (with a
trial or not), changed mid-period with prorations, cancelled now or at the period's end, a
forever coupon, a metered price; each period's invoice with its lines (a trial's $0 invoice
still lists price and quantity; prorations go on the next invoice; metered usage is billed in
arrears). Every change is also the webhook event Stripe sends, so a test can compare what a
backfill rebuilds from the objects with what the webhooks said.

Objects follow the shapes of Stripe's published OpenAPI description (stripe/openapi): the
2025+ ones (items carry `current_period_*`, `discounts[].source.coupon`, invoice lines'
`pricing.price_details` and `parent.*_details`), and for the subscriptions marked `legacy` the
older ones (`current_period_*` and `discount` on the subscription, `plan`, lines' `price`,
`proration` and `subscription_item`, `invoice.subscription`)."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

DAY = timedelta(days=1)
_LENGTH = {"month": timedelta(days=30), "year": timedelta(days=365)}


def price(price_id: str, amount: int, interval: str = "month", usage: str = "licensed") -> Any:
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "currency": "usd",
        "livemode": False,
        "product": f"prod_{price_id}",
        "recurring": {
            "interval": interval,
            "interval_count": 1,
            "usage_type": usage,
            "meter": None,
            "trial_period_days": None,
        },
        "type": "recurring",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
    }


def _plan(found: Any) -> Any:
    return {
        "id": found["id"],
        "object": "plan",
        "amount": found["unit_amount"],
        "currency": "usd",
        "interval": found["recurring"]["interval"],
        "interval_count": 1,
        "usage_type": found["recurring"]["usage_type"],
    }


@dataclass
class Sub:
    id: str
    customer: str
    created: int
    items: list[tuple[str, str, int | None]]  # (item id, price id, quantity)
    period: tuple[int, int]
    status: str = "active"
    trial: tuple[int, int] | None = None
    cancel_at_period_end: bool = False
    canceled_at: int | None = None
    ended_at: int | None = None
    coupon: Any = None
    discount_start: int | None = None
    legacy: bool = False
    pending: list[Any] = field(default_factory=list)  # proration lines for the next invoice
    metered_from: int | None = None


@dataclass
class Account:
    prices: dict[str, Any]
    customers: list[Any] = field(default_factory=list)
    subs: dict[str, Sub] = field(default_factory=dict)
    invoices: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)  # every webhook, in the order sent
    usage: int = 7  # metered units each period
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _next(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):05d}"

    # ---- objects, as the API (and the webhooks) show them ------------------------------

    def subscription(self, sub: Sub, webhook: bool = False) -> Any:
        def item(item_id: str, price_id: str, quantity: int | None) -> Any:
            found = {
                "id": item_id,
                "object": "subscription_item",
                "created": sub.created,
                "metadata": {},
                "price": copy.deepcopy(self.prices[price_id]),
                "subscription": sub.id,
                "tax_rates": [],
                "discounts": [],
            }
            if self.prices[price_id]["recurring"]["usage_type"] != "metered":
                found["quantity"] = quantity
            if sub.legacy:
                found["plan"] = _plan(self.prices[price_id])
            else:
                found.update(current_period_start=sub.period[0], current_period_end=sub.period[1])
            return found

        discount = None
        if sub.coupon is not None:
            discount = {
                "id": f"di_{sub.id}",
                "object": "discount",
                "customer": sub.customer,
                "start": sub.discount_start,
                "end": None,
                "subscription": sub.id,
            }
        found: dict[str, Any] = {
            "id": sub.id,
            "object": "subscription",
            "customer": sub.customer,
            "currency": "usd",
            "livemode": False,
            "metadata": {},
            "collection_method": "charge_automatically",
            "created": sub.created,
            "start_date": sub.created,
            "status": sub.status,
            "trial_start": sub.trial[0] if sub.trial else None,
            "trial_end": sub.trial[1] if sub.trial else None,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "cancel_at": sub.period[1] if sub.cancel_at_period_end else None,
            "canceled_at": sub.canceled_at,
            "ended_at": sub.ended_at,
            "items": {
                "object": "list",
                "data": [item(*x) for x in sub.items],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={sub.id}",
            },
        }
        if sub.legacy:
            found.update(current_period_start=sub.period[0], current_period_end=sub.period[1])
            found["discount"] = None if discount is None else {**discount, "coupon": sub.coupon}
            found["discounts"] = [] if discount is None else [discount["id"]]
        elif discount is None:
            found["discounts"] = []
        elif webhook:
            found["discounts"] = [discount["id"]]  # not expanded in events
        else:  # expanded as asked; its coupon stays an id
            source = {"type": "coupon", "coupon": sub.coupon["id"]}
            found["discounts"] = [{**discount, "source": source}]
        return found

    def _event(self, kind: str, sub: Sub, at: int) -> None:
        self.events.append(
            {
                "id": self._next("evt"),
                "object": "event",
                "api_version": "2024-06-20" if sub.legacy else "2025-03-31.basil",
                "created": at,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": kind,
                "data": {"object": self.subscription(sub, webhook=True)},
            }
        )

    def _line(
        self,
        sub: Sub,
        item: str,
        price_id: str,
        quantity: int | None,
        period: tuple[int, int],
        amount: int,
        proration: bool = False,
        credited: bool = False,
    ) -> Any:
        line: dict[str, Any] = {
            "id": self._next("il"),
            "object": "line_item",
            "amount": amount,
            "currency": "usd",
            "description": None,
            "livemode": False,
            "metadata": {},
            "period": {"start": period[0], "end": period[1]},
            "quantity": quantity,
        }
        credit = (
            {"invoice": "in_earlier", "invoice_line_items": ["il_earlier"]} if credited else None
        )
        if sub.legacy:
            line.update(
                price=copy.deepcopy(self.prices[price_id]),
                plan=_plan(self.prices[price_id]),
                proration=proration,
                proration_details={"credited_items": credit},
                subscription=sub.id,
                subscription_item=item,
                type="invoiceitem" if proration else "subscription",
            )
            return line
        line["pricing"] = {
            "type": "price_details",
            "price_details": {"price": price_id, "product": f"prod_{price_id}"},
            "unit_amount_decimal": str(self.prices[price_id]["unit_amount"]),
        }
        if proration:
            line["parent"] = {
                "type": "invoice_item_details",
                "subscription_item_details": None,
                "invoice_item_details": {
                    "invoice_item": self._next("ii"),
                    "proration": True,
                    "proration_details": {"credited_items": credit},
                    "subscription": sub.id,
                },
            }
        else:
            line["parent"] = {
                "type": "subscription_item_details",
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": sub.id,
                    "subscription_item": item,
                },
            }
        return line

    def _invoice(self, sub: Sub, at: int, reason: str, previous: tuple[int, int] | None) -> None:
        lines = []
        for item, price_id, quantity in sub.items:
            unit = self.prices[price_id]["unit_amount"]
            if self.prices[price_id]["recurring"]["usage_type"] == "metered":
                if previous is not None and sub.metered_from is not None:
                    lines.append(
                        self._line(sub, item, price_id, self.usage, previous, unit * self.usage)
                    )
                continue
            amount = 0 if sub.status == "trialing" else unit * (quantity or 0)
            lines.append(self._line(sub, item, price_id, quantity, sub.period, amount))
        lines += sub.pending
        sub.pending = []
        invoice: dict[str, Any] = {
            "id": self._next("in"),
            "object": "invoice",
            "billing_reason": reason,
            "created": at,
            "currency": "usd",
            "customer": sub.customer,
            "livemode": False,
            "period_start": previous[0] if previous else at,
            "period_end": previous[1] if previous else at,
            "status": "paid",
            "total": sum(line["amount"] for line in lines),
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "url": "/v1/invoices/{id}/lines",
            },
        }
        invoice["lines"]["url"] = f"/v1/invoices/{invoice['id']}/lines"
        if sub.legacy:
            invoice["subscription"] = sub.id
        else:
            invoice["parent"] = {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {"metadata": {}, "subscription": sub.id},
            }
        self.invoices.append(invoice)

    def pending_item(self, sub: Sub, line: Any) -> Any:
        """A proration line not yet invoiced, as `/v1/invoiceitems?pending=true` lists it."""
        item = {
            "id": "ii_" + line["id"].removeprefix("il_"),
            "object": "invoiceitem",
            "amount": line["amount"],
            "currency": "usd",
            "customer": sub.customer,
            "date": line["period"]["start"],
            "invoice": None,
            "livemode": False,
            "period": line["period"],
            "proration": True,
            "quantity": line["quantity"],
        }
        if sub.legacy:
            item.update(
                price=line["price"],
                plan=line["plan"],
                subscription=sub.id,
                subscription_item=line["subscription_item"],
            )
        else:
            item["pricing"] = line["pricing"]
            item["parent"] = {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub.id},
            }
        return item

    # ---- what happens ------------------------------------------------------------------

    def customer(self, customer_id: str, at: datetime) -> None:
        self.customers.append(
            {
                "id": customer_id,
                "object": "customer",
                "created": int(at.timestamp()),
                "email": f"{customer_id}@example.com",
                "name": customer_id,
                "livemode": False,
                "metadata": {},
                "currency": "usd",
                "delinquent": False,
            }
        )

    def subscribe(
        self,
        sub_id: str,
        customer_id: str,
        at: datetime,
        items: list[tuple[str, int | None]],
        *,
        trial_days: int = 0,
        coupon: Any = None,
        legacy: bool = False,
    ) -> None:
        start = int(at.timestamp())
        interval = self.prices[items[0][0]]["recurring"]["interval"]
        end = start + int((DAY * trial_days if trial_days else _LENGTH[interval]).total_seconds())
        self.customer(customer_id, at)
        sub = Sub(
            id=sub_id,
            customer=customer_id,
            created=start,
            items=[(f"si_{sub_id}_{n}", p, q) for n, (p, q) in enumerate(items)],
            period=(start, end),
            status="trialing" if trial_days else "active",
            trial=(start, end) if trial_days else None,
            coupon=coupon,
            discount_start=start if coupon else None,
            legacy=legacy,
        )
        sub.metered_from = start
        self.subs[sub_id] = sub
        self._event("customer.subscription.created", sub, start)
        self._invoice(sub, start, "subscription_create", None)

    def change(self, sub_id: str, at: datetime, items: list[tuple[str, int | None]]) -> None:
        """New prices or quantities now, prorated to the end of the period (on the next
        invoice)."""
        sub = self.subs[sub_id]
        moment = int(at.timestamp())
        left = (sub.period[1] - moment) / (sub.period[1] - sub.period[0])
        new = [(f"si_{sub_id}_{n}", p, q) for n, (p, q) in enumerate(items)]
        old_set, new_set = set(sub.items), set(new)
        for item, price_id, quantity in sub.items:
            if (item, price_id, quantity) not in new_set:
                unit = self.prices[price_id]["unit_amount"]
                amount = -round(unit * (quantity or 0) * left)
                sub.pending.append(
                    self._line(
                        sub, item, price_id, quantity, (moment, sub.period[1]), amount, True, True
                    )
                )
        for item, price_id, quantity in new:
            if (item, price_id, quantity) not in old_set:
                unit = self.prices[price_id]["unit_amount"]
                amount = round(unit * (quantity or 0) * left)
                sub.pending.append(
                    self._line(sub, item, price_id, quantity, (moment, sub.period[1]), amount, True)
                )
        sub.items = new
        self._event("customer.subscription.updated", sub, moment)

    def cancel(self, sub_id: str, at: datetime, at_period_end: bool) -> None:
        sub = self.subs[sub_id]
        moment = int(at.timestamp())
        sub.canceled_at = moment
        if at_period_end:
            sub.cancel_at_period_end = True
            self._event("customer.subscription.updated", sub, moment)
            return
        sub.status, sub.ended_at = "canceled", moment
        self._event("customer.subscription.deleted", sub, moment)

    def advance(self, until: datetime) -> None:
        """Every renewal (trial ends, period ends, cancellations at the period's end) up to
        `until`, in time order."""
        limit = int(until.timestamp())
        while True:
            due = [s for s in self.subs.values() if s.ended_at is None and s.period[1] <= limit]
            if not due:
                return
            sub = min(due, key=lambda s: (s.period[1], s.id))
            moment = sub.period[1]
            if sub.cancel_at_period_end:
                sub.status, sub.ended_at = "canceled", moment
                self._event("customer.subscription.deleted", sub, moment)
                continue
            previous = sub.period
            interval = self.prices[sub.items[0][1]]["recurring"]["interval"]
            sub.period = (moment, moment + int(_LENGTH[interval].total_seconds()))
            sub.status = "active"
            self._event("customer.subscription.updated", sub, moment)
            self._invoice(sub, moment, "subscription_cycle", previous)

    def event_bodies(self, since: datetime | None = None) -> list[Any]:
        floor = int(since.timestamp()) if since else 0
        return [e for e in self.events if e["created"] >= floor]
