"""GitLab webhooks: a secret token or a signing token, and one readable event per delivery.

GitLab authenticates a webhook in one of two ways. The long-standing **secret token** is sent
as is in `X-Gitlab-Token` (a shared secret, compared in constant time, never stored). The newer
**signing token** (`whsec_…`) signs each delivery the Standard Webhooks way (`webhook-id`,
`webhook-timestamp`, `webhook-signature`); that check is the Standard Webhooks source's own.

The dedup key is `Idempotency-Key`, which GitLab keeps across retries of one delivery. The
`X-Gitlab-Event-UUID` header is deliberately not used: GitLab gives every event that one
request sends to one webhook the same value (and passes it on to webhooks triggered by a
receiver's API calls), so it would fold different events into one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.gitlab import things, titles, titles_ci, titles_system
from echodash.sources.gitlab.reader import Payload
from echodash.sources.kit.payload import (
    PayloadReader,
    line,
    load_json,
    load_json_quietly,
    not_an_object,
)
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    header_value,
    token_test,
)
from echodash.sources.kit.titles import TitleBook
from echodash.sources.standard import StandardWebhooksSource

AUTH_HEADER = "x-gitlab-token"
EVENT_HEADER = "x-gitlab-event"
SIGNATURE_HEADER = "webhook-signature"
SIGNING_KEY_PREFIX = "whsec_"
_HOOK_NAME = re.compile(r"[A-Za-z][A-Za-z ]{0,60}")
_STANDARD = StandardWebhooksSource()


class GitLabSource(Source):
    """Project, group and system webhooks of GitLab.com or a self-managed GitLab."""

    kind = "gitlab"
    name = "GitLab"
    order = 50
    icon = (
        '<path d="M12 22.5 2 13.6 4.6 3a1 1 0 0 1 1-.8h12.8a1 1 0 0 1 1 .8L22 13.6z" '
        'fill="currentColor"/>'
        '<path d="M9.5 7v7.5h5.2" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#d9480f", "#fb8a5c")
    guide = Guide(
        "Project → Settings → Webhooks → Add new webhook",
        (
            "URL: {url}",
            "Secret token: {secret}",
            "Tick the triggers (push, merge request, pipeline, job, deployment, issue, "
            "note, release), then Add webhook and use Test.",
        ),
    )
    # The secret token travels in the clear: it is dropped before the delivery is stored.
    secret_headers = frozenset({AUTH_HEADER})

    signature_headers = (AUTH_HEADER, SIGNATURE_HEADER, EVENT_HEADER, "idempotency-key")
    titles = TitleBook.merged(titles.TITLES, titles_ci.TITLES, titles_system.TITLES)

    @property
    def signature_label(self) -> str:
        return "X-Gitlab-Token"

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Standard Webhooks signature (signing token), else `X-Gitlab-Token` (secret token)."""
        signature = _header(headers, SIGNATURE_HEADER)
        token = _header(headers, AUTH_HEADER)
        # A webhook may carry both tokens; the signature decides whenever the endpoint holds a
        # signing key, and the plain token is used only by an endpoint that knows no signing key.
        signing_keys = any(isinstance(s, str) and s.startswith(SIGNING_KEY_PREFIX) for s in secrets)
        if signature is not None and (token is None or signing_keys):
            return _STANDARD.verify(headers, body, secrets)
        return super().verify(headers, body, secrets)

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """The secret token itself, in `X-Gitlab-Token`, compared in constant time."""
        try:
            value = header_value(headers, AUTH_HEADER, "X-Gitlab-Token")
        except SignatureError:
            raise SignatureError(
                "missing_signature",
                "no X-Gitlab-Token or webhook-signature header; "
                "set a secret token or a signing token on the GitLab webhook",
            ) from None
        return token_test(value, "X-Gitlab-Token")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        # GitLab 17.4 and later; the signing mode's `webhook-id` carries the same value. Older
        # GitLab sends neither: the receiver then keys on a hash of the body.
        return _header(headers, "idempotency-key") or _header(headers, "webhook-id")

    def thing_id(self, headers: Headers, body: bytes) -> str | None:
        return things.thing_id(body)

    def read(self, headers: Headers, body: bytes) -> Payload | None:
        document = load_json(headers, body)
        if not isinstance(document, dict):
            return None
        return Payload(object_kind(document) or _kind_from_header(headers) or "unknown", document)

    def minimal(self, reader: PayloadReader) -> EventDraft:
        name = reader.name if isinstance(reader, Payload) else "unknown"
        return EventDraft(type=name, title=f"GitLab sent a {name} event")

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        hook_kind = _kind_from_header(headers)
        what = f"a {hook_kind} delivery" if hook_kind else "a delivery"
        document = load_json_quietly(headers, body)
        return not_an_object("GitLab", document, what, hook_kind or "unknown")


def _header(headers: Headers, name: str) -> str | None:
    value = headers.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def object_kind(document: dict[str, Any]) -> str | None:
    """`object_kind`; system hooks name most events in `event_name` instead."""
    for key in ("object_kind", "event_name", "event_type"):
        found = line(document.get(key), 60)
        if found and re.fullmatch(r"[a-z][a-z0-9_]*", found):
            return found
    return None


def _kind_from_header(headers: Headers) -> str | None:
    """`Merge Request Hook` → `merge_request`; `Job Hook` → `build` (its `object_kind`)."""
    value = _header(headers, EVENT_HEADER)
    if value is None or not _HOOK_NAME.fullmatch(value):
        return None
    name = value.lower().removesuffix(" hook").strip().replace(" ", "_")
    return "build" if name == "job" else name or None
