"""Stripe deliveries for every event type the sender builds: each type's resource from the
shared fixtures (Stripe's published OpenAPI examples) in an Event envelope, signed the way
Stripe signs. Connect types carry the connected `account`, as Stripe sends them."""

from __future__ import annotations

import copy
import json
from typing import Any

import stripe

from tests.support import STRIPE_RESOURCES

SECRET = "whsec_samples_secret_0123456789abcdef"
CREATED = 1_700_000_000
CONNECTED = "acct_1Nv0FGQ9RKHgCVdK"
RESOURCES: dict[str, Any] = json.loads(STRIPE_RESOURCES.read_text())["resources"]

# Two families have no example in the fixtures: small objects with the fields Stripe documents.
_MADE: dict[str, dict[str, Any]] = {
    "apps.install": {"id": "appinst_1Pq2RsB7WZ01zgkW", "object": "apps.install"},
    "three_d_secure.authentication": {
        "id": "threeds_1Pq2RsB7WZ01zgkW",
        "object": "three_d_secure.authentication",
        "amount": 2500,
        "currency": "eur",
        "livemode": False,
    },
}

# (resource, type prefix, the types' last parts): Stripe's event types, by the object each
# one carries in `data.object`.
TYPES: tuple[tuple[str, str, str], ...] = (
    ("application", "account.application.", "authorized deauthorized"),
    ("bank_account", "account.external_account.", "created deleted updated"),
    ("account", "account.", "updated"),
    ("application_fee", "application_fee.", "created refunded"),
    ("fee_refund", "application_fee.refund.", "updated"),
    ("apps.install", "apps.install.", "created deleted updated"),
    ("balance", "balance.", "available"),
    ("balance_settings", "balance_settings.", "updated"),
    ("billing.alert_triggered", "billing.alert.", "triggered"),
    ("billing.credit_balance_transaction", "billing.credit_balance_transaction.", "created"),
    ("billing.credit_grant", "billing.credit_grant.", "created updated"),
    ("billing.meter", "billing.meter.", "created deactivated reactivated updated"),
    ("billing_portal.configuration", "billing_portal.configuration.", "created updated"),
    ("billing_portal.session", "billing_portal.session.", "created"),
    ("capability", "capability.", "updated"),
    ("cash_balance", "cash_balance.", "funds_available"),
    ("charge", "charge.", "captured expired failed pending refunded succeeded updated"),
    ("dispute", "charge.dispute.", "closed created funds_reinstated funds_withdrawn updated"),
    ("refund", "charge.refund.", "updated"),
    (
        "checkout.session",
        "checkout.session.",
        "async_payment_failed async_payment_succeeded completed expired",
    ),
    ("climate.order", "climate.order.", "canceled created delayed delivered product_substituted"),
    ("climate.product", "climate.product.", "created pricing_updated"),
    ("coupon", "coupon.", "created deleted updated"),
    ("credit_note", "credit_note.", "created updated voided"),
    ("customer", "customer.", "created deleted updated"),
    ("discount", "customer.discount.", "created deleted updated"),
    ("card", "customer.source.", "created deleted expiring updated"),
    (
        "subscription",
        "customer.subscription.",
        "created deleted paused pending_update_applied pending_update_expired "
        "resumed trial_will_end updated",
    ),
    ("tax_id", "customer.tax_id.", "created deleted updated"),
    ("customer_cash_balance_transaction", "customer_cash_balance_transaction.", "created"),
    (
        "entitlements.active_entitlement_summary",
        "entitlements.active_entitlement_summary.",
        "updated",
    ),
    ("file", "file.", "created"),
    (
        "financial_connections.account",
        "financial_connections.account.",
        "account_numbers_updated created deactivated disconnected "
        "expected_deactivation_date_updated reactivated refreshed_balance "
        "refreshed_ownership refreshed_transactions "
        "supported_payment_method_types_updated upcoming_account_number_expiry "
        "upcoming_deactivation",
    ),
    (
        "financial_connections.authorization",
        "financial_connections.authorization.",
        "expected_deactivation_date_updated upcoming_deactivation",
    ),
    (
        "identity.verification_session",
        "identity.verification_session.",
        "canceled created processing redacted requires_input verified",
    ),
    (
        "invoice",
        "invoice.",
        "created deleted finalization_failed finalized marked_uncollectible overdue "
        "overpaid paid payment_action_required payment_attempt_required "
        "payment_failed payment_succeeded sent upcoming updated voided will_be_due",
    ),
    ("invoice_payment", "invoice_payment.", "paid"),
    ("invoiceitem", "invoiceitem.", "created deleted"),
    ("issuing.authorization", "issuing_authorization.", "created request updated"),
    ("issuing.card", "issuing_card.", "created updated"),
    ("issuing.cardholder", "issuing_cardholder.", "created updated"),
    (
        "issuing.dispute",
        "issuing_dispute.",
        "closed created funds_reinstated funds_rescinded submitted updated",
    ),
    (
        "issuing.personalization_design",
        "issuing_personalization_design.",
        "activated deactivated rejected updated",
    ),
    ("issuing.token", "issuing_token.", "created updated"),
    (
        "issuing.transaction",
        "issuing_transaction.",
        "created purchase_details_receipt_updated updated",
    ),
    ("mandate", "mandate.", "updated"),
    (
        "payment_intent",
        "payment_intent.",
        "amount_capturable_updated canceled created partially_funded payment_failed "
        "processing requires_action succeeded",
    ),
    ("payment_link", "payment_link.", "created updated"),
    ("payment_method", "payment_method.", "attached automatically_updated detached updated"),
    ("payout", "payout.", "canceled created failed paid reconciliation_completed updated"),
    ("person", "person.", "created deleted updated"),
    ("plan", "plan.", "created deleted updated"),
    ("price", "price.", "created deleted updated"),
    ("product", "product.", "created deleted updated"),
    ("promotion_code", "promotion_code.", "created updated"),
    ("quote", "quote.", "accepted canceled created finalized"),
    ("radar.early_fraud_warning", "radar.early_fraud_warning.", "created updated"),
    ("refund", "refund.", "created failed updated"),
    ("reporting.report_run", "reporting.report_run.", "failed succeeded"),
    ("reporting.report_type", "reporting.report_type.", "updated"),
    ("reserve.hold", "reserve.hold.", "created updated"),
    ("reserve.plan", "reserve.plan.", "created disabled expired updated"),
    ("reserve.release", "reserve.release.", "created"),
    ("review", "review.", "closed opened"),
    ("setup_intent", "setup_intent.", "canceled created requires_action setup_failed succeeded"),
    ("scheduled_query_run", "sigma.scheduled_query_run.", "created"),
    ("source", "source.", "canceled chargeable failed refund_attributes_required"),
    ("source_mandate_notification", "source.", "mandate_notification"),
    ("source_transaction", "source.transaction.", "created updated"),
    (
        "subscription_schedule",
        "subscription_schedule.",
        "aborted canceled completed created expiring released updated",
    ),
    ("tax.settings", "tax.settings.", "updated"),
    ("tax_rate", "tax_rate.", "created updated"),
    ("terminal.reader", "terminal.reader.", "action_failed action_succeeded action_updated"),
    (
        "test_helpers.test_clock",
        "test_helpers.test_clock.",
        "advancing created deleted internal_failure ready",
    ),
    (
        "three_d_secure.authentication",
        "three_d_secure.authentication.",
        "canceled challenge_started errored failed requires_challenge "
        "requires_submission succeeded",
    ),
    ("topup", "topup.", "canceled created failed reversed succeeded"),
    ("transfer", "transfer.", "created reversed updated"),
    ("treasury.credit_reversal", "treasury.credit_reversal.", "created posted"),
    (
        "treasury.debit_reversal",
        "treasury.debit_reversal.",
        "completed created initial_credit_granted",
    ),
    (
        "treasury.financial_account",
        "treasury.financial_account.",
        "closed created features_status_updated",
    ),
    (
        "treasury.inbound_transfer",
        "treasury.inbound_transfer.",
        "canceled created failed succeeded",
    ),
    (
        "treasury.outbound_payment",
        "treasury.outbound_payment.",
        "canceled created expected_arrival_date_updated failed posted returned "
        "tracking_details_updated",
    ),
    (
        "treasury.outbound_transfer",
        "treasury.outbound_transfer.",
        "canceled created expected_arrival_date_updated failed posted returned "
        "tracking_details_updated",
    ),
    ("treasury.received_credit", "treasury.received_credit.", "created failed succeeded"),
    ("treasury.received_debit", "treasury.received_debit.", "created"),
)


def event_types() -> list[str]:
    return [prefix + last for _, prefix, lasts in TYPES for last in lasts.split()]


def envelope(event_type: str, resource: str, **extra: Any) -> bytes:
    """The Event Stripe would send for `resource` (a fixture, or a made example)."""
    obj = copy.deepcopy(RESOURCES.get(resource) or _MADE[resource])
    document: dict[str, Any] = {
        "id": f"evt_{abs(hash(event_type)) % 10**16:016d}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": CREATED,
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
        **extra,
    }
    return json.dumps(document).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret)
    return {"stripe-signature": header, "content-type": "application/json"}


def _samples() -> list[tuple[dict[str, str], bytes]]:
    found = []
    for resource, prefix, lasts in TYPES:
        connect = prefix.startswith(("account.", "capability.", "person."))
        for last in lasts.split():
            extra = {"account": CONNECTED} if connect else {}
            body = envelope(prefix + last, resource, **extra)
            found.append((signed(body), body))
    return found


SAMPLES: list[tuple[dict[str, str], bytes]] = _samples()
