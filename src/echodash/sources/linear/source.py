"""Linear webhooks: `Linear-Signature` HMACs, the signed `webhookTimestamp`, readable changes."""

from __future__ import annotations

import math

from echodash.sources._base import Guide, Source
from echodash.sources.kit.payload import (
    delivery_key,
    load_json,
)
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    check_window,
    header_value,
    hex_hmac_test,
)
from echodash.sources.linear import titles
from echodash.sources.linear.reader import Change

SIGNATURE_HEADER = "linear-signature"
TOLERANCE_SECONDS = 60
_JSON: dict[str, str] = {}


class LinearSource(Source):
    """Data-change webhooks of a Linear workspace: issues, comments, projects, cycles…"""

    kind = "linear"
    name = "Linear"
    order = 70
    icon = (
        '<rect x="1" y="1" width="22" height="22" rx="5" fill="currentColor"/>'
        '<path d="M7 8h10M7 12h10M7 16h6" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.2" stroke-linecap="round"/>'
    )
    colour = ("#4f5bd5", "#9aa4f0")
    guide = Guide(
        "Settings → API → Webhooks → New webhook",
        (
            "URL: {url}",
            "Pick the data change events (issues, comments, projects, cycles…), then Create.",
            "Copy the webhook's signing secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="Linear's signing secret",
    )
    signature_headers = (SIGNATURE_HEADER, "linear-delivery", "linear-event")
    secret_headers = frozenset({SIGNATURE_HEADER})
    titles = titles.TITLES
    reader = Change

    @property
    def signature_label(self) -> str:
        return "Linear-Signature"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`Linear-Signature`: the hex HMAC-SHA256 of the body."""
        value = header_value(headers, SIGNATURE_HEADER, "Linear-Signature")
        return hex_hmac_test(value, "Linear-Signature", bytes(body))

    def check_fresh(self, headers: Headers, body: bytes) -> None:
        """The signed body's `webhookTimestamp` (Unix milliseconds) must be within ±60 s."""
        sent = _webhook_timestamp(body)
        if sent is None:
            raise SignatureError(
                "malformed_body", "the body has no webhookTimestamp (Unix milliseconds)"
            )
        check_window(sent / 1000.0, TOLERANCE_SECONDS, "webhookTimestamp")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return delivery_key(headers.get("linear-delivery"))


def _webhook_timestamp(body: bytes) -> float | None:
    document = load_json(_JSON, bytes(body))
    value = document.get("webhookTimestamp") if isinstance(document, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None
