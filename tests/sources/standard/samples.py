"""Standard Webhooks deliveries as senders document them (Clerk, Resend, Svix's own
example), signed the Standard Webhooks way with a fresh timestamp."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

BODIES: list[dict[str, Any]] = [
    {
        "type": "user.created",
        "object": "event",
        "timestamp": 1654012591835,
        "data": {
            "id": "user_29w83sxmDNGwOuEthce5gg56FcC",
            "object": "user",
            "username": "example",
            "first_name": "Example",
            "email_addresses": [{"email_address": "example@example.org"}],
            "created_at": 1654012591514,
        },
    },
    {
        "type": "email.bounced",
        "created_at": "2024-11-22T23:41:12.126Z",
        "data": {
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "from": "Acme <onboarding@resend.dev>",
            "to": ["delivered@resend.dev"],
            "subject": "Sending this example",
            "created_at": "2024-11-22T23:41:11.894719+00:00",
            "bounce": {"type": "Permanent", "message": "The recipient's email was rejected."},
        },
    },
    {
        "type": "email.delivered",
        "created_at": "2024-02-22T23:41:12.126Z",
        "data": {
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "from": "Acme <onboarding@resend.dev>",
            "to": ["delivered@resend.dev"],
            "subject": "Sending this example",
        },
    },
    {"type": "invoice.paid", "data": {"id": "invoice_1", "amount": 4900, "status": "paid"}},
    {"test": 2432232314},
]


def _signed(body: bytes, index: int) -> dict[str, str]:
    msg_id = f"msg_2Kx7Yw0sample{index}"
    now = int(time.time())
    signature = Webhook(SECRET).sign(msg_id, datetime.fromtimestamp(now, UTC), body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(now),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def signed_samples() -> list[tuple[dict[str, str], bytes]]:
    """The samples signed now (a signature is good for 5 minutes: a test that verifies them
    signs its own, since a long run may reach it later than that after import)."""
    return [
        (_signed(body, index), body)
        for index, body in enumerate(json.dumps(doc).encode() for doc in BODIES)
    ]


SAMPLES: list[tuple[dict[str, str], bytes]] = signed_samples()
