"""Slack's Events API: `v0` request signatures, the URL-verification challenge, readable events.

Without a call to Slack's Web API only ids are known (users `U…`, channels `C…`, bots `B…`):
titles show them the way Slack writes them (`<@U123>`, `#C456`) and never fetch names.
"""

from __future__ import annotations

import logging
import re
import secrets as _secrets
import time
from collections.abc import Sequence

from echodash.events import EventDraft
from echodash.sources.base import Guide, Handshake, Headers, SignatureError, Source
from echodash.sources.digest import match_hex_hmac
from echodash.sources.payload import line, load_json_quietly, not_an_object
from echodash.sources.slack_titles import envelope

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=([0-9a-fA-F]{64})", re.ASCII)
# Slack's message markup: <@U123>, <@U123|name>, <#C123|general>, <!here>, <https://…|label>.


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
    secret_headers = frozenset({SIGNATURE_HEADER})

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Check `X-Slack-Request-Timestamp` (±5 min) and the `v0=` HMAC of `v0:{ts}:{body}`."""
        return check_signature(headers, body, secrets)

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """Slack's `url_verification` request, answered with its challenge once it is signed."""
        try:
            if b"url_verification" not in bytes(body):  # the common case, without parsing
                return None
        except Exception:
            return None
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict) or document.get("type") != "url_verification":
            return None
        # Slack signs the challenge like any delivery; an unsigned one proves nothing.
        check_signature(headers, body, secrets)
        challenge = document.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise SignatureError("malformed_body", "the url_verification body has no challenge")
        return Handshake(answer={"challenge": challenge})

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        """The body's `event_id`: Slack's retries (`X-Slack-Retry-Num`) carry the same one."""
        document = load_json_quietly(headers, body)
        value = document.get("event_id") if isinstance(document, dict) else None
        return (value.strip()[:200] or None) if isinstance(value, str) else None

    def generate_secret(self) -> str:
        # A placeholder until the user pastes the app's Signing Secret (32 hex digits too).
        return _secrets.token_hex(16)

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Slack", document)]
        try:
            return [envelope(document)]
        except Exception:
            logger.debug("slack: title failed", exc_info=True)
            kind = line(document.get("type"), 60) or "unknown"
            return [EventDraft(type=kind, title=f"Slack sent {kind}")]


def check_signature(headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
    """Index of the active secret that signed this request; SignatureError for anything else."""
    signature = _header(headers, SIGNATURE_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if not signature:
        raise SignatureError("missing_signature", "the X-Slack-Signature header is missing")
    if not timestamp:
        raise SignatureError("missing_signature", "the X-Slack-Request-Timestamp header is missing")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("malformed_signature", "X-Slack-Request-Timestamp is not Unix seconds")
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError(
            "stale_timestamp", f"signed at {timestamp}, outside ±{TOLERANCE_SECONDS} s of now"
        )
    found = _SIGNATURE.fullmatch(signature)
    if found is None:
        raise SignatureError(
            "malformed_signature", "X-Slack-Signature is not v0= and 64 hex digits"
        )
    try:
        base = b"v0:" + timestamp.encode("ascii") + b":" + bytes(body)
        matched = match_hex_hmac(found.group(1), base, secrets)
    except Exception:  # an odd secret or body: refused, never a 500
        logger.debug("X-Slack-Signature: check failed", exc_info=True)
        matched = None
    if matched is None:
        raise SignatureError("bad_signature", "X-Slack-Signature does not match any active secret")
    return matched


def _header(headers: Headers, name: str) -> str:
    try:
        value = headers.get(name)
    except Exception:
        return ""
    return value.strip() if isinstance(value, str) else ""


# ---- reading payloads ----------------------------------------------------------------------
