"""Stripe webhooks: `Stripe-Signature` checked with the stripe package, readable events."""

from __future__ import annotations

import re
import secrets as _secrets

import stripe as stripe_sdk

from echodash.sources._base import Guide, Source
from echodash.sources.kit.payload import load_json
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    check_window,
    header_value,
)
from echodash.sources.kit.titles import TitleBook
from echodash.sources.stripe import things, titles_billing, titles_payments, titles_platform
from echodash.sources.stripe.reader import StripeEvent

SIGNATURE_HEADER = "stripe-signature"
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_V1 = re.compile(r"[0-9a-f]{64}")


class StripeSource(Source):
    """Stripe account (and Connect) webhooks."""

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
    signature_headers = (SIGNATURE_HEADER,)
    # Stripe sends no credential, only a signature of the body: every header is kept.
    secret_headers = frozenset()
    titles = TitleBook.merged(titles_payments.TITLES, titles_billing.TITLES, titles_platform.TITLES)
    reader = StripeEvent

    @property
    def signature_label(self) -> str:
        return "Stripe-Signature"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`."""
        timestamp, signatures = _parse_header(
            header_value(headers, SIGNATURE_HEADER, "Stripe-Signature")
        )
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("malformed_body", "the body is not UTF-8 text") from None
        # Rebuilt from the validated parts, so the library only ever sees a well-formed header.
        canonical = ",".join([f"t={timestamp}", *(f"v1={sig}" for sig in signatures)])

        def signs(secret: str) -> bool:
            # The window is checked by `check_fresh`: the library would report an old
            # timestamp with the same exception as a wrong signature.
            try:
                stripe_sdk.WebhookSignature.verify_header(
                    payload, canonical, secret, tolerance=None
                )
            except stripe_sdk.SignatureVerificationError:
                return False
            return True

        return signs

    def check_fresh(self, headers: Headers, body: bytes) -> None:
        """Signed within ±5 minutes of now, in both directions."""
        timestamp, _ = _parse_header(header_value(headers, SIGNATURE_HEADER, "Stripe-Signature"))
        check_window(timestamp, TOLERANCE_SECONDS)

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        document = load_json(headers, body)
        event_id = document.get("id") if isinstance(document, dict) else None
        return (event_id.strip() or None) if isinstance(event_id, str) else None

    def thing_id(self, headers: Headers, body: bytes) -> str | None:
        return things.thing_id(body)

    def generate_secret(self) -> str:
        # A placeholder until the user pastes the secret Stripe generated for the endpoint.
        return "whsec_" + _secrets.token_urlsafe(32)


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
