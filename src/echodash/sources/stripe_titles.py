"""Readable titles, actors and fields for Stripe events, one builder per object family."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from echodash.events import FieldValue, Severity
from echodash.sources.payload import dig, parse_time, text

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
_THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
_SYMBOLS = {"usd": "$", "cad": "$", "aud": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}

_ERRORS = frozenset(
    {
        "charge.failed",
        "charge.dispute.created",
        "checkout.session.async_payment_failed",
        "invoice.payment_failed",
        "payment_intent.payment_failed",
        "payout.failed",
    }
)
_WARNINGS = frozenset({"customer.subscription.deleted", "refund.failed"})


@dataclass(frozen=True, slots=True)
class Described:
    """What a builder makes of one Stripe object."""

    title: str
    actor: str | None = None
    summary: str = ""
    fields: dict[str, FieldValue] = field(default_factory=dict)


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


def severity(event_type: str, obj: Mapping[str, Any]) -> Severity:
    if event_type in _ERRORS:
        return Severity.ERROR
    if event_type in _WARNINGS:
        return Severity.WARNING
    if event_type == "charge.dispute.closed" and obj.get("status") == "lost":
        return Severity.WARNING
    last = event_type.rsplit(".", 1)[-1]
    if last.endswith("succeeded") or last == "paid":
        return Severity.SUCCESS
    if event_type == "checkout.session.completed" and obj.get("payment_status") == "paid":
        return Severity.SUCCESS
    return Severity.INFO


def customer_id(obj: Mapping[str, Any]) -> str | None:
    customer = obj.get("customer")
    if isinstance(customer, dict):
        return text(customer.get("id"))
    return text(customer)


def describe(
    event_type: str, obj: Mapping[str, Any], previous: Mapping[str, Any]
) -> Described | None:
    """A readable description, or None when EchoDash has no builder for this type."""
    for prefix, expected, builder in _BUILDERS:
        if event_type.startswith(prefix) and obj.get("object") == expected:
            action = event_type[len(prefix) :]
            if action and "." not in action:
                return builder(action, obj, previous)
    return None


def _who(obj: Mapping[str, Any], *paths: str) -> str | None:
    """The first readable person/company among `paths`, else the customer id."""
    for path in paths:
        found = text(dig(obj, path))
        if found:
            return found
    return customer_id(obj)


def _words(action: str) -> str:
    return action.replace("_", " ")


def _join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def _of(prefix: str, value: str | None) -> str | None:
    return f"{prefix} {value}" if value else None


def _fields(obj: Mapping[str, Any], amount: str | None, **extra: Any) -> dict[str, FieldValue]:
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


def _charge(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount"), obj.get("currency"))
    who = _who(obj, "billing_details.email", "receipt_email", "customer.email",
               "billing_details.name", "customer.name")  # fmt: skip
    head = _join("Charge", _of("of", amount), _of("to", who))
    failure = text(obj.get("failure_code")) or text(dig(obj, "outcome.reason"))
    if action == "failed":
        title = f"{head} failed" + (f": {failure}" if failure else "")
    elif action == "refunded":
        refunded = obj.get("amount_refunded")
        total = obj.get("amount")
        partial = isinstance(refunded, int) and isinstance(total, int) and 0 < refunded < total
        if partial:
            title = f"{head} partially refunded ({money(refunded, obj.get('currency'))})"
        else:
            title = f"{head} refunded"
    else:
        title = f"{head} {_words(action)}"
    summary = text(obj.get("failure_message")) or ""
    return Described(title, who, summary, _fields(obj, amount, failure_code=failure))


def _payment_intent(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount"), obj.get("currency"))
    who = _who(obj, "receipt_email", "customer.email", "customer.name")
    head = _join("Payment", _of("of", amount), _of("from", who))
    error = dig(obj, "last_payment_error")
    error = error if isinstance(error, dict) else {}
    failure = None
    if action == "payment_failed":
        failure = text(error.get("code")) or text(error.get("decline_code"))
        failure = failure or text(error.get("type"))
    verbs = {"payment_failed": "failed", "amount_capturable_updated": "ready to capture"}
    title = f"{head} {verbs.get(action, _words(action))}"
    if failure:
        title += f": {failure}"
    elif action == "canceled" and text(obj.get("cancellation_reason")):
        title += f" ({_words(str(obj['cancellation_reason']))})"
    summary = (text(error.get("message")) or "") if failure else ""
    return Described(title, who, summary, _fields(obj, amount, failure_code=failure))


def _invoice(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    currency = obj.get("currency")
    paid = obj.get("amount_paid")
    raw_amount: Any
    if action in {"paid", "payment_succeeded"} and isinstance(paid, int) and paid > 0:
        raw_amount = paid
    elif action == "payment_failed" or obj.get("total") is None:
        raw_amount = obj.get("amount_due")
    else:
        raw_amount = obj.get("total")
    amount = money(raw_amount, currency)
    who = _who(obj, "customer_name", "customer_email", "customer.name", "customer.email")
    ref = text(obj.get("number")) or text(obj.get("id"))
    invoice = _join("Invoice", ref, _of("for", amount))
    attempts = obj.get("attempt_count")
    if action in {"paid", "payment_succeeded"}:
        title = _join(invoice, "paid", _of("by", who))
    elif action == "payment_failed":
        title = _join("Payment", _of("of", amount), _of("for invoice", ref), _of("by", who))
        title += " failed"
        if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts > 0:
            title += f" (attempt {attempts})"
    elif action == "upcoming":
        title = _join("Upcoming invoice", _of("for", amount), _of("to", who))
    else:
        verbs = {
            "payment_action_required": "needs the customer to confirm the payment",
            "finalization_failed": "could not be finalized",
        }
        title = _join(invoice, _of("to", who), verbs.get(action, _words(action)))
    extra = {"number": obj.get("number"), "attempts": attempts if attempts else None}
    return Described(title, who, "", _fields(obj, amount, **extra))


def _plan(obj: Mapping[str, Any]) -> str | None:
    """`Pro ($20.00 USD/month)` from the subscription's first price (or legacy plan)."""
    price = dig(obj, "items.data.0.price")
    if not isinstance(price, dict):
        price = obj.get("plan")
    if not isinstance(price, dict):
        return None
    nickname = text(price.get("nickname"))
    unit = price.get("unit_amount", price.get("amount"))
    amount = money(unit, price.get("currency"))
    interval = text(dig(price, "recurring.interval")) or text(price.get("interval"))
    count = dig(price, "recurring.interval_count", price.get("interval_count"))
    if amount and interval:
        every = interval
        if isinstance(count, int) and not isinstance(count, bool) and count > 1:
            every = f"{count} {interval}s"
        amount = f"{amount}/{every}"
    if nickname and amount:
        return f"{nickname} ({amount})"
    return nickname or amount


def _subscription(action: str, obj: Mapping[str, Any], prev: Mapping[str, Any]) -> Described:
    who = _who(obj, "customer.email", "customer.name")
    plan = _plan(obj)
    status = text(obj.get("status"))
    it = _join("Subscription", _of("to", plan) or text(obj.get("id")), _of("for", who))
    if action == "created":
        title = _join(who or "A customer", "subscribed", _of("to", plan))
        if status and status != "active":
            title += f" ({_words(status)})"
    elif action == "updated":
        old_status = text(prev.get("status"))
        if old_status and status and old_status != status:
            title = f"{it} is now {_words(status)} (was {_words(old_status)})"
        elif prev.get("cancel_at_period_end") is False and obj.get("cancel_at_period_end") is True:
            title = f"{it} will cancel at the end of the period"
        elif prev.get("cancel_at_period_end") is True and obj.get("cancel_at_period_end") is False:
            title = f"{it} will no longer cancel"
        elif "items" in prev or "plan" in prev:
            title = _join("Subscription", _of("for", who), "changed", _of("to", plan))
        else:
            title = f"{it} updated"
    elif action == "deleted":
        title = f"{it} canceled"
    elif action == "trial_will_end":
        ends = parse_time(obj.get("trial_end"))
        when = f"on {ends:%Y-%m-%d}" if ends else "soon"
        title = _join("Trial", _of("of", plan), _of("for", who), "ends", when)
    else:
        title = f"{it} {_words(action)}"
    extra = {"plan": plan, "previous_status": prev.get("status")}
    return Described(title, who, "", _fields(obj, None, **extra))


def _customer(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    name, email, ident = text(obj.get("name")), text(obj.get("email")), text(obj.get("id"))
    display = f"{name} ({email})" if name and email else name or email or ident or "unknown"
    if action == "created":
        title = f"New customer {display}"
    else:
        title = f"Customer {display} {_words(action)}"
    return Described(title, email or name or ident, "", _fields(obj, None, email=email))


def _checkout(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount_total"), obj.get("currency"))
    who = _who(obj, "customer_details.email", "customer_email", "customer_details.name")
    paid = text(obj.get("payment_status"))
    if action == "completed":
        title = _join("Checkout", _of("by", who), _of("for", amount), "completed")
        if paid:
            title += f" ({_words(paid)})"
    elif action.startswith("async_payment_"):
        outcome = action.removeprefix("async_payment_")
        title = _join("Checkout payment", _of("by", who), _of("of", amount), _words(outcome))
    else:
        title = _join("Checkout session", _of("by", who), _of("for", amount), _words(action))
    extra = {"mode": obj.get("mode"), "payment_status": paid}
    return Described(title, who, "", _fields(obj, amount, **extra))


def _dispute(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount"), obj.get("currency"))
    charge = text(obj.get("charge")) or text(dig(obj, "charge.id"))
    reason = text(obj.get("reason"))
    status = text(obj.get("status"))
    on = _join(_of("on charge", charge), _of("for", amount))
    if action == "created":
        title = _join("Dispute opened", on) + (f": {_words(reason)}" if reason else "")
    elif action.startswith("funds_"):
        title = _join("Dispute", on, _words(action))
    else:
        title = _join("Dispute", on, _words(action)) + (f": {_words(status)}" if status else "")
    who = _who(obj, "evidence.customer_email_address", "evidence.customer_name")
    return Described(title, who, "", _fields(obj, amount, charge=charge, reason=reason))


def _refund(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount"), obj.get("currency"))
    charge = text(obj.get("charge")) or text(obj.get("payment_intent"))
    head = _join("Refund", _of("of", amount), _of("on", charge))
    status = text(obj.get("status"))
    failure = text(obj.get("failure_reason"))
    if action == "failed":
        title = f"{head} failed" + (f": {_words(failure)}" if failure else "")
    elif action == "updated" and status:
        title = f"{head} updated: {_words(status)}"
    else:
        title = f"{head} {_words(action)}"
    return Described(title, customer_id(obj), "", _fields(obj, amount, charge=charge))


def _payout(action: str, obj: Mapping[str, Any], _prev: Mapping[str, Any]) -> Described:
    amount = money(obj.get("amount"), obj.get("currency"))
    head = _join("Payout", _of("of", amount))
    failure = text(obj.get("failure_code"))
    arrival = parse_time(obj.get("arrival_date"))
    if action == "failed":
        title = f"{head} failed" + (f": {failure}" if failure else "")
    elif action == "created" and arrival:
        title = f"{head} created, arriving {arrival:%Y-%m-%d}"
    else:
        title = f"{head} {_words(action)}"
    summary = text(obj.get("failure_message")) or ""
    destination = text(obj.get("destination"))
    return Described(
        title, None, summary, _fields(obj, amount, failure_code=failure, destination=destination)
    )


_Builder = Callable[[str, Mapping[str, Any], Mapping[str, Any]], Described]

# Longest prefixes first: `charge.dispute.created` must not reach the charge builder.
_BUILDERS: tuple[tuple[str, str, _Builder], ...] = (
    ("charge.dispute.", "dispute", _dispute),
    ("charge.refund.", "refund", _refund),
    ("charge.", "charge", _charge),
    ("payment_intent.", "payment_intent", _payment_intent),
    ("invoice.", "invoice", _invoice),
    ("customer.subscription.", "subscription", _subscription),
    ("customer.", "customer", _customer),
    ("checkout.session.", "checkout.session", _checkout),
    ("refund.", "refund", _refund),
    ("payout.", "payout", _payout),
)
