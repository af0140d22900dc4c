"""What the Stripe tests share: real resources in Event envelopes, signed as Stripe signs."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import stripe

from echodash.sources import SignatureError
from echodash.sources.stripe import StripeSource
from tests.support import STRIPE_RESOURCES

SECRET = "whsec_test_secret_0123456789abcdef"
OLD_SECRET = "whsec_old_secret_fedcba9876543210"
FIXTURES = STRIPE_RESOURCES
RESOURCES: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
CREATED = 1_700_000_000  # 2023-11-14T22:13:20Z


def event_body(
    event_type: str,
    resource: str,
    *,
    livemode: bool = False,
    previous: dict[str, Any] | None = None,
    **changes: Any,
) -> bytes:
    obj = copy.deepcopy(RESOURCES[resource])
    obj.update(changes)
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    envelope = {
        "id": "evt_1TestEvent",
        "object": "event",
        "type": event_type,
        "created": CREATED,
        "livemode": livemode,
        "data": data,
    }
    return json.dumps(envelope).encode("utf-8")


def signed(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode("utf-8"), secret, timestamp=timestamp
    )
    return {"stripe-signature": header, "content-type": "application/json"}


def refused(headers: dict[str, str], body: bytes, secrets: list[str] | None = None) -> str:
    with pytest.raises(SignatureError) as caught:
        StripeSource().verify(headers, body, secrets if secrets is not None else [SECRET])
    return caught.value.reason
