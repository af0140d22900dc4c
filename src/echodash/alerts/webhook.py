"""Outbound alert webhooks, signed with the Standard Webhooks scheme.

The body is `{"type": "alert.firing" | "alert.resolved", "alert": {...}, "rule": {...}}`;
`webhook-id`, `webhook-timestamp` and `webhook-signature` are made by the `standardwebhooks`
package with the action's secret, so receivers verify with any Standard Webhooks library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from echodash.alerts.outbound import MAX_ANSWER
from echodash.alerts.ssrf import Blocked


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one try to notify got: shown on the destination's page, kept with the outbox."""

    ok: bool
    status: int | None  # the HTTP status, when there was an answer
    answer: str  # the start of the answer, or why there was none


def signed(
    message_id: str, body: bytes, secret: str | None, now: datetime | None = None
) -> dict[str, str]:
    """The headers of one delivery (the signature only when the action has a secret)."""
    moment = now or datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
    }
    if secret:
        headers["webhook-signature"] = Webhook(secret).sign(
            message_id, moment, body.decode("utf-8")
        )
    return headers


def body_of(kind: str, alert: dict[str, Any], rule: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "alert": alert, "rule": rule})


async def post(
    client: httpx.AsyncClient, url: str, message_id: str, body: bytes, secret: str | None
) -> Attempt:
    """One delivery attempt: 2xx is success; anything else (a redirect included) is a failure
    to retry, with what the receiver said."""
    try:
        response = await client.post(url, content=body, headers=signed(message_id, body, secret))
    except Blocked as blocked:
        return Attempt(False, None, f"blocked: {blocked}")
    except httpx.HTTPError as error:
        return Attempt(False, None, f"{type(error).__name__}: {error}"[:MAX_ANSWER])
    answer = response.text[:MAX_ANSWER]
    if 300 <= response.status_code < 400:
        answer = f"redirect to {response.headers.get('location', '?')} not followed"
    return Attempt(200 <= response.status_code < 300, response.status_code, answer)
