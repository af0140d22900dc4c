"""Standard Webhooks (Svix, Clerk, Resend, OpenAI…), verified with the standardwebhooks package."""

from __future__ import annotations

import base64
import binascii
import re
import secrets as _secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks.webhooks import (
    EmptyWebhookSecretError,
    Webhook,
    WebhookVerificationError,
)

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.kit.payload import load_json, parse_time
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    check_window,
)
from echodash.sources.standard.reader import SENDER, Message
from echodash.sources.standard.titles import TITLES

TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# What the library raises for a secret that is not a whsec_<base64> key.
_UNUSABLE = (ValueError, TypeError, RuntimeError, EmptyWebhookSecretError)


class StandardWebhooksSource(Source):
    """Senders that sign the Standard Webhooks way."""

    kind = "standard"
    name = "Standard Webhooks"
    order = 100
    icon = (
        '<rect x="4.2" y="4.2" width="15.6" height="15.6" rx="3" transform="rotate(45 12 12)" '
        'fill="currentColor"/>'
        '<path d="M8.2 12.2l2.6 2.6 5-5.2" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#0f766e", "#5eead4")
    guide = Guide(
        "The sending tool's webhook settings",
        (
            "URL: {url}",
            "Signing secret (Standard Webhooks, whsec_…): {secret} — or paste the "
            "sender's own secret below if it makes one.",
        ),
    )
    signature_headers = ("webhook-signature", "webhook-id", "webhook-timestamp")
    # The webhook-* headers carry an id, a time and signatures: nothing secret.
    secret_headers = frozenset()
    titles = TITLES

    @property
    def signature_label(self) -> str:
        return "webhook-signature"

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        test = self.signed_with(headers, body)
        # A secret that is no whsec_ key matches nothing; when the endpoint has only such
        # secrets, say so rather than "bad signature".
        if secrets and not any(_usable(secret) for secret in secrets):
            raise SignatureError(
                "malformed_signature", "the endpoint's secret is not a whsec_<base64> key"
            )
        return self.match(secrets, test)

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">[ v1,…]`, with
        the timestamp within ±5 minutes (checked first: a stale message is refused as such)."""
        values = {name: headers.get(name, "").strip() for name in _HEADERS}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise SignatureError("missing_signature", f"no {', '.join(missing)} header")
        timestamp = values["webhook-timestamp"]
        if not _TIMESTAMP.fullmatch(timestamp):
            raise SignatureError("malformed_signature", "webhook-timestamp is not Unix seconds")
        check_window(int(timestamp), TOLERANCE_SECONDS)
        signatures = _v1_signatures(values["webhook-signature"])
        if not signatures:
            raise SignatureError("malformed_signature", "no v1,<base64> entry in webhook-signature")
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("malformed_body", "the body is not UTF-8 text") from None
        # Only well-formed entries reach the library: it stops at the first malformed one.
        clean = {**values, "webhook-signature": " ".join(signatures)}

        def signs(secret: str) -> bool:
            try:
                webhook = Webhook(secret)
            except _UNUSABLE:
                return False
            try:
                webhook.verify(payload, clean, json_parse=False)
            except WebhookVerificationError:
                return False
            return True

        return signs

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return headers.get("webhook-id", "").strip() or None

    def generate_secret(self) -> str:
        return "whsec_" + base64.b64encode(_secrets.token_bytes(24)).decode("ascii")

    def read(self, headers: Headers, body: bytes) -> Message | None:
        document = load_json(headers, body)
        return Message(document, _sent_at(headers)) if isinstance(document, dict) else None

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        title = f"message from {SENDER} ({len(body)} bytes)"
        return EventDraft(type="message", title=title, occurred_at=_sent_at(headers))


def _usable(secret: str) -> bool:
    try:
        Webhook(secret)
    except _UNUSABLE:
        return False
    return True


def _v1_signatures(header: str) -> list[str]:
    """The well-formed `v1,<base64 of 32 bytes>` entries; other versions are ignored."""
    found = []
    for entry in header.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1":
            continue
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(decoded) == 32:
            found.append(f"v1,{value}")
    return found


def _sent_at(headers: Headers) -> datetime | None:
    value = headers.get("webhook-timestamp")
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value.strip()):
        return None
    return parse_time(int(value.strip()))
