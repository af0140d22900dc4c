"""Stripe's payload reader: one Event object (`{"type", "data": {"object"}, …}`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from echodash.sources.kit.payload import PayloadReader, dig, line, parse_time, text

# Object kinds with their own page in the Stripe Dashboard; others link to the event.
_DASHBOARD_PAGES = {
    "charge": "payments",
    "payment_intent": "payments",
    "invoice": "invoices",
    "subscription": "subscriptions",
    "customer": "customers",
    "dispute": "disputes",
    "payout": "payouts",
    "price": "prices",
    "product": "products",
    "coupon": "coupons",
}


class WrongObject(LookupError):
    """The event carries another kind of object than its type's builder reads."""


def customer_id(obj: dict[str, Any]) -> str | None:
    """The customer an object belongs to (an id, or an expanded customer's id)."""
    customer = obj.get("customer")
    if isinstance(customer, dict):
        return text(customer.get("id"))
    return text(customer)


@dataclass(frozen=True, slots=True)
class StripeEvent(PayloadReader):
    """One Stripe Event: its type, the object it carries and what changed."""

    body: dict[str, Any]

    @property
    def type(self) -> str:
        return line(self.body.get("type"), 100) or "unknown"

    @property
    def obj(self) -> dict[str, Any]:
        """`data.object`: the resource as it is after the event ({} when absent)."""
        found = dig(self.body, "data.object")
        return found if isinstance(found, dict) else {}

    @property
    def previous(self) -> dict[str, Any]:
        """`data.previous_attributes`: the values an update changed."""
        found = dig(self.body, "data.previous_attributes")
        return found if isinstance(found, dict) else {}

    def of(self, *kinds: str) -> dict[str, Any]:
        """The object, when it is one of `kinds` (`charge`…); WrongObject otherwise, so that
        an odd delivery falls back to the generic line rather than a wrong title."""
        found = self.obj
        if found.get("object") not in kinds:
            raise WrongObject(f"{self.type} carries {found.get('object')!r}, not {kinds}")
        return found

    @property
    def kind(self) -> str | None:
        """The object's kind (`charge`, `invoice`…)."""
        return text(self.obj.get("object"))

    @property
    def object_id(self) -> str | None:
        return text(self.obj.get("id"))

    @property
    def subject(self) -> str | None:
        return customer_id(self.obj) or self.object_id

    @property
    def service(self) -> str | None:
        """`stripe:<account id>` for events of a connected account (Connect), else None:
        an account's own events name no account."""
        account = line(self.body.get("account"), 100)
        return f"stripe:{account}" if account else None

    @property
    def test_mode(self) -> bool:
        return self.body.get("livemode") is False

    @property
    def created(self) -> datetime | None:
        return parse_time(self.body.get("created"))

    def home(self) -> str | None:
        """The object's page in the Dashboard, else the event's."""
        base = "https://dashboard.stripe.com/" + ("test/" if self.test_mode else "")
        obj = self.obj
        kind, object_id = obj.get("object"), text(obj.get("id"), limit=255)
        page = _DASHBOARD_PAGES.get(kind) if isinstance(kind, str) else None
        if page and object_id:
            return f"{base}{page}/{quote(object_id, safe='')}"
        # Refunds and checkout sessions live on their payment's page.
        payment = text(obj.get("payment_intent")) or text(obj.get("charge"))
        if kind in {"refund", "checkout.session"} and payment:
            return f"{base}payments/{quote(payment, safe='')}"
        event_id = text(self.body.get("id"), limit=255)
        return f"{base}events/{quote(event_id, safe='')}" if event_id else None
