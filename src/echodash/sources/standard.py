"""Standard Webhooks (Svix, Clerk, Resend, OpenAI…), verified with the standardwebhooks package."""

from __future__ import annotations

import base64
import binascii
import re
import secrets as _secrets
import time
from collections.abc import Sequence
from dataclasses import replace

from standardwebhooks.webhooks import (
    EmptyWebhookSecretError,
    Webhook,
    WebhookVerificationError,
)

from echodash.events import EventDraft
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.keyfacts import key_facts
from echodash.sources.payload import load_json, parse_time, text

TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SENDER = "Standard Webhooks sender"


class StandardWebhooksSource(Source):
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

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        message_id = headers.get("webhook-id", "").strip()
        timestamp = headers.get("webhook-timestamp", "").strip()
        signature = headers.get("webhook-signature", "").strip()
        missing = [
            name
            for name, value in (
                ("webhook-id", message_id),
                ("webhook-timestamp", timestamp),
                ("webhook-signature", signature),
            )
            if not value
        ]
        if missing:
            raise SignatureError("missing_signature", f"no {', '.join(missing)} header")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise SignatureError("malformed_signature", "webhook-timestamp is not Unix seconds")
        if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
            raise SignatureError(
                "stale_timestamp", f"signed at {timestamp}, outside ±{TOLERANCE_SECONDS} s"
            )
        signatures = _v1_signatures(signature)
        if not signatures:
            raise SignatureError("malformed_signature", "no v1,<base64> entry in webhook-signature")
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("malformed_body", "the body is not UTF-8 text") from None
        # Only well-formed entries reach the library: it stops at the first malformed one.
        clean = {
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": " ".join(signatures),
        }
        usable = 0
        for index, secret in enumerate(secrets):
            try:
                webhook = Webhook(secret)
            except (ValueError, TypeError, RuntimeError, EmptyWebhookSecretError):
                continue  # not a whsec_<base64> key: it can match nothing
            usable += 1
            try:
                webhook.verify(payload, clean, json_parse=False)
            except WebhookVerificationError:
                continue
            return index
        if secrets and not usable:
            raise SignatureError(
                "malformed_signature", "the endpoint's secret is not a whsec_<base64> key"
            )
        raise SignatureError("bad_signature", "no v1 signature matches an active secret")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return headers.get("webhook-id", "").strip() or None

    def generate_secret(self) -> str:
        return "whsec_" + base64.b64encode(_secrets.token_bytes(24)).decode("ascii")

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        document = load_json(headers, body)
        sent_at = parse_time(_int_or_none(headers.get("webhook-timestamp")))
        if not isinstance(document, dict):
            title = f"message from {SENDER} ({len(body)} bytes)"
            return [EventDraft(type="message", title=title, occurred_at=sent_at)]
        event_type = text(document.get("type"), limit=100) or "message"
        data = document.get("data")
        facts = key_facts(data if isinstance(data, dict) else document, event_type)
        title = f"{event_type} from {SENDER}"
        if facts.headline:
            title += ": " + " · ".join(facts.headline)
        occurred_at = (
            parse_time(document.get("timestamp"))
            or parse_time(document.get("created_at"))
            or facts.occurred_at
            or sent_at
        )
        return [replace(facts.draft(event_type, title), occurred_at=occurred_at)]


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


def _int_or_none(value: str | None) -> int | None:
    if value is None or not _TIMESTAMP.fullmatch(value.strip()):
        return None
    return int(value.strip())
