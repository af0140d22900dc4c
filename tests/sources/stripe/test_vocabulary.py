"""Stripe: every documented type has its own line, and says the category, severity, outcome
and service a person filters and alerts on."""

from __future__ import annotations

import json

import pytest

from echodash.events import Category, Outcome, Severity
from echodash.sources.stripe import StripeSource
from tests.sources.stripe.samples import CONNECTED, SAMPLES, envelope, event_types
from tests.sources.stripe.support import event_body


def test_every_sample_type_gets_its_own_title_not_the_generic_line() -> None:
    source = StripeSource()
    generic = []
    for headers, body in SAMPLES:
        [draft] = source.parse(headers, body)
        if draft.title.startswith("Stripe sent"):
            generic.append(draft.type)
    assert generic == []
    assert len(SAMPLES) == len(set(event_types())) > 250


@pytest.mark.parametrize(
    ("event_type", "resource", "changes", "title", "severity", "category", "outcome"),
    [
        (
            "radar.early_fraud_warning.created",
            "radar.early_fraud_warning",
            {"charge": "ch_1", "fraud_type": "made_with_stolen_card", "actionable": True},
            "Early fraud warning on charge ch_1: made with stolen card "
            "(refund it to avoid a dispute)",
            Severity.ERROR,
            Category.PAYMENT,
            None,
        ),
        (
            "review.opened",
            "review",
            {"reason": "rule", "payment_intent": "pi_1"},
            "Radar review opened for payment pi_1: rule",
            Severity.WARNING,
            Category.PAYMENT,
            None,
        ),
        (
            "setup_intent.setup_failed",
            "setup_intent",
            {"customer": "cus_1", "last_setup_error": {"code": "card_declined"}},
            "Saving a payment method for cus_1 failed: card_declined",
            Severity.ERROR,
            Category.PAYMENT,
            Outcome.FAILURE,
        ),
        (
            "charge.dispute.funds_withdrawn",
            "dispute",
            {"charge": "ch_1"},
            "Dispute on charge ch_1 for $10.00 USD funds withdrawn",
            Severity.WARNING,
            Category.PAYMENT,
            None,
        ),
        (
            "payment_intent.requires_action",
            "payment_intent",
            {"receipt_email": "jenny@example.com"},
            "Payment of $10.99 USD from jenny@example.com needs the customer to authenticate",
            Severity.WARNING,
            Category.PAYMENT,
            None,
        ),
        (
            "payment_intent.canceled",
            "payment_intent",
            {"cancellation_reason": "abandoned"},
            "Payment of $10.99 USD canceled (abandoned)",
            Severity.INFO,
            Category.PAYMENT,
            Outcome.CANCELLED,
        ),
        (
            "payment_intent.succeeded",
            "payment_intent",
            {},
            "Payment of $10.99 USD succeeded",
            Severity.SUCCESS,
            Category.PAYMENT,
            Outcome.SUCCESS,
        ),
        (
            "subscription_schedule.aborted",
            "subscription_schedule",
            {"customer": "cus_1", "phases": []},
            "Subscription schedule for cus_1 aborted (the subscription ended in an unpaid state)",
            Severity.WARNING,
            Category.SUBSCRIPTION,
            Outcome.CANCELLED,
        ),
        (
            "customer.subscription.deleted",
            "subscription",
            {"customer": "cus_1"},
            "Subscription to $20.00 USD/month for cus_1 canceled",
            Severity.WARNING,
            Category.SUBSCRIPTION,
            Outcome.CANCELLED,
        ),
        (
            "product.updated",
            "product",
            {"name": "Pro", "active": False},
            "Product Pro updated (archived)",
            Severity.INFO,
            Category.CONFIG,
            None,
        ),
        (
            "coupon.created",
            "coupon",
            {"name": "Spring", "percent_off": 20, "duration": "repeating", "duration_in_months": 3},
            "Coupon Spring (20% off for 3 months) created",
            Severity.INFO,
            Category.CONFIG,
            None,
        ),
        (
            "promotion_code.created",
            "promotion_code",
            {"code": "SPRING20"},
            "Promotion code SPRING20 created",
            Severity.INFO,
            Category.CONFIG,
            None,
        ),
        (
            "invoice.overdue",
            "invoice",
            {"number": "INV-9", "customer_name": "Acme Inc"},
            "Invoice INV-9 for $10.00 USD to Acme Inc is overdue",
            Severity.WARNING,
            Category.PAYMENT,
            None,
        ),
        (
            "topup.failed",
            "topup",
            {"failure_code": "insufficient_funds"},
            "Top-up of $10.00 USD failed: insufficient_funds",
            Severity.ERROR,
            Category.PAYMENT,
            Outcome.FAILURE,
        ),
        (
            "billing.alert.triggered",
            "billing.alert_triggered",
            {},
            "Billing alert triggered",
            Severity.WARNING,
            Category.ALERT,
            None,
        ),
        (
            "test_helpers.test_clock.internal_failure",
            "test_helpers.test_clock",
            {"name": "Renewals"},
            "Test clock Renewals failed inside Stripe",
            Severity.ERROR,
            Category.OTHER,
            Outcome.FAILURE,
        ),
    ],
)
def test_types_people_must_look_at_stand_out(
    event_type: str,
    resource: str,
    changes: dict[str, object],
    title: str,
    severity: Severity,
    category: Category,
    outcome: Outcome | None,
) -> None:
    [draft] = StripeSource().parse({}, event_body(event_type, resource, **changes))
    assert (draft.title, draft.severity, draft.category, draft.outcome) == (
        title,
        severity,
        category,
        outcome,
    )


@pytest.mark.parametrize(
    ("status", "outcome"), [("lost", Outcome.FAILURE), ("won", Outcome.SUCCESS)]
)
def test_a_closed_dispute_says_whether_it_was_won(status: str, outcome: Outcome) -> None:
    body = event_body("charge.dispute.closed", "dispute", status=status)
    [draft] = StripeSource().parse({}, body)
    assert draft.outcome is outcome


def test_service_is_the_connected_account_when_stripe_names_one() -> None:
    source = StripeSource()
    [connected] = source.parse({}, envelope("charge.succeeded", "charge", account=CONNECTED))
    assert connected.service == f"stripe:{CONNECTED}"
    [own] = source.parse({}, envelope("charge.succeeded", "charge"))
    assert own.service is None
    assert own.environment is None


def test_an_unknown_type_of_a_known_family_keeps_the_family_category() -> None:
    body = json.dumps(
        {"id": "evt_1", "type": "customer.subscription.reshuffled", "data": {"object": {}}}
    ).encode()
    [draft] = StripeSource().parse({}, body)
    assert draft.title == "Stripe sent customer.subscription.reshuffled"
    assert draft.category is Category.SUBSCRIPTION
    assert draft.outcome is None


_ODD = {
    "amount": "12",
    "currency": 5,
    "customer": {"id": 3},
    "status": [],
    "name": {"x": 1},
    "charge": {"id": None},
    "items": {"data": "none"},
    "phases": "1",
    "available": [{"amount": None}],
    "card": "visa",
    "coupon": 7,
    "source": "src_1",
    "last_setup_error": "declined",
}


def test_every_type_with_odd_field_shapes_still_gets_one_line() -> None:
    source = StripeSource()
    for headers, body in SAMPLES:
        document = json.loads(body)
        document["data"]["object"] = {**document["data"]["object"], **_ODD}
        [draft] = source.parse(headers, json.dumps(document).encode())
        assert draft.type == document["type"]
        assert draft.title and draft.category is not None
