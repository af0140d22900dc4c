"""Stripe: real objects in Event envelopes become readable lines."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import Severity
from echodash.sources.stripe import StripeSource
from echodash.sources.stripe.titles import money
from tests.sources.stripe.support import CREATED, RESOURCES, SECRET, event_body, signed


@pytest.fixture
def source() -> StripeSource:
    return StripeSource()


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (4900, "usd", "$49.00 USD"),
        (123456789, "usd", "$1,234,567.89 USD"),
        (5000, "jpy", "¥5,000 JPY"),
        (5000, "KRW", "5,000 KRW"),
        (1234, "kwd", "1.234 KWD"),
        (999, "eur", "€9.99 EUR"),
        (-250, "gbp", "-£2.50 GBP"),
        (1, "chf", "0.01 CHF"),
        (0, "usd", "$0.00 USD"),
    ],
)
def test_money_uses_the_currency_decimals(amount: int, currency: str, expected: str) -> None:
    assert money(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(None, "usd"), (1.5, "usd"), (True, "usd"), (100, None), (100, "currency"), (100, "u$d")],
)
def test_money_needs_an_integer_and_a_currency_code(amount: Any, currency: Any) -> None:
    assert money(amount, currency) is None


# --- parsing ------------------------------------------------------------------------------

CHARGE = "ch_1PgafuB7WZ01zgkWXYmPNZs8"
CUSTOMER = "cus_QXg1o8vcGmoR32"
INVOICE = "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
SUBSCRIPTION = "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw"
TEST_DASHBOARD = "https://dashboard.stripe.com/test/"

CASES: list[tuple[str, str, dict[str, Any], str, Severity, str | None, str]] = [
    # (type, resource, changes, title, severity, actor, url path)
    (
        "charge.succeeded",
        "charge",
        {"amount": 4900, "billing_details": {"email": "jenny@example.com"}},
        "Charge of $49.00 USD to jenny@example.com succeeded",
        Severity.SUCCESS,
        "jenny@example.com",
        f"payments/{CHARGE}",
    ),
    (
        "charge.failed",
        "charge",
        {
            "amount": 4900,
            "billing_details": {"email": "jenny@example.com"},
            "failure_code": "card_declined",
            "failure_message": "Your card was declined.",
            "status": "failed",
        },
        "Charge of $49.00 USD to jenny@example.com failed: card_declined",
        Severity.ERROR,
        "jenny@example.com",
        f"payments/{CHARGE}",
    ),
    (
        "charge.refunded",
        "charge",
        {"amount_refunded": 100},
        "Charge of $1.00 USD to Jenny Rosen refunded",
        Severity.INFO,
        "Jenny Rosen",
        f"payments/{CHARGE}",
    ),
    (
        "charge.refunded",
        "charge",
        {"amount": 5000, "amount_refunded": 1500},
        "Charge of $50.00 USD to Jenny Rosen partially refunded ($15.00 USD)",
        Severity.INFO,
        "Jenny Rosen",
        f"payments/{CHARGE}",
    ),
    (
        "charge.captured",
        "charge",
        {},
        "Charge of $1.00 USD to Jenny Rosen captured",
        Severity.INFO,
        "Jenny Rosen",
        f"payments/{CHARGE}",
    ),
    (
        "charge.dispute.created",
        "dispute",
        {"reason": "fraudulent"},
        f"Dispute opened on charge {CHARGE} for $10.00 USD: fraudulent",
        Severity.ERROR,
        None,
        "disputes/dp_1Pgc71B7WZ01zgkWMevJiAUx",
    ),
    (
        "charge.dispute.closed",
        "dispute",
        {"status": "lost"},
        f"Dispute on charge {CHARGE} for $10.00 USD closed: lost",
        Severity.WARNING,
        None,
        "disputes/dp_1Pgc71B7WZ01zgkWMevJiAUx",
    ),
    (
        "charge.dispute.closed",
        "dispute",
        {"status": "won"},
        f"Dispute on charge {CHARGE} for $10.00 USD closed: won",
        Severity.INFO,
        None,
        "disputes/dp_1Pgc71B7WZ01zgkWMevJiAUx",
    ),
    (
        "payment_intent.succeeded",
        "payment_intent",
        {"receipt_email": "jenny@example.com", "status": "succeeded"},
        "Payment of $10.99 USD from jenny@example.com succeeded",
        Severity.SUCCESS,
        "jenny@example.com",
        "payments/pi_1PgafyB7WZ01zgkWSjxsAJo3",
    ),
    (
        "payment_intent.payment_failed",
        "payment_intent",
        {"customer": CUSTOMER, "last_payment_error": {"code": "card_declined"}},
        f"Payment of $10.99 USD from {CUSTOMER} failed: card_declined",
        Severity.ERROR,
        CUSTOMER,
        "payments/pi_1PgafyB7WZ01zgkWSjxsAJo3",
    ),
    (
        "invoice.paid",
        "invoice",
        {"id": "in_123", "amount_paid": 12000, "customer_name": "Acme Inc", "status": "paid"},
        "Invoice in_123 for $120.00 USD paid by Acme Inc",
        Severity.SUCCESS,
        "Acme Inc",
        "invoices/in_123",
    ),
    (
        "invoice.payment_failed",
        "invoice",
        {"number": "7FE1103-0007", "attempt_count": 2, "customer_email": "ap@acme.test"},
        "Payment of $10.00 USD for invoice 7FE1103-0007 by ap@acme.test failed (attempt 2)",
        Severity.ERROR,
        "ap@acme.test",
        f"invoices/{INVOICE}",
    ),
    (
        "invoice.finalized",
        "invoice",
        {"customer_name": "Acme Inc"},
        f"Invoice {INVOICE} for $10.00 USD to Acme Inc finalized",
        Severity.INFO,
        "Acme Inc",
        f"invoices/{INVOICE}",
    ),
    (
        "invoice.upcoming",
        "invoice",
        {"customer_name": "Acme Inc", "total": 2000},
        "Upcoming invoice for $20.00 USD to Acme Inc",
        Severity.INFO,
        "Acme Inc",
        f"invoices/{INVOICE}",
    ),
    (
        "invoice.created",
        "invoice",
        {},
        f"Invoice {INVOICE} for $10.00 USD to {CUSTOMER} created",
        Severity.INFO,
        CUSTOMER,
        f"invoices/{INVOICE}",
    ),
    (
        "customer.subscription.created",
        "subscription",
        {},
        f"{CUSTOMER} subscribed to $20.00 USD/month",
        Severity.INFO,
        CUSTOMER,
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.subscription.created",
        "subscription",
        {"status": "trialing", "customer": {"id": CUSTOMER, "email": "jenny@example.com"}},
        "jenny@example.com subscribed to $20.00 USD/month (trialing)",
        Severity.INFO,
        "jenny@example.com",
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.subscription.deleted",
        "subscription",
        {"status": "canceled"},
        f"Subscription to $20.00 USD/month for {CUSTOMER} canceled",
        Severity.WARNING,
        CUSTOMER,
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.subscription.trial_will_end",
        "subscription",
        {"trial_end": 1_700_604_800},
        f"Trial of $20.00 USD/month for {CUSTOMER} ends on 2023-11-21",
        Severity.INFO,
        CUSTOMER,
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.subscription.paused",
        "subscription",
        {},
        f"Subscription to $20.00 USD/month for {CUSTOMER} paused",
        Severity.INFO,
        CUSTOMER,
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.subscription.resumed",
        "subscription",
        {},
        f"Subscription to $20.00 USD/month for {CUSTOMER} resumed",
        Severity.INFO,
        CUSTOMER,
        f"subscriptions/{SUBSCRIPTION}",
    ),
    (
        "customer.created",
        "customer",
        {"name": "Jenny Rosen", "email": "jenny@example.com"},
        "New customer Jenny Rosen (jenny@example.com)",
        Severity.INFO,
        "jenny@example.com",
        f"customers/{CUSTOMER}",
    ),
    (
        "customer.updated",
        "customer",
        {"name": "Jenny Rosen"},
        "Customer Jenny Rosen updated",
        Severity.INFO,
        "Jenny Rosen",
        f"customers/{CUSTOMER}",
    ),
    (
        "customer.deleted",
        "customer",
        {},
        f"Customer {CUSTOMER} deleted",
        Severity.INFO,
        CUSTOMER,
        f"customers/{CUSTOMER}",
    ),
    (
        "checkout.session.completed",
        "checkout.session",
        {"amount_total": 2000, "currency": "usd", "payment_status": "paid"},
        "Checkout by example@example.com for $20.00 USD completed (paid)",
        Severity.SUCCESS,
        "example@example.com",
        "payments/pi_1PgafyB7WZ01zgkWSjxsAJo3",
    ),
    (
        "checkout.session.async_payment_failed",
        "checkout.session",
        {"amount_total": 500000, "currency": "jpy"},
        "Checkout payment by example@example.com of ¥500,000 JPY failed",
        Severity.ERROR,
        "example@example.com",
        "payments/pi_1PgafyB7WZ01zgkWSjxsAJo3",
    ),
    (
        "checkout.session.expired",
        "checkout.session",
        {},
        "Checkout session by example@example.com expired",
        Severity.INFO,
        "example@example.com",
        "payments/pi_1PgafyB7WZ01zgkWSjxsAJo3",
    ),
    (
        "refund.created",
        "refund",
        {},
        f"Refund of $1.00 USD on {CHARGE} created",
        Severity.INFO,
        None,
        f"payments/{CHARGE}",
    ),
    (
        "charge.refund.updated",
        "refund",
        {"status": "failed"},
        f"Refund of $1.00 USD on {CHARGE} updated: failed",
        Severity.INFO,
        None,
        f"payments/{CHARGE}",
    ),
    (
        "payout.paid",
        "payout",
        {"status": "paid"},
        "Payout of $11.00 USD paid",
        Severity.SUCCESS,
        None,
        "payouts/po_1Pgc79B7WZ01zgkWu1KToYf4",
    ),
    (
        "payout.failed",
        "payout",
        {"failure_code": "account_closed"},
        "Payout of $11.00 USD failed: account_closed",
        Severity.ERROR,
        None,
        "payouts/po_1Pgc79B7WZ01zgkWu1KToYf4",
    ),
    (
        "payout.created",
        "payout",
        {"arrival_date": 1_700_179_200},
        "Payout of $11.00 USD created, arriving 2023-11-17",
        Severity.INFO,
        None,
        "payouts/po_1Pgc79B7WZ01zgkWu1KToYf4",
    ),
]


@pytest.mark.parametrize(
    ("event_type", "resource", "changes", "title", "severity", "actor", "path"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_signed_event_becomes_a_readable_line(
    source: StripeSource,
    event_type: str,
    resource: str,
    changes: dict[str, Any],
    title: str,
    severity: Severity,
    actor: str | None,
    path: str,
) -> None:
    body = event_body(event_type, resource, **changes)
    headers = signed(body)
    assert source.verify(headers, body, [SECRET]) == 0
    [draft] = source.parse(headers, body)
    assert draft.type == event_type
    assert draft.title == title
    assert draft.severity is severity
    assert draft.actor == actor
    assert draft.url == TEST_DASHBOARD + path
    assert draft.occurred_at == datetime.fromtimestamp(CREATED, UTC)
    assert draft.tags == ("test",)


def test_charge_failed_fields_and_summary(source: StripeSource) -> None:
    body = event_body(
        "charge.failed",
        "charge",
        amount=4900,
        customer=CUSTOMER,
        failure_code="card_declined",
        failure_message="Your card was declined.",
        status="failed",
    )
    [draft] = source.parse({}, body)
    assert draft.subject == CUSTOMER
    assert draft.summary == "Your card was declined."
    assert draft.fields == {
        "amount": "$49.00 USD",
        "currency": "USD",
        "status": "failed",
        "customer": CUSTOMER,
        "failure_code": "card_declined",
    }


def test_invoice_fields(source: StripeSource) -> None:
    body = event_body(
        "invoice.payment_failed", "invoice", number="INV-7", attempt_count=3, status="open"
    )
    [draft] = source.parse({}, body)
    assert draft.subject == CUSTOMER
    assert draft.fields == {
        "amount": "$10.00 USD",
        "currency": "USD",
        "status": "open",
        "customer": CUSTOMER,
        "number": "INV-7",
        "attempts": 3,
    }


def test_subscription_plan_nickname_and_interval(source: StripeSource) -> None:
    items = copy.deepcopy(RESOURCES["subscription"]["items"])
    items["data"][0]["price"].update(
        nickname="Pro", unit_amount=4900, recurring={"interval": "year", "interval_count": 1}
    )
    body = event_body("customer.subscription.created", "subscription", items=items)
    [draft] = source.parse({}, body)
    assert draft.title == f"{CUSTOMER} subscribed to Pro ($49.00 USD/year)"
    assert draft.fields["plan"] == "Pro ($49.00 USD/year)"
    items["data"][0]["price"].update(recurring={"interval": "month", "interval_count": 3})
    body = event_body("customer.subscription.deleted", "subscription", items=items)
    [draft] = source.parse({}, body)
    assert draft.title == f"Subscription to Pro ($49.00 USD/3 months) for {CUSTOMER} canceled"


@pytest.mark.parametrize(
    ("previous", "changes", "title"),
    [
        (
            {"status": "past_due"},
            {"status": "active"},
            f"Subscription to $20.00 USD/month for {CUSTOMER} is now active (was past due)",
        ),
        (
            {"cancel_at_period_end": False},
            {"cancel_at_period_end": True},
            f"Subscription to $20.00 USD/month for {CUSTOMER} will cancel at the end of the period",
        ),
        (
            {"cancel_at_period_end": True},
            {"cancel_at_period_end": False},
            f"Subscription to $20.00 USD/month for {CUSTOMER} will no longer cancel",
        ),
        (
            {"items": {"data": []}},
            {},
            f"Subscription for {CUSTOMER} changed to $20.00 USD/month",
        ),
        ({"metadata": {}}, {}, f"Subscription to $20.00 USD/month for {CUSTOMER} updated"),
    ],
)
def test_subscription_updates_say_what_changed(
    source: StripeSource, previous: dict[str, Any], changes: dict[str, Any], title: str
) -> None:
    body = event_body("customer.subscription.updated", "subscription", previous=previous, **changes)
    [draft] = source.parse({}, body)
    assert draft.title == title
    assert draft.severity is Severity.INFO


def test_live_events_link_to_the_live_dashboard(source: StripeSource) -> None:
    body = event_body("charge.succeeded", "charge", livemode=True)
    [draft] = source.parse({}, body)
    assert draft.url == f"https://dashboard.stripe.com/payments/{CHARGE}"
    assert draft.tags == ()


def test_prices_have_their_own_title(source: StripeSource) -> None:
    body = event_body("price.created", "price")
    [draft] = source.parse({}, body)
    assert draft.title == "Price $20.00 USD/month of product prod_QXg1hqf4jFNsqG created"
    assert draft.severity is Severity.INFO
    assert draft.url == TEST_DASHBOARD + "prices/price_1PgafmB7WZ01zgkW6dKueIc5"
    assert draft.fields["product"] == "prod_QXg1hqf4jFNsqG"


def test_unknown_type_gets_a_generic_title(source: StripeSource) -> None:
    body = event_body("price.archived_someday", "price")
    [draft] = source.parse({}, body)
    assert draft.title == "Stripe sent price.archived_someday for price_1PgafmB7WZ01zgkW6dKueIc5"
    assert draft.severity is Severity.INFO
    assert draft.url == TEST_DASHBOARD + "prices/price_1PgafmB7WZ01zgkW6dKueIc5"
    assert draft.fields == {"object": "price"}


def test_customer_sources_have_their_own_title(source: StripeSource) -> None:
    body = event_body("customer.source.created", "card")
    [draft] = source.parse({}, body)
    assert draft.title == "Visa ending 4242 added"


def test_known_type_with_another_object_gets_a_generic_title(source: StripeSource) -> None:
    body = event_body("customer.source.created", "charge")
    [draft] = source.parse({}, body)
    assert draft.title == f"Stripe sent customer.source.created for {CHARGE}"
    assert draft.url == TEST_DASHBOARD + f"payments/{CHARGE}"


@pytest.mark.parametrize(
    ("body", "title", "event_type"),
    [
        (b"", "Stripe sent a delivery that is not JSON", "unknown"),
        (b"[1,2]", "Stripe sent a delivery that is not a JSON object", "unknown"),
        (b"{}", "Stripe sent unknown", "unknown"),
        (b'{"type": "charge.failed"}', "Stripe sent charge.failed", "charge.failed"),
        (
            b'{"type": "charge.succeeded", "data": {"object": "ch_1"}}',
            "Stripe sent charge.succeeded",
            "charge.succeeded",
        ),
    ],
)
def test_odd_shapes_still_make_an_event(
    source: StripeSource, body: bytes, title: str, event_type: str
) -> None:
    [draft] = source.parse({}, body)
    assert draft.type == event_type
    assert draft.title == title


@settings(max_examples=300)
@given(body=st.binary(max_size=500), headers=st.dictionaries(st.text(), st.text(), max_size=3))
def test_parse_never_raises_on_bytes(body: bytes, headers: dict[str, str]) -> None:
    drafts = StripeSource().parse(headers, body)
    assert len(drafts) == 1
    assert drafts[0].title


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "amount",
                    "currency",
                    "customer",
                    "status",
                    "items",
                    "data",
                    "price",
                    "plan",
                    "nickname",
                    "recurring",
                    "interval",
                    "charge",
                    "email",
                    "name",
                    "billing_details",
                    "last_payment_error",
                    "code",
                    "trial_end",
                    "amount_refunded",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    event_type=st.sampled_from([case[0] for case in CASES] + ["customer.subscription.updated"]),
    obj=st.dictionaries(st.sampled_from(["amount", "currency", "status", "customer"]), _json)
    | _json,
    previous=_json,
    kind=st.sampled_from(
        [
            "charge",
            "dispute",
            "refund",
            "payment_intent",
            "invoice",
            "subscription",
            "customer",
            "checkout.session",
            "payout",
            7,
        ]
    ),
    livemode=st.sampled_from([True, False, None, "x"]),
    created=_json,
)
def test_parse_never_raises_on_odd_stripe_shapes(
    event_type: str, obj: Any, previous: Any, kind: Any, livemode: Any, created: Any
) -> None:
    if isinstance(obj, dict):
        obj = {**obj, "object": kind}
    envelope = {
        "id": "evt_x",
        "type": event_type,
        "livemode": livemode,
        "created": created,
        "data": {"object": obj, "previous_attributes": previous},
    }
    [draft] = StripeSource().parse({}, json.dumps(envelope).encode())
    assert draft.title
    assert draft.type == event_type
