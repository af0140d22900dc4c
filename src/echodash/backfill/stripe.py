"""Stripe's history through its API: customers, subscriptions (every status, with their
items, prices and discounts) and each one's invoices with their lines, rebuilt into the
`customer.subscription.*` events Stripe would have sent (stripe_history.py); then the events
of the last 30 days as Stripe keeps them, under their own ids. Each page is resumable."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from echodash.backfill import stripe_history as history
from echodash.backfill.base import HistoryReader, Item, Page
from echodash.backfill.http import epoch
from echodash.backfill.stripe_api import StripeApi
from echodash.sources.stripe.things import thing_of

STAGES = ("customers", "subscriptions", "events")
# How far back Stripe keeps events; from a little after that on, the events themselves are
# read (exact moments, their own ids) instead of the history rebuilt from objects.
EVENTS_KEPT = timedelta(days=30) - timedelta(minutes=10)
_HEADERS = {"content-type": "application/json"}


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _key(thing: str, at: int) -> str:
    key = f"{thing}@{at}"
    if len(key) <= 200:
        return key
    return f"{thing[:150]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def event_item(document: dict[str, Any], rebuilt: bool) -> Item | None:
    """An event (read, or rebuilt) as the webhook that carries it."""
    created = document.get("created")
    thing = thing_of(document)
    if not isinstance(created, int) or thing is None:
        return None
    event_id = document.get("id")
    key = _key(thing, created) if rebuilt or not isinstance(event_id, str) else event_id
    return Item(key=key, headers=dict(_HEADERS), body=orjson.dumps(document), at=_at(created))


class StripeHistory(HistoryReader):
    provider = "stripe"

    def __init__(self, api: StripeApi, since: datetime, started: datetime) -> None:
        self._api = api
        self._since = epoch(since)
        self._started = started
        # Moments from here on come from /v1/events (when the key may read them).
        self._events_from = max(epoch(started - EVENTS_KEPT), self._since)
        self._prices: dict[str, dict[str, Any]] = {}
        self._coupons: dict[str, dict[str, Any]] = {}

    async def pages(self, cursor: dict[str, Any]) -> AsyncIterator[Page]:
        stage = cursor.get("stage", STAGES[0])
        if stage not in STAGES:
            return
        readable = cursor.get("events")
        if not isinstance(readable, bool):
            readable = await self._api.events_readable()
        if not readable:
            self._events_from = epoch(self._started) + 1  # everything rebuilt, up to now
        for name in STAGES[STAGES.index(stage) :]:
            if name == "events" and not readable:
                yield Page([], {"stage": "end", "events": False}, name)
                return
            after = cursor.get("after") if cursor.get("stage") == name else None
            async for page in getattr(self, f"_{name}")(after):
                yield replace(page, cursor={**page.cursor, "events": readable})
            following = STAGES[STAGES.index(name) + 1] if name != STAGES[-1] else "end"
            yield Page([], {"stage": following, "events": readable}, name)

    async def _customers(self, after: str | None) -> AsyncIterator[Page]:
        async for customers in self._api.customers(after):
            items = []
            for customer in customers:
                created = customer.get("created")
                if isinstance(created, int) and self._since <= created < self._events_from:
                    document = {
                        "object": "event",
                        "type": "customer.created",
                        "created": created,
                        "livemode": bool(customer.get("livemode")),
                        "data": {"object": customer},
                    }
                    found = event_item(document, rebuilt=True)
                    items += [found] if found else []
            cursor = {"stage": "customers", "after": customers[-1]["id"]}
            yield Page(items, cursor, "customers")

    async def _subscriptions(self, after: str | None) -> AsyncIterator[Page]:
        async for subscriptions in self._api.subscriptions(after):
            items = []
            for subscription in subscriptions:
                items += await self._subscription(subscription)
            cursor = {"stage": "subscriptions", "after": subscriptions[-1]["id"]}
            yield Page(items, cursor, "subscriptions")

    async def _subscription(self, subscription: dict[str, Any]) -> list[Item]:
        for item in history.dig(subscription, "items.data") or []:
            price = item.get("price") if isinstance(item, dict) else None
            if isinstance(price, dict) and isinstance(price.get("id"), str):
                self._prices.setdefault(price["id"], price)
        for discount in subscription.get("discounts") or []:
            # 2025+: the coupon of an expanded discount is an id.
            source = discount.get("source") if isinstance(discount, dict) else None
            if isinstance(source, dict) and isinstance(source.get("coupon"), str):
                coupon = source["coupon"]
                if coupon not in self._coupons:
                    self._coupons[coupon] = await self._api.coupon(coupon)
                source["coupon"] = self._coupons[coupon]
        invoices = await self._api.invoices(str(subscription["id"]))
        customer = subscription.get("customer")
        customer_id = customer.get("id") if isinstance(customer, dict) else customer
        if isinstance(customer_id, str) and subscription.get("ended_at") is None:
            pending = await self._api.pending_items(customer_id, str(subscription["id"]))
            invoices.append({"lines": {"data": pending}})  # as the next invoice will list them
        for invoice in invoices:
            for line in history.dig(invoice, "lines.data") or []:
                price = history.dig(line, "pricing.price_details.price")
                if isinstance(price, str) and price not in self._prices:
                    self._prices[price] = await self._api.price(price)
        changes = history.rebuild(subscription, invoices, self._prices, epoch(self._started))
        kept = history.within(changes, self._since, self._events_from)
        found = [event_item(history.event(change), rebuilt=True) for change in kept]
        return [item for item in found if item is not None]

    async def _events(self, after: str | None) -> AsyncIterator[Page]:
        async for events in self._api.events(self._events_from, after):
            found = [event_item(document, rebuilt=False) for document in events]
            cursor = {"stage": "events", "after": events[-1]["id"]}
            yield Page([item for item in found if item is not None], cursor, "events")
