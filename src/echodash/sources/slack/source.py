"""Slack's Events API: `v0` request signatures, the URL-verification challenge, readable events."""

from __future__ import annotations

import re
import secrets as _secrets
from collections.abc import Sequence

from echodash.sources._base import Guide, Handshake, Source
from echodash.sources.kit.payload import (
    delivery_key,
    load_json_quietly,
)
from echodash.sources.kit.signatures import (
    Headers,
    SecretTest,
    SignatureError,
    check_window,
    header_value,
    hex_hmac_test,
)
from echodash.sources.kit.titles import TitleBook
from echodash.sources.slack import titles, titles_app, titles_workspace
from echodash.sources.slack.reader import SlackEvent

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)


class SlackSource(Source):
    """Events API deliveries of one Slack app: messages, mentions, reactions, channels…"""

    kind = "slack"
    name = "Slack"
    order = 90
    icon = (
        '<path d="M5 2.5h14A3.5 3.5 0 0 1 22.5 6v8.5A3.5 3.5 0 0 1 19 18h-8l-5.5 4.3V18H5a3.5 '
        '3.5 0 0 1-3.5-3.5V6A3.5 3.5 0 0 1 5 2.5z" fill="currentColor"/>'
        '<g style="fill:var(--src-ink,#fff)"><circle cx="7.7" cy="10.3" r="1.5"/><circle cx="12" '
        'cy="10.3" r="1.5"/><circle cx="16.3" cy="10.3" r="1.5"/></g>'
    )
    colour = ("#611f69", "#e0a6e3")
    guide = Guide(
        "api.slack.com/apps → your app → Event Subscriptions",
        (
            "Request URL: {url} (EchoDash answers Slack's challenge by itself).",
            "Subscribe to the bot events you want, then Save Changes.",
            "Copy Basic Information → Signing Secret and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The app's Signing Secret",
    )
    signature_headers = (SIGNATURE_HEADER, TIMESTAMP_HEADER)
    secret_headers = frozenset({SIGNATURE_HEADER})
    titles = TitleBook.merged(titles.TITLES, titles_workspace.TITLES, titles_app.TITLES)
    reader = SlackEvent

    @property
    def signature_label(self) -> str:
        return "X-Slack-Signature"

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        """`X-Slack-Request-Timestamp` within ±5 minutes, and `X-Slack-Signature`: `v0=` and
        the hex HMAC-SHA256 of `v0:{timestamp}:{body}`."""
        signature = header_value(headers, SIGNATURE_HEADER, "X-Slack-Signature")
        timestamp = header_value(headers, TIMESTAMP_HEADER, "X-Slack-Request-Timestamp")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise SignatureError(
                "malformed_signature", "X-Slack-Request-Timestamp is not Unix seconds"
            )
        # Before the signature: a stale request is refused as stale, whoever signed it.
        check_window(int(timestamp), TOLERANCE_SECONDS)
        base = b"v0:" + timestamp.encode("ascii") + b":" + bytes(body)
        return hex_hmac_test(signature, "X-Slack-Signature", base, prefix="v0=")

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """Slack's `url_verification` request, answered with its challenge once it is signed."""
        if b"url_verification" not in bytes(body):  # the common case, without parsing
            return None
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict) or document.get("type") != "url_verification":
            return None
        # Slack signs the challenge like any delivery; an unsigned one proves nothing.
        self.verify(headers, body, secrets)
        challenge = document.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise SignatureError("malformed_body", "the url_verification body has no challenge")
        return Handshake(answer={"challenge": challenge})

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        """The body's `event_id`: Slack's retries (`X-Slack-Retry-Num`) carry the same one."""
        document = load_json_quietly(headers, body)
        return delivery_key(document.get("event_id")) if isinstance(document, dict) else None

    def generate_secret(self) -> str:
        # A placeholder until the user pastes the app's Signing Secret (32 hex digits too).
        return _secrets.token_hex(16)
