"""Stripe: `Stripe-Signature` verification with the stripe package, readable billing events."""

from __future__ import annotations

import re
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import stripe as stripe_sdk

from echodash.events import EventDraft, FieldValue
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.payload import dig, load_json, parse_time, text
from echodash.sources.stripe_titles import customer_id, describe, severity

TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_V1 = re.compile(r"[0-9a-f]{64}")

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


class StripeSource(Source):
    kind = "stripe"
    name = "Stripe"
    order = 20
    icon = (
        '<rect x="1" y="1" width="22" height="22" rx="7" fill="currentColor"/>'
        '<path d="M15.6 8.2c-.7-.8-2-1.3-3.4-1.3-1.9 0-3.2.9-3.2 2.3 0 3.2 6.9 1.9 6.9 5 0 '
        '1.5-1.4 2.5-3.5 2.5-1.5 0-2.9-.6-3.8-1.5" fill="none" '
        'style="stroke:var(--src-ink,#fff)" stroke-width="2.3" stroke-linecap="round"/>'
    )
    colour = ("#635bff", "#a19cff")
    guide = Guide(
        "Dashboard → Developers → Webhooks → Add endpoint",
        (
            "Endpoint URL: {url}",
            "Select the events to send (for revenue metrics: customer.subscription.*, "
            "invoice.*, charge.*), then Add endpoint.",
            "Reveal the endpoint's Signing secret (whsec_…) and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="Stripe's signing secret, starting with whsec_",
    )

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        header = headers.get("stripe-signature", "").strip()
        if not header:
            raise SignatureError("missing_signature", "no Stripe-Signature header")
        timestamp, signatures = _parse_header(header)
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("malformed_body", "the body is not UTF-8 text") from None
        # Rebuilt from the validated parts, so the library only ever sees a well-formed header.
        canonical = ",".join([f"t={timestamp}", *(f"v1={sig}" for sig in signatures)])
        matched = _matching_secret(payload, canonical, secrets)
        if matched is None:
            raise SignatureError("bad_signature", "no v1 signature matches an active secret")
        # The library only refuses old timestamps, and reports that with the same exception
        # as a wrong signature; the window is checked here, in both directions.
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise SignatureError(
                "stale_timestamp", f"signed at {timestamp}, outside ±{TOLERANCE_SECONDS} s"
            )
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        document = load_json(headers, body)
        event_id = document.get("id") if isinstance(document, dict) else None
        return (event_id.strip() or None) if isinstance(event_id, str) else None

    def generate_secret(self) -> str:
        # A placeholder until the user pastes the secret Stripe generated for the endpoint.
        return "whsec_" + _secrets.token_urlsafe(32)

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        document = load_json(headers, body)
        if not isinstance(document, dict):
            title = f"Stripe sent a delivery EchoDash could not read ({len(body)} bytes)"
            return [EventDraft(type="unknown", title=title)]
        event_type = text(document.get("type"), limit=100) or "unknown"
        obj = dig(document, "data.object")
        obj = obj if isinstance(obj, dict) else {}
        previous = dig(document, "data.previous_attributes")
        previous = previous if isinstance(previous, dict) else {}
        object_id = text(obj.get("id"))
        tags = ("test",) if document.get("livemode") is False else ()
        described = describe(event_type, obj, previous)
        if described is None:
            title = f"Stripe sent {event_type}" + (f" for {object_id}" if object_id else "")
            kind = text(obj.get("object"))
            fields: dict[str, FieldValue] = {"object": kind} if kind else {}
            actor, summary = None, ""
        else:
            title, actor, summary = described.title, described.actor, described.summary
            fields = described.fields
        return [
            EventDraft(
                type=event_type,
                title=title,
                summary=summary,
                actor=actor,
                subject=customer_id(obj) or object_id,
                url=_dashboard_url(document, obj),
                occurred_at=parse_time(document.get("created")),
                severity=severity(event_type, obj),
                tags=tags,
                fields=fields,
            )
        ]


def _parse_header(header: str) -> tuple[int, list[str]]:
    """The timestamp and the v1 signatures of a `Stripe-Signature` header (v0 is ignored)."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and timestamp is None:
            if not _TIMESTAMP.fullmatch(value):
                raise SignatureError("malformed_signature", "the t= timestamp is not a number")
            timestamp = int(value)
        elif key == "v1" and _V1.fullmatch(value):
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("malformed_signature", "no t= timestamp in Stripe-Signature")
    if not signatures:
        raise SignatureError("malformed_signature", "no v1 signature in Stripe-Signature")
    return timestamp, signatures


def _matching_secret(payload: str, header: str, secrets: Sequence[str]) -> int | None:
    for index, secret in enumerate(secrets):
        if not secret.strip():
            continue
        try:
            stripe_sdk.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
        except stripe_sdk.SignatureVerificationError:
            continue
        return index
    return None


def _dashboard_url(document: Mapping[str, Any], obj: Mapping[str, Any]) -> str | None:
    base = "https://dashboard.stripe.com/"
    if document.get("livemode") is False:
        base += "test/"
    kind, object_id = obj.get("object"), text(obj.get("id"), limit=255)
    page = _DASHBOARD_PAGES.get(kind) if isinstance(kind, str) else None
    if page and object_id:
        return f"{base}{page}/{quote(object_id, safe='')}"
    # Refunds and checkout sessions live on their payment's page.
    payment = text(obj.get("payment_intent")) or text(obj.get("charge"))
    if kind in {"refund", "checkout.session"} and payment:
        return f"{base}payments/{quote(payment, safe='')}"
    event_id = text(document.get("id"), limit=255)
    return f"{base}events/{quote(event_id, safe='')}" if event_id else None
