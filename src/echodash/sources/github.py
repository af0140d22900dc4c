"""GitHub webhooks: HMAC-SHA256 signatures, delivery ids, and one readable event per delivery."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Sequence
from typing import Any

from echodash.events import EventDraft
from echodash.sources import github_checks, github_code, github_titles
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.digest import hmac_digest
from echodash.sources.github_titles import Builder, Payload, generic
from echodash.sources.payload import line, load_json, not_an_object

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"
_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})", re.ASCII | re.IGNORECASE)
_FORM = {"content-type": "application/x-www-form-urlencoded"}

BUILDERS: dict[str, Builder] = {
    **github_titles.BUILDERS,
    **github_code.BUILDERS,
    **github_checks.BUILDERS,
}


class GitHubSource(Source):
    """Repository, organization and GitHub App webhooks."""

    kind = "github"
    name = "GitHub"
    order = 10
    icon = (
        '<circle cx="12" cy="12" r="11" fill="currentColor"/>'
        '<path d="M16.2 8.6A5 5 0 1 0 17 12.6h-4.4" fill="none" '
        'style="stroke:var(--src-ink,#fff)" stroke-width="2.4" stroke-linecap="round" '
        'stroke-linejoin="round"/>'
    )
    colour = ("#1f2328", "#d1d7e0")
    guide = Guide(
        "Repository or organization → Settings → Webhooks → Add webhook",
        (
            "Payload URL: {url}",
            "Content type: application/json",
            "Secret: {secret}",
            "Choose “Send me everything”, or pick the events you want, then Add webhook.",
            "GitHub sends a ping at once: it appears in the feed within a second.",
        ),
    )
    # GitHub sends no credential, only signatures of the body: every header is kept.
    secret_headers = frozenset()

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Match `X-Hub-Signature-256` against each active secret; return the matching index."""
        header = headers.get(SIGNATURE_HEADER)
        if not isinstance(header, str) or not header.strip():
            detail = "the X-Hub-Signature-256 header is missing"
            if headers.get("x-hub-signature"):
                detail += " (only the legacy SHA-1 X-Hub-Signature was sent)"
            raise SignatureError("missing_signature", detail + "; set a secret on the webhook")
        match = _SIGNATURE.fullmatch(header.strip())
        if match is None:
            raise SignatureError(
                "malformed_signature", "X-Hub-Signature-256 is not sha256= and 64 hex digits"
            )
        received = bytes.fromhex(match.group(1))
        matched: int | None = None
        # Every secret is tried, so the time taken does not depend on which one matches.
        for index, secret in enumerate(secrets):
            key = secret.encode("utf-8", "surrogatepass") if isinstance(secret, str) else b""
            if not key:  # an empty key would accept anyone's signature
                continue
            expected = hmac_digest(key, body)
            if hmac.compare_digest(expected, received) and matched is None:
                matched = index
        if matched is None:
            raise SignatureError(
                "bad_signature", "X-Hub-Signature-256 does not match any active secret"
            )
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = headers.get("x-github-delivery")
        return (value.strip() or None) if isinstance(value, str) else None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        event = _event_name(headers)
        document = _document(headers, body)
        if not isinstance(document, dict):
            return [_undecodable(event, document)]
        payload = Payload(event, document)
        builder = BUILDERS.get(event)
        if builder is not None:
            try:
                return [builder(payload)]
            except Exception:  # an unexpected payload shape: a generic title still shows it
                logger.debug("github %s: specific title failed", event, exc_info=True)
        try:
            return [generic(payload)]
        except Exception:
            logger.debug("github %s: generic title failed", event, exc_info=True)
            return [EventDraft(type=event, title=f"GitHub sent {_a(event)} event")]


def _event_name(headers: Headers) -> str:
    value = headers.get("x-github-event")
    name = line(value, 100) if isinstance(value, str) else None
    return name or "unknown"


def _document(headers: Headers, body: bytes) -> Any:
    """The delivery's JSON, also when a form-encoded body arrives without its content type."""
    try:
        document = load_json(headers, body)
        if document is None and body.startswith(b"payload="):
            document = load_json(_FORM, body)
        return document
    except Exception:  # odd header values or bytes: treated as a body that is not JSON
        return None


def _undecodable(event: str, document: Any) -> EventDraft:
    delivery = f"{_a(event)} delivery" if event != "unknown" else "a delivery"
    return not_an_object("GitHub", document, delivery, event)


def _a(event: str) -> str:
    return ("an " if event[:1].lower() in ("a", "e", "i", "o", "u") else "a ") + event
