"""GitHub webhooks: HMAC-SHA256 signatures, delivery ids, and one readable event per delivery."""

from __future__ import annotations

from typing import Any

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.github import (
    things,
    titles,
    titles_admin,
    titles_checks,
    titles_code,
    titles_security,
)
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import PayloadReader, line, load_json, not_an_object
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    header_value,
    hex_hmac_test,
)
from echodash.sources.kit.titles import TitleBook

SIGNATURE_HEADER = "x-hub-signature-256"
_FORM = {"content-type": "application/x-www-form-urlencoded"}


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
    signature_headers = (SIGNATURE_HEADER, "x-github-event", "x-github-delivery")
    # GitHub sends no credential, only signatures of the body: every header is kept.
    secret_headers = frozenset()
    titles = TitleBook.merged(
        titles.TITLES,
        titles_code.TITLES,
        titles_checks.TITLES,
        titles_security.TITLES,
        titles_admin.TITLES,
    )

    @property
    def signature_label(self) -> str:
        return "X-Hub-Signature-256"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the body."""
        try:
            value = header_value(headers, SIGNATURE_HEADER, "X-Hub-Signature-256")
        except SignatureError as missing:
            legacy = " (only the legacy SHA-1 X-Hub-Signature was sent)"
            raise SignatureError(
                "missing_signature",
                missing.detail
                + (legacy if headers.get("x-hub-signature") else "")
                + "; set a secret on the webhook",
            ) from None
        return hex_hmac_test(value, "X-Hub-Signature-256", bytes(body), prefix="sha256=")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        value = headers.get("x-github-delivery")
        return (value.strip() or None) if isinstance(value, str) else None

    def thing_id(self, headers: Headers, body: bytes) -> str | None:
        return things.thing_id(_event_name(headers), body)

    def read(self, headers: Headers, body: bytes) -> Payload | None:
        document = _document(headers, body)
        return Payload(_event_name(headers), document) if isinstance(document, dict) else None

    def minimal(self, reader: PayloadReader) -> EventDraft:
        event = getattr(reader, "event", "unknown")
        return EventDraft(type=event, title=f"GitHub sent {_a(event)} event")

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        event = _event_name(headers)
        delivery = f"{_a(event)} delivery" if event != "unknown" else "a delivery"
        return not_an_object("GitHub", _document(headers, body), delivery, event)


def _event_name(headers: Headers) -> str:
    value = headers.get("x-github-event")
    name = line(value, 100) if isinstance(value, str) else None
    return name or "unknown"


def _document(headers: Headers, body: bytes) -> Any:
    """The delivery's JSON, also when a form-encoded body arrives without its content type."""
    document = load_json(headers, body)
    if document is None and body.startswith(b"payload="):
        document = load_json(_FORM, body)
    return document


def _a(event: str) -> str:
    return ("an " if event[:1].lower() in ("a", "e", "i", "o", "u") else "a ") + event
