"""Notion webhooks: the verification-token handshake, `X-Notion-Signature`, readable signals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import orjson

from echodash.events import FieldValue
from echodash.sources._base import Guide, Handshake, Source
from echodash.sources.kit.payload import (
    delivery_key,
    load_json_quietly,
)
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    header_value,
    hex_hmac_test,
)
from echodash.sources.notion import titles
from echodash.sources.notion.reader import REDACTED, TOKEN_FIELD, Signal, verification_token
from echodash.sources.notion.titles import VERIFICATION_TITLE

SIGNATURE_HEADER = "x-notion-signature"
SIGNATURE_PREFIX = "sha256="
_FORM = "application/x-www-form-urlencoded"


class NotionSource(Source):
    """An integration's webhook subscription: pages, databases, data sources and comments."""

    kind = "notion"
    name = "Notion"
    order = 30
    icon = (
        '<path d="M4 1.5h12.5L22.5 7.5V20a2.5 2.5 0 0 1-2.5 2.5H4A2.5 2.5 0 0 1 1.5 20V4A2.5 2.5 '
        '0 0 1 4 1.5z" fill="currentColor"/>'
        '<path d="M8 17V7.5l8 9.5V7.5" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#37352f", "#d3d1cb")
    guide = Guide(
        "My integrations → your integration → Webhooks → Create a subscription",
        (
            "Webhook URL: {url}",
            "Notion posts a verification token to EchoDash; it appears on this page, for admins. "
            "Paste it back into Notion's Verify dialog.",
        ),
        tool_makes_secret=True,
        paste_hint="Notion's verification token",
    )
    signature_headers = (SIGNATURE_HEADER,)
    secret_headers = frozenset({SIGNATURE_HEADER})
    secret_from_handshake = True
    titles = titles.TITLES
    reader = Signal

    @property
    def signature_label(self) -> str:
        return "X-Notion-Signature"

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """Notion's first, unsigned request hands over the token it will sign with."""
        if isinstance(headers.get(SIGNATURE_HEADER), str):
            return None  # signed (or claiming to be): a delivery, never a handshake
        token = verification_token(load_json_quietly(headers, body))
        if token is None:
            return None
        return Handshake(
            answer={"status": "accepted", "handshake": True},
            secret=token,
            keep=True,
            kept_body=_redacted_body(headers),
        )

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the token>`."""
        value = header_value(headers, SIGNATURE_HEADER, "X-Notion-Signature")
        if not value.lower().startswith(SIGNATURE_PREFIX):
            raise SignatureError(
                "malformed_signature", "X-Notion-Signature does not start with sha256="
            )
        return hex_hmac_test(value, "X-Notion-Signature", bytes(body), prefix=SIGNATURE_PREFIX)

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        document = load_json_quietly(headers, body)
        return delivery_key(document.get("id")) if isinstance(document, dict) else None


def _redacted_body(headers: Headers) -> bytes:
    """The handshake as it is kept: only the key, with REDACTED for the token (anything else
    in the body could repeat it), in the encoding it came in."""
    document = orjson.dumps({TOKEN_FIELD: REDACTED})
    content_type = headers.get("content-type")
    if isinstance(content_type, str) and content_type.split(";")[0].strip().lower() == _FORM:
        return urlencode({"payload": document.decode("utf-8")}).encode("ascii")
    return document


def redacted_handshake(headers: Headers, body: bytes) -> bytes | None:
    """A stored delivery's body with Notion's token taken out, or None when it holds none
    (not a handshake, or kept by this version). For what older versions stored."""
    if verification_token(load_json_quietly(headers, body)) is None:
        return None
    return _redacted_body(headers)


def redacted_fields(fields: Mapping[str, FieldValue]) -> dict[str, FieldValue] | None:
    """A verification event's fields with the token taken out, or None when they hold none.
    For what older versions stored."""
    if fields.get(TOKEN_FIELD) in (None, REDACTED):
        return None
    return {**fields, TOKEN_FIELD: REDACTED}


__all__ = ["VERIFICATION_TITLE", "NotionSource", "redacted_fields", "redacted_handshake"]
