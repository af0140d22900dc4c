"""Stripe's own ids for the things its webhooks report, shared with the backfill: a live
event and the history rebuilt from the API for the same change get the same id.

A subscription's lifecycle is named by what it became, not by the event id (a change rebuilt
from invoices has no event id): created and deleted once per subscription; an update by the
billing period it happened in and the state it left (status, pending cancellation, prices and
quantities). Every other event is named by its event id, which the backfill keeps for the
events it reads from `/v1/events`.
"""

from __future__ import annotations

from typing import Any

import orjson

_ONCE = {"customer.subscription.created", "customer.subscription.deleted", "customer.created"}


def _period_start(subscription: dict[str, Any]) -> Any:
    """`current_period_start`: on the subscription (older API versions) or its items."""
    found = subscription.get("current_period_start")
    if found is None:
        items = (subscription.get("items") or {}).get("data") or []
        found = next((i.get("current_period_start") for i in items if isinstance(i, dict)), None)
    return found


def _prices(subscription: dict[str, Any]) -> str:
    items = (subscription.get("items") or {}).get("data") or []
    named = []
    for item in items:
        if not isinstance(item, dict):
            continue
        price = item.get("price") or item.get("plan") or {}
        price_id = price.get("id") if isinstance(price, dict) else price
        named.append(f"{price_id}x{item.get('quantity')}")
    return ",".join(sorted(named))


def update_id(subscription: dict[str, Any]) -> str:
    """The id of a subscription update: its period and the state it left."""
    return ":".join(
        [
            "customer.subscription.updated",
            str(subscription.get("id")),
            str(_period_start(subscription)),
            str(subscription.get("status")),
            "ending" if subscription.get("cancel_at_period_end") else "renewing",
            _prices(subscription),
        ]
    )


def thing_of(event: dict[str, Any]) -> str | None:
    kind = event.get("type")
    obj = (event.get("data") or {}).get("object")
    if isinstance(kind, str) and isinstance(obj, dict) and isinstance(obj.get("id"), str):
        if kind in _ONCE:
            return f"{kind}:{obj['id']}"
        if kind == "customer.subscription.updated":
            return update_id(obj)
    event_id = event.get("id")
    return f"event:{event_id}" if isinstance(event_id, str) and event_id else None


def thing_id(body: bytes) -> str | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return thing_of(document) if isinstance(document, dict) else None
