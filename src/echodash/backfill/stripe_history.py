"""A Stripe subscription's history rebuilt from the objects the API still holds (pure).

The subscription as it is now, and its invoices' lines, give its past (specs/metrics.md,
"Rebuilding revenue history from the Stripe API"): each period's items, prices and quantities
are its non-proration lines (by the line's own `period`); a change between renewals takes
effect at the `period.start` of its proration lines; trials run from `trial_start` to
`trial_end`; a pending cancellation from `canceled_at`; the end at `ended_at`. Each moment the
subscription changed becomes the `customer.subscription.*` event Stripe would have sent then,
carrying the subscription as of that moment, so the Stripe source reads the same snapshots.
Both the older field names and the 2025+ ones are read.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
_HELD = frozenset({"incomplete", "incomplete_expired"})


def dig(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Line:
    """One invoice line, whichever API version shaped it."""

    item: str  # the subscription item it bills (or, when not named, its price)
    price: Json
    quantity: int | None
    start: int
    end: int
    proration: bool
    credit: bool  # unused time given back (the state before a change)


def _price_of(line: Json, prices: Mapping[str, Json]) -> Json | None:
    price = line.get("price") or line.get("plan") or dig(line, "pricing.price_details.price")
    if isinstance(price, str):
        price = prices.get(price)
    return price if isinstance(price, dict) and price.get("id") else None


def invoice_lines(invoice: Json, prices: Mapping[str, Json]) -> list[Line]:
    """The lines of `invoice` that bill a recurring price of its subscription."""
    found = []
    for line in dig(invoice, "lines.data") or []:
        if not isinstance(line, dict):
            continue
        price = _price_of(line, prices)
        start, end = _int(dig(line, "period.start")), _int(dig(line, "period.end"))
        if price is None or start is None or end is None or not price.get("recurring"):
            continue
        details = dig(line, "parent.subscription_item_details") or {}
        invoice_item = dig(line, "parent.invoice_item_details") or {}
        proration = bool(
            line.get("proration") or details.get("proration") or invoice_item.get("proration")
        )
        credited = (
            dig(line, "proration_details.credited_items")
            or dig(details, "proration_details.credited_items")
            or dig(invoice_item, "proration_details.credited_items")
        )
        amount = _int(line.get("amount")) or 0
        item = (
            line.get("subscription_item")
            or details.get("subscription_item")
            or dig(line, "parent.subscription_details.subscription_item")
            or price["id"]
        )
        found.append(
            Line(
                item=str(item),
                price=price,
                quantity=_int(line.get("quantity")),
                start=start,
                end=end,
                proration=proration,
                credit=proration and (amount < 0 or bool(credited)),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of the subscription at a moment."""

    item: str
    price: Json
    quantity: int | None

    @property
    def metered(self) -> bool:
        return bool(dig(self.price, "recurring.usage_type") == "metered")


@dataclass(frozen=True, slots=True)
class Change:
    """An event to send: its type, when, and the subscription as of then."""

    type: str
    at: int
    subscription: Json
    previous: Json | None = None  # what an update changed, as it was before


def _current_items(subscription: Json) -> list[Entry]:
    entries = []
    for item in dig(subscription, "items.data") or []:
        price = item.get("price") or item.get("plan") if isinstance(item, dict) else None
        if isinstance(price, dict):
            entries.append(Entry(str(item.get("id")), price, _int(item.get("quantity"))))
    return entries


def _apply(entries: list[Entry], lines: list[Line]) -> list[Entry]:
    """The items after a change: what its credits took away, replaced by its debits."""
    kept = list(entries)
    for line in (x for x in lines if x.credit):
        match = next((e for e in kept if e.item == line.item), None) or next(
            (e for e in kept if e.price.get("id") == line.price.get("id")), None
        )
        if match is not None:
            kept.remove(match)
    for line in (x for x in lines if not x.credit):
        kept = [e for e in kept if e.item != line.item]
        kept.append(Entry(line.item, line.price, line.quantity))
    return kept


def _period(entries: list[Line]) -> list[Entry]:
    found: dict[str, Entry] = {}
    for line in entries:
        found[line.item] = Entry(line.item, line.price, line.quantity)
    return list(found.values())


def _discounts(subscription: Json) -> list[Json]:
    found = [d for d in subscription.get("discounts") or [] if isinstance(d, dict)]
    single = subscription.get("discount")
    if isinstance(single, dict) and not any(d.get("id") == single.get("id") for d in found):
        found.append(single)
    return found


def _signature(state: Json) -> tuple[Any, ...]:
    items = sorted(
        (str(dig(i, "price.id")), i.get("quantity")) for i in dig(state, "items.data") or []
    )
    discounts = sorted(str(d.get("id")) for d in _discounts(state))
    return (state.get("status"), bool(state.get("cancel_at_period_end")), items, discounts)


class _Timeline:
    def __init__(self, subscription: Json, invoices: list[Json], prices: Mapping[str, Json]):
        self.sub = subscription
        lines = [line for invoice in invoices for line in invoice_lines(invoice, prices)]
        periods: dict[int, list[Line]] = {}
        changes: dict[int, list[Line]] = {}
        for line in lines:
            (changes if line.proration else periods).setdefault(line.start, []).append(line)
        self.periods = {start: _period(found) for start, found in periods.items()}
        self.ends = {start: max(x.end for x in found) for start, found in periods.items()}
        self.changes = changes
        self.created = _int(subscription.get("created")) or 0
        self.ended = _int(subscription.get("ended_at"))
        self.trial = (_int(subscription.get("trial_start")), _int(subscription.get("trial_end")))
        self.canceled = _int(subscription.get("canceled_at"))
        self.discounts = _discounts(subscription)

    def moments(self, now: int | None) -> list[int]:
        found = {self.created, *self.periods, *self.changes}
        if self.trial[1] is not None:
            found.add(self.trial[1])
        if self.canceled is not None:
            found.add(self.canceled)
        found.update(_int(d.get("start")) or self.created for d in self.discounts)
        if self.ended is not None:
            found.add(self.ended)
        last = self.ended if self.ended is not None else max(found)
        if now is not None:
            last = min(last, now)  # a trial that ends, or a cancellation due, later: not yet
        return sorted(m for m in found if self.created <= m <= last)

    def status(self, moment: int, final: bool) -> str:
        status = str(self.sub.get("status") or "active")
        if self.ended is not None and moment >= self.ended:
            return "canceled"
        start, end = self.trial
        if start is not None and end is not None and start <= moment < end:
            return "trialing"
        if status in _HELD or (final and status not in ("trialing", "canceled")):
            return status
        return "active"

    def period(self, moment: int) -> tuple[int | None, int | None]:
        started = [s for s in self.periods if s <= moment]
        if not started:
            return _int(self.sub.get("current_period_start")), None
        start = max(started)
        return start, self.ends[start]

    def state(self, moment: int, entries: list[Entry], final: bool) -> Json:
        state = copy.deepcopy(self.sub)
        start, end = self.period(moment)
        pending = (
            self.canceled is not None
            and self.canceled <= moment
            and (self.ended is None or moment < self.ended)
            and (bool(self.sub.get("cancel_at_period_end")) or self.sub.get("cancel_at"))
        )
        ended = self.ended is not None and moment >= self.ended
        template = (dig(self.sub, "items.data") or [{}])[0]
        items = []
        for entry in entries:
            item = {**copy.deepcopy(template), "id": entry.item, "price": entry.price}
            item.pop("plan", None)
            item["quantity"] = None if entry.metered else entry.quantity
            if "current_period_start" in item or "current_period_start" not in self.sub:
                item.update(current_period_start=start, current_period_end=end)
            items.append(item)
        state["items"] = {**(self.sub.get("items") or {}), "data": items, "has_more": False}
        state["status"] = self.status(moment, final)
        if "current_period_start" in self.sub:
            state.update(current_period_start=start, current_period_end=end)
        state["cancel_at_period_end"] = bool(pending) and bool(self.sub.get("cancel_at_period_end"))
        state["cancel_at"] = self.sub.get("cancel_at") if pending or ended else None
        state["canceled_at"] = self.canceled if pending or ended else None
        state["ended_at"] = self.ended if ended else None
        active = [
            d
            for d in self.discounts
            if (_int(d.get("start")) or self.created) <= moment
            and (_int(d.get("end")) is None or moment < (_int(d.get("end")) or 0))
        ]
        if "discounts" in self.sub:
            state["discounts"] = active
        if "discount" in self.sub:
            state["discount"] = active[0] if active else None
        return state


def rebuild(
    subscription: Json,
    invoices: list[Json],
    prices: Mapping[str, Json],
    now: int | None = None,
) -> list[Change]:
    """The subscription's changes up to `now`, oldest first, each with the subscription as
    of then."""
    timeline = _Timeline(subscription, invoices, prices)
    moments = timeline.moments(now) or [timeline.created]
    first = min(timeline.periods) if timeline.periods else None
    entries = timeline.periods[first] if first is not None else _current_items(subscription)
    changes: list[Change] = []
    previous: tuple[Any, ...] | None = None
    before: Json | None = None
    for index, moment in enumerate(moments):
        if moment in timeline.periods:
            entries = timeline.periods[moment]
        if moment in timeline.changes:
            entries = _apply(entries, timeline.changes[moment])
        final = index == len(moments) - 1
        state = timeline.state(moment, entries, final)
        signature = _signature(state)
        if signature == previous:
            continue
        previous = signature
        if not changes:
            kind = "customer.subscription.created"
        elif state["status"] == "canceled":
            kind = "customer.subscription.deleted"
        else:
            kind = "customer.subscription.updated"
        changed = None if before is None else _changed(before, state)
        changes.append(Change(kind, moment, state, changed))
        before = state
        if kind == "customer.subscription.deleted":
            break
    if timeline.ended is None and changes and _signature(subscription) != previous:
        if now is not None and changes[-1].at >= now:
            return changes
        # Changed since its last invoice without prorations: the subscription as it is now.
        start, _end = timeline.period(moments[-1])
        at = max(start or 0, changes[-1].at + 1)
        now_state = copy.deepcopy(subscription)
        changed = _changed(before, now_state) if before is not None else None
        changes.append(Change("customer.subscription.updated", at, now_state, changed))
    return changes


def _changed(before: Json, after: Json) -> Json:
    """`previous_attributes`: the values of `before` that `after` changed."""
    keys = ("status", "cancel_at_period_end", "canceled_at", "cancel_at", "items", "discount")
    found = {k: before.get(k) for k in keys if k in before and before.get(k) != after.get(k)}
    if before.get("discounts") != after.get("discounts"):
        found["discounts"] = before.get("discounts")
    return found


def event(change: Change) -> Json:
    """The `customer.subscription.*` event Stripe would have sent for `change`."""
    return {
        "object": "event",
        "type": change.type,
        "created": change.at,
        "livemode": bool(change.subscription.get("livemode")),
        "api_version": None,
        "data": {"object": change.subscription}
        | ({"previous_attributes": change.previous} if change.previous is not None else {}),
        "request": {"id": None, "idempotency_key": None},
    }


def within(changes: list[Change], since: int, until: int) -> list[Change]:
    """The changes in [since, until), and the one before `since` that gives the state then
    (unless the subscription had ended by then)."""
    before = [c for c in changes if c.at < since]
    kept = [c for c in changes if since <= c.at < until]
    if before and before[-1].type != "customer.subscription.deleted":
        kept.insert(0, before[-1])
    return kept
