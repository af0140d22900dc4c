"""Cloudflare Notifications webhooks: a shared-secret header, and readable alert events.

Cloudflare sends no delivery id and signs nothing: the `cf-webhook-auth` header carries the
destination's secret itself, and the dedup key is a hash of the body. Alerts that open and
close an incident arrive as a START and an END carrying the same `alert_correlation_id`.
"""

from __future__ import annotations

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source, body_hash_key
from echodash.sources.cloudflare import titles
from echodash.sources.cloudflare.reader import Payload
from echodash.sources.kit.payload import (
    PayloadReader,
)
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    header_value,
    token_test,
)

AUTH_HEADER = "cf-webhook-auth"


class CloudflareSource(Source):
    """Notification webhook destinations of a Cloudflare account."""

    kind = "cloudflare"
    name = "Cloudflare"
    order = 40
    icon = (
        '<path d="M6.5 19.5a5 5 0 0 1-.6-9.96A6.5 6.5 0 0 1 18.4 9a4.3 4.3 0 0 1-.3 10.5z" '
        'fill="currentColor"/>'
        '<path d="M8 15.5h8.5" fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="2" '
        'stroke-linecap="round"/>'
    )
    colour = ("#d9681a", "#f59e4f")
    guide = Guide(
        "Dashboard → Notifications → Destinations → Webhooks → Create",
        (
            "URL: {url}",
            "Secret: {secret}",
            "Save and Test: the test message appears in the feed.",
            "Then attach the destination to the notifications you want (origin health, "
            "DDoS, SSL, Workers, usage…).",
        ),
    )
    # The header is the secret itself: it is dropped before the delivery is stored.
    secret_headers = frozenset({AUTH_HEADER})
    signature_headers = (AUTH_HEADER,)
    titles = titles.TITLES
    reader = Payload
    delivery_noun = "a notification"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`cf-webhook-auth` carries the destination's secret itself (compared in constant
        time); nothing is signed."""
        try:
            value = header_value(headers, AUTH_HEADER, "cf-webhook-auth")
        except SignatureError:
            raise SignatureError(
                "missing_signature",
                "the cf-webhook-auth header is missing; set a secret on the Cloudflare webhook",
            ) from None
        return token_test(value, "cf-webhook-auth")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        # Cloudflare sends no id: identical bodies (same alert, same `ts`) are one delivery.
        return body_hash_key(body)

    def minimal(self, reader: PayloadReader) -> EventDraft:
        return EventDraft(type=reader.type, title=f"Cloudflare alert: {reader.type}")
