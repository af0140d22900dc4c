"""What every Stripe title shares: money, names, the line itself, and the vocabulary of a
type (its category, severity and outcome, docs/events.md).

The builders live in titles_payments.py (money moving), titles_billing.py (customers,
invoices, subscriptions and the catalogue) and titles_platform.py (Connect, Issuing,
Treasury, Terminal and the rest). Each may assume its type's usual object: `p.of(kind)`
raises for another one, and the base then shows the generic line (sources/_base.py).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.kit.payload import dig, text
from echodash.sources.kit.text import words
from echodash.sources.stripe.reader import StripeEvent, customer_id

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
_SYMBOLS = {"usd": "$", "cad": "$", "aud": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}


def money(amount: Any, currency: Any) -> str | None:
    """`$49.00 USD` from minor units, with the currency's own number of decimals."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        return None
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()):
        return None
    if not currency.isalpha():
        return None
    code = currency.lower()
    decimals = 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2
    number = f"{Decimal(abs(amount)).scaleb(-decimals):,.{decimals}f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{_SYMBOLS.get(code, '')}{number} {code.upper()}"


# ---- words --------------------------------------------------------------------------------


def join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def of(prefix: str, value: str | None) -> str | None:
    return f"{prefix} {value}" if value else None


def who(obj: dict[str, Any], *paths: str) -> str | None:
    """The first readable person/company among `paths`, else the customer id."""
    for path in paths:
        found = text(dig(obj, path))
        if found:
            return found
    return customer_id(obj)


def ref(obj: dict[str, Any], key: str) -> str | None:
    """An id the object names under `key`, also when that object is expanded."""
    value = obj.get(key)
    return text(value.get("id")) if isinstance(value, dict) else text(value)


def amount_of(obj: dict[str, Any], key: str = "amount") -> str | None:
    return money(obj.get(key), obj.get("currency"))


def fields(obj: dict[str, Any], amount: str | None, **extra: Any) -> dict[str, FieldValue]:
    """The key fields every Stripe line shows: amount, currency, status, customer, and more."""
    currency = obj.get("currency")
    found: dict[str, Any] = {
        "amount": amount,
        "currency": currency.upper() if isinstance(currency, str) else None,
        "status": text(obj.get("status")),
        "customer": customer_id(obj),
        **{key: _scalar(value) for key, value in extra.items()},
    }
    return {key: value for key, value in found.items() if value is not None}


def _scalar(value: Any) -> FieldValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return text(value)


# ---- the vocabulary of a type ---------------------------------------------------------------

# Longest prefix first wins (see `category`).
_CATEGORIES: dict[str, Category] = {
    "customer.subscription.": Category.SUBSCRIPTION,
    "subscription_schedule.": Category.SUBSCRIPTION,
    **dict.fromkeys(
        ("price.", "product.", "plan.", "coupon.", "promotion_code.", "tax_rate.",
         "tax.settings.", "balance_settings.", "billing_portal.configuration.",
         "billing.meter.", "payment_link.", "account.", "capability.", "person."),
        Category.CONFIG,
    ),
    "billing.alert.": Category.ALERT,
    **dict.fromkeys(
        ("charge.", "payment_intent.", "invoice.", "invoiceitem.", "invoice_payment.",
         "customer.", "customer_cash_balance_transaction.", "cash_balance.", "checkout.",
         "refund.", "payout.", "transfer.", "topup.", "application_fee.", "balance.",
         "credit_note.", "quote.", "setup_intent.", "payment_method.", "mandate.", "review.",
         "radar.", "source.", "three_d_secure.", "billing.credit_", "billing_portal.session.",
         "issuing_", "treasury.", "reserve."),
        Category.PAYMENT,
    ),
}  # fmt: skip

# The type's last word → how the thing it reports went.
_OUTCOMES: dict[str, Outcome] = {
    **dict.fromkeys(
        ("succeeded", "payment_succeeded", "async_payment_succeeded", "action_succeeded",
         "paid", "verified", "posted", "delivered", "accepted", "completed"),
        Outcome.SUCCESS,
    ),
    **dict.fromkeys(
        ("failed", "payment_failed", "async_payment_failed", "setup_failed",
         "finalization_failed", "action_failed", "errored", "internal_failure", "returned",
         "marked_uncollectible", "requires_input", "rejected"),
        Outcome.FAILURE,
    ),
    **dict.fromkeys(("canceled", "voided", "aborted"), Outcome.CANCELLED),
    **dict.fromkeys(("processing", "pending", "advancing", "challenge_started"), Outcome.STARTED),
}  # fmt: skip
_TYPE_OUTCOMES = {"customer.subscription.deleted": Outcome.CANCELLED}

# Where a person should look: money that did not move, fraud, a customer who must act.
_ERRORS = frozenset(
    {
        "charge.failed",
        "charge.dispute.created",
        "checkout.session.async_payment_failed",
        "invoice.payment_failed",
        "invoice.finalization_failed",
        "payment_intent.payment_failed",
        "payout.failed",
        "radar.early_fraud_warning.created",
        "setup_intent.setup_failed",
        "topup.failed",
        "test_helpers.test_clock.internal_failure",
        "treasury.inbound_transfer.failed",
        "treasury.outbound_payment.failed",
        "treasury.outbound_transfer.failed",
        "treasury.received_credit.failed",
        "issuing_dispute.funds_rescinded",
    }
)
_WARNINGS = frozenset(
    {
        "customer.subscription.deleted",
        "customer.subscription.pending_update_expired",
        "customer.source.expiring",
        "refund.failed",
        "charge.expired",
        "charge.dispute.funds_withdrawn",
        "payment_intent.requires_action",
        "setup_intent.requires_action",
        "invoice.payment_action_required",
        "invoice.payment_attempt_required",
        "invoice.overdue",
        "invoice.marked_uncollectible",
        "review.opened",
        "radar.early_fraud_warning.updated",
        "subscription_schedule.aborted",
        "payout.canceled",
        "topup.reversed",
        "account.application.deauthorized",
        "application_fee.refunded",
        "identity.verification_session.requires_input",
        "terminal.reader.action_failed",
        "reporting.report_run.failed",
        "three_d_secure.authentication.failed",
        "three_d_secure.authentication.errored",
        "billing.alert.triggered",
        "climate.order.delayed",
        "issuing_dispute.created",
        "issuing_personalization_design.rejected",
        "source.failed",
        "financial_connections.account.deactivated",
        "financial_connections.account.disconnected",
        "financial_connections.account.upcoming_deactivation",
        "financial_connections.authorization.upcoming_deactivation",
        "treasury.outbound_payment.returned",
        "treasury.outbound_transfer.returned",
    }
)


def category(event_type: str) -> Category:
    """`subscription` for subscriptions and their schedules, `config` for the catalogue and
    account settings, `payment` for money and customers, `other` for the rest."""
    found = [prefix for prefix in _CATEGORIES if event_type.startswith(prefix)]
    return _CATEGORIES[max(found, key=len)] if found else Category.OTHER


def outcome(event_type: str, obj: dict[str, Any]) -> Outcome | None:
    if event_type == "charge.dispute.closed":
        return Outcome.FAILURE if obj.get("status") == "lost" else Outcome.SUCCESS
    if event_type in _TYPE_OUTCOMES:
        return _TYPE_OUTCOMES[event_type]
    return _OUTCOMES.get(event_type.rsplit(".", 1)[-1])


def severity(event_type: str, obj: dict[str, Any]) -> Severity:
    if event_type in _ERRORS:
        return Severity.ERROR
    if event_type in _WARNINGS:
        return Severity.WARNING
    if event_type == "charge.dispute.closed" and obj.get("status") == "lost":
        return Severity.WARNING
    last = event_type.rsplit(".", 1)[-1]
    if last.endswith("succeeded") or last in ("paid", "verified"):
        return Severity.SUCCESS
    if event_type == "checkout.session.completed" and obj.get("payment_status") == "paid":
        return Severity.SUCCESS
    return Severity.INFO


# ---- the line ------------------------------------------------------------------------------


def say(
    p: StripeEvent,
    title: str,
    actor: str | None = None,
    summary: str = "",
    shown: dict[str, FieldValue] | None = None,
) -> EventDraft:
    """The event for `p`: the builder's title, who it concerns and its key fields, with the
    type's category, severity and outcome, the Dashboard link and the event's time."""
    obj = p.obj
    draft = p.draft(
        title,
        summary=summary,
        occurred_at=p.created,
        severity=severity(p.type, obj),
        tags=["test" if p.test_mode else None],
        fields=shown,
        category=category(p.type),
        outcome=outcome(p.type, obj),
    )
    return replace(draft, actor=actor)


def generic(p: StripeEvent) -> EventDraft:
    """A type without a builder: `Stripe sent <type> for <id>`."""
    title = f"Stripe sent {p.type}" + (f" for {p.object_id}" if p.object_id else "")
    return say(p, title, shown={"object": p.kind} if p.kind else {})


def action(p: StripeEvent, prefix: str) -> str:
    """What happened, in words: `payment failed` for `payment_intent.payment_failed`."""
    return words(p.type.removeprefix(prefix).replace(".", " "))
