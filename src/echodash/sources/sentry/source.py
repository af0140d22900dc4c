"""Sentry integration-platform webhooks: `Sentry-Hook-Signature` HMACs, readable issues/alerts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.kit.payload import (
    PayloadReader,
    line,
    load_json,
    load_json_quietly,
    not_an_object,
)
from echodash.sources.kit.signatures import Headers, SecretTest, header_value, hex_hmac_test
from echodash.sources.sentry import titles
from echodash.sources.sentry.reader import Payload

SIGNATURE_HEADER = "sentry-hook-signature"
RESOURCE_HEADER = "sentry-hook-resource"

# When the resource header is missing, the key under `data` tells the resource.
_DATA_KEYS = (
    ("issue", "issue"),
    ("error", "error"),
    ("event", "event_alert"),
    ("metric_alert", "metric_alert"),
    ("installation", "installation"),
    ("comment_id", "comment"),
)


class SentrySource(Source):
    """Webhooks of a Sentry internal (custom) integration: issues, errors, alerts, comments."""

    kind = "sentry"
    name = "Sentry"
    order = 60
    icon = (
        '<path d="M10.3 2.6a2 2 0 0 1 3.4 0l9 15.6a2 2 0 0 1-1.7 3H3a2 2 0 0 1-1.7-3z" '
        'fill="currentColor"/>'
        '<path d="M12 8.5v5.2" fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="2.4" '
        'stroke-linecap="round"/>'
        '<circle cx="12" cy="17.3" r="1.4" style="fill:var(--src-ink,#fff)"/>'
    )
    colour = ("#8a4aa0", "#d09be0")
    guide = Guide(
        "Settings → Developer Settings → your internal integration → Webhook URL",
        (
            "Webhook URL: {url}",
            "Enable Alert Rule Action and tick the resources (issue, error, …).",
            "Copy the integration's Client Secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The integration's Client Secret",
    )
    secret_headers = frozenset({SIGNATURE_HEADER})
    signature_headers = (SIGNATURE_HEADER, RESOURCE_HEADER, "request-id")
    titles = titles.TITLES

    @property
    def signature_label(self) -> str:
        return "Sentry-Hook-Signature"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`Sentry-Hook-Signature`: the hex HMAC-SHA256 of the body."""
        value = header_value(headers, SIGNATURE_HEADER, "Sentry-Hook-Signature")
        return hex_hmac_test(value, "Sentry-Hook-Signature", bytes(body))

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = headers.get("request-id")
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def read(self, headers: Headers, body: bytes) -> Payload | None:
        document = load_json(headers, body)
        if not isinstance(document, dict):
            return None
        resource = _header_resource(headers) or _guess_resource(document) or "unknown"
        return Payload(resource, document)

    def minimal(self, reader: PayloadReader) -> EventDraft:
        return EventDraft(type=reader.type, title=f"Sentry sent {reader.type}")

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        resource = _header_resource(headers) or "unknown"
        document = load_json_quietly(headers, body)
        return not_an_object("Sentry", document, f"a {resource} delivery", resource)


def _header_resource(headers: Headers) -> str | None:
    value = headers.get(RESOURCE_HEADER)
    return line(value, 60) if isinstance(value, str) else None


def _guess_resource(document: Mapping[str, Any]) -> str | None:
    data = document.get("data")
    if isinstance(data, dict):
        for key, resource in _DATA_KEYS:
            if key in data:
                return resource
    return None
