"""Each sender's own signature on a demo delivery, made at sending time (Stripe, Slack and
Linear sign the current time, which EchoDash checks within minutes; the event's own time stays
in the body). The schemes are specs/sources.md's, as each sender documents them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from echodash.demo.model import Sending


def _hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def signed(sending: Sending, secret: str, now: float | None = None) -> tuple[bytes, dict[str, str]]:
    """The body bytes and headers `sending`'s sender would post, signed with `secret`."""
    moment = time.time() if now is None else now
    document: dict[str, Any] = sending.body
    if sending.source == "linear":
        document = {**document, "webhookTimestamp": int(moment * 1000)}
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    headers = {"content-type": "application/json", "user-agent": "EchoDash-demo"}
    source = sending.source
    if source == "github":
        headers.update(
            {
                "x-github-event": sending.event,
                "x-github-delivery": sending.key,
                "x-hub-signature-256": "sha256=" + _hex(secret, body),
            }
        )
    elif source == "stripe":
        stamp = str(int(moment))
        signature = _hex(secret, stamp.encode() + b"." + body)
        headers["stripe-signature"] = f"t={stamp},v1={signature}"
    elif source == "notion":
        headers["x-notion-signature"] = "sha256=" + _hex(secret, body)
    elif source == "linear":
        headers.update(
            {
                "linear-signature": _hex(secret, body),
                "linear-delivery": sending.key,
                "linear-event": str(document.get("type", "")),
            }
        )
    elif source == "sentry":
        headers.update(
            {
                "sentry-hook-signature": _hex(secret, body),
                "sentry-hook-resource": sending.event,
                "sentry-hook-timestamp": str(int(moment)),
                "request-id": sending.key,
            }
        )
    elif source == "cloudflare":
        headers["cf-webhook-auth"] = secret
    elif source == "slack":
        stamp = str(int(moment))
        headers.update(
            {
                "x-slack-request-timestamp": stamp,
                "x-slack-signature": "v0=" + _hex(secret, f"v0:{stamp}:".encode() + body),
            }
        )
    else:
        raise ValueError(f"the demo does not send as {source}")
    return body, headers
