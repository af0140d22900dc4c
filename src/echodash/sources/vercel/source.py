"""Vercel webhooks: HMAC-SHA1 signatures, event ids from the body, readable events."""

from __future__ import annotations

import hashlib

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.kit.payload import (
    PayloadReader,
    dig,
    load_json_quietly,
)
from echodash.sources.kit.signatures import Headers, SecretTest, header_value, hex_hmac_test
from echodash.sources.vercel import titles
from echodash.sources.vercel.reader import Payload

SIGNATURE_HEADER = "x-vercel-signature"


class VercelSource(Source):
    """Team and integration webhooks from Vercel."""

    kind = "vercel"
    name = "Vercel"
    order = 80
    icon = (
        '<path d="M12 1.2l9.4 5.4v10.8L12 22.8l-9.4-5.4V6.6z" fill="currentColor"/>'
        '<path d="M8 8l4 8.5L16 8" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#111111", "#ededed")
    guide = Guide(
        "Team Settings → Webhooks → Create webhook",
        (
            "Endpoint: {url}",
            "Pick the events (deployment.created, deployment.succeeded, deployment.error…) "
            "and projects, then Create.",
            "Copy the secret Vercel shows once and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The secret Vercel showed when you created the webhook",
    )
    # Vercel sends only a signature of the body, no credential: every header is kept.
    secret_headers = frozenset()
    signature_headers = (SIGNATURE_HEADER,)
    titles = titles.TITLES
    reader = Payload

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`x-vercel-signature`: the hex HMAC-SHA1 of the body (`sha1=` in front is allowed)."""
        value = header_value(headers, SIGNATURE_HEADER, "x-vercel-signature")
        return hex_hmac_test(
            value, "x-vercel-signature", bytes(body), hashlib.sha1, "sha1=", prefix_optional=True
        )

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = dig(load_json_quietly(headers, body), "id")
        if value is None or isinstance(value, (bool, dict, list)):
            return None
        return str(value).strip() or None

    def minimal(self, reader: PayloadReader) -> EventDraft:
        kind = reader.type
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        return EventDraft(type=kind, title=f"Vercel sent {article} {kind} event")
