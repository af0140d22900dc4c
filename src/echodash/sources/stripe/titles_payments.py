"""Stripe titles for money moving: charges, payments, checkout, disputes, refunds, payouts,
transfers, top-ups, fees, setup intents, payment methods and Radar's fraud signals."""

from __future__ import annotations

from echodash.events import EventDraft
from echodash.sources.kit.payload import dig, parse_time, text
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook
from echodash.sources.stripe.reader import StripeEvent, customer_id
from echodash.sources.stripe.titles import (
    action,
    amount_of,
    fields,
    generic,
    join,
    money,
    of,
    ref,
    say,
    who,
)

TITLES: TitleBook[StripeEvent] = TitleBook()
# Types without a builder of their own: "Stripe: <type> for <object>".
TITLES.otherwise(generic)
builds = TITLES.builds


@builds(
    "charge.captured", "charge.expired", "charge.failed", "charge.pending",
    "charge.refunded", "charge.succeeded", "charge.updated",
)  # fmt: skip
def _charge(p: StripeEvent) -> EventDraft:
    obj = p.of("charge")
    done = action(p, "charge.")
    amount = amount_of(obj)
    person = who(obj, "billing_details.email", "receipt_email", "customer.email",
                 "billing_details.name", "customer.name")  # fmt: skip
    head = join("Charge", of("of", amount), of("to", person))
    failure = text(obj.get("failure_code")) or text(dig(obj, "outcome.reason"))
    if done == "failed":
        title = f"{head} failed" + (f": {failure}" if failure else "")
    elif done == "refunded":
        refunded, total = obj.get("amount_refunded"), obj.get("amount")
        partial = isinstance(refunded, int) and isinstance(total, int) and 0 < refunded < total
        if partial:
            title = f"{head} partially refunded ({money(refunded, obj.get('currency'))})"
        else:
            title = f"{head} refunded"
    elif done == "expired":
        title = f"{head} expired before it was captured"
    else:
        title = f"{head} {done}"
    summary = text(obj.get("failure_message")) or ""
    return say(p, title, person, summary, fields(obj, amount, failure_code=failure))


_PAYMENT_VERBS = {
    "payment_failed": "failed",
    "amount_capturable_updated": "ready to capture",
    "requires_action": "needs the customer to authenticate",
    "partially_funded": "partially funded",
}


@builds(
    "payment_intent.amount_capturable_updated", "payment_intent.canceled",
    "payment_intent.created", "payment_intent.partially_funded",
    "payment_intent.payment_failed", "payment_intent.processing",
    "payment_intent.requires_action", "payment_intent.succeeded",
)  # fmt: skip
def _payment_intent(p: StripeEvent) -> EventDraft:
    obj = p.of("payment_intent")
    done = p.type.removeprefix("payment_intent.")
    amount = amount_of(obj)
    person = who(obj, "receipt_email", "customer.email", "customer.name")
    head = join("Payment", of("of", amount), of("from", person))
    error = dig(obj, "last_payment_error")
    error = error if isinstance(error, dict) else {}
    failure = None
    if done == "payment_failed":
        failure = text(error.get("code")) or text(error.get("decline_code"))
        failure = failure or text(error.get("type"))
    title = f"{head} {_PAYMENT_VERBS.get(done, words(done))}"
    if failure:
        title += f": {failure}"
    elif done == "canceled" and text(obj.get("cancellation_reason")):
        title += f" ({words(str(obj['cancellation_reason']))})"
    summary = (text(error.get("message")) or "") if failure else ""
    return say(p, title, person, summary, fields(obj, amount, failure_code=failure))


@builds(
    "checkout.session.async_payment_failed", "checkout.session.async_payment_succeeded",
    "checkout.session.completed", "checkout.session.expired",
)  # fmt: skip
def _checkout(p: StripeEvent) -> EventDraft:
    obj = p.of("checkout.session")
    done = p.type.removeprefix("checkout.session.")
    amount = amount_of(obj, "amount_total")
    person = who(obj, "customer_details.email", "customer_email", "customer_details.name")
    paid = text(obj.get("payment_status"))
    if done == "completed":
        title = join("Checkout", of("by", person), of("for", amount), "completed")
        if paid:
            title += f" ({words(paid)})"
    elif done.startswith("async_payment_"):
        result = done.removeprefix("async_payment_")
        title = join("Checkout payment", of("by", person), of("of", amount), words(result))
    else:
        title = join("Checkout session", of("by", person), of("for", amount), words(done))
    extra = {"mode": obj.get("mode"), "payment_status": paid}
    return say(p, title, person, "", fields(obj, amount, **extra))


@builds(
    "charge.dispute.closed", "charge.dispute.created", "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn", "charge.dispute.updated",
)  # fmt: skip
def _dispute(p: StripeEvent) -> EventDraft:
    obj = p.of("dispute")
    done = action(p, "charge.dispute.")
    amount = amount_of(obj)
    charge = ref(obj, "charge")
    reason, status = text(obj.get("reason")), text(obj.get("status"))
    on = join(of("on charge", charge), of("for", amount))
    if done == "created":
        title = join("Dispute opened", on) + (f": {words(reason)}" if reason else "")
    elif done.startswith("funds "):
        title = join("Dispute", on, done)
    else:
        title = join("Dispute", on, done) + (f": {words(status)}" if status else "")
    person = who(obj, "evidence.customer_email_address", "evidence.customer_name")
    return say(p, title, person, "", fields(obj, amount, charge=charge, reason=reason))


@builds("charge.refund.updated", "refund.created", "refund.failed", "refund.updated")
def _refund(p: StripeEvent) -> EventDraft:
    obj = p.of("refund")
    done = p.type.rsplit(".", 1)[-1]
    amount = amount_of(obj)
    charge = ref(obj, "charge") or ref(obj, "payment_intent")
    head = join("Refund", of("of", amount), of("on", charge))
    status, failure = text(obj.get("status")), text(obj.get("failure_reason"))
    if done == "failed":
        title = f"{head} failed" + (f": {words(failure)}" if failure else "")
    elif done == "updated" and status:
        title = f"{head} updated: {words(status)}"
    else:
        title = f"{head} {done}"
    return say(p, title, customer_id(obj), "", fields(obj, amount, charge=charge))


@builds(
    "payout.canceled", "payout.created", "payout.failed", "payout.paid",
    "payout.reconciliation_completed", "payout.updated",
)  # fmt: skip
def _payout(p: StripeEvent) -> EventDraft:
    obj = p.of("payout")
    done = p.type.removeprefix("payout.")
    amount = amount_of(obj)
    head = join("Payout", of("of", amount))
    failure = text(obj.get("failure_code"))
    arrival = parse_time(obj.get("arrival_date"))
    if done == "failed":
        title = f"{head} failed" + (f": {failure}" if failure else "")
    elif done == "created" and arrival:
        title = f"{head} created, arriving {arrival:%Y-%m-%d}"
    elif done == "reconciliation_completed":
        title = f"{head} reconciled: its transactions are final"
    else:
        title = f"{head} {words(done)}"
    summary = text(obj.get("failure_message")) or ""
    extra = {"failure_code": failure, "destination": ref(obj, "destination")}
    return say(p, title, None, summary, fields(obj, amount, **extra))


@builds(
    "setup_intent.canceled", "setup_intent.created", "setup_intent.requires_action",
    "setup_intent.setup_failed", "setup_intent.succeeded",
)  # fmt: skip
def _setup_intent(p: StripeEvent) -> EventDraft:
    obj = p.of("setup_intent")
    done = p.type.removeprefix("setup_intent.")
    person = customer_id(obj)
    head = join("Saving a payment method", of("for", person))
    error = dig(obj, "last_setup_error")
    failure = None
    if isinstance(error, dict):
        failure = text(error.get("code")) or text(error.get("decline_code"))
    verbs = {
        "created": "started",
        "succeeded": "succeeded",
        "setup_failed": "failed",
        "requires_action": "needs the customer to authenticate",
        "canceled": "canceled",
    }
    title = f"{head} {verbs.get(done, words(done))}"
    if done == "setup_failed" and failure:
        title += f": {failure}"
    summary = text(dig(obj, "last_setup_error.message")) or ""
    extra = {"usage": obj.get("usage"), "failure_code": failure}
    return say(p, title, person, summary, fields(obj, None, **extra))


@builds(
    "payment_method.attached", "payment_method.automatically_updated",
    "payment_method.detached", "payment_method.updated",
)  # fmt: skip
def _payment_method(p: StripeEvent) -> EventDraft:
    obj = p.of("payment_method")
    done = p.type.removeprefix("payment_method.")
    kind = text(obj.get("type")) or "payment method"
    card = obj.get("card") if isinstance(obj.get("card"), dict) else None
    label = words(kind)
    if card:
        brand, last4 = text(card.get("brand")), text(card.get("last4"))
        label = join(words(brand).title() if brand else "Card", of("ending", last4))
    person = customer_id(obj)
    verbs = {
        "attached": "saved",
        "detached": "removed",
        "automatically_updated": "updated by the card network",
    }
    title = join(label[:1].upper() + label[1:], of("of", person), verbs.get(done, words(done)))
    return say(p, title, person, "", fields(obj, None, type=kind))


@builds("review.opened", "review.closed")
def _review(p: StripeEvent) -> EventDraft:
    obj = p.of("review")
    reason = text(obj.get("reason"))
    target = ref(obj, "payment_intent") or ref(obj, "charge")
    if p.type == "review.opened":
        title = join("Radar review opened", of("for payment", target))
        title += f": {words(reason)}" if reason else ""
    else:
        closed = text(obj.get("closed_reason")) or reason
        title = join("Radar review", of("of payment", target), "closed")
        title += f": {words(closed)}" if closed else ""
    extra = {"reason": reason, "charge": ref(obj, "charge")}
    return say(p, title, None, "", fields(obj, None, **extra))


@builds("radar.early_fraud_warning.created", "radar.early_fraud_warning.updated")
def _early_fraud_warning(p: StripeEvent) -> EventDraft:
    obj = p.of("radar.early_fraud_warning")
    charge = ref(obj, "charge")
    fraud = text(obj.get("fraud_type"))
    verb = "Early fraud warning" if p.type.endswith("created") else "Early fraud warning updated"
    title = join(verb, of("on charge", charge)) + (f": {words(fraud)}" if fraud else "")
    if obj.get("actionable") is True:
        title += " (refund it to avoid a dispute)"
    extra = {"fraud_type": fraud, "charge": charge, "actionable": obj.get("actionable")}
    return say(p, title, None, "", fields(obj, None, **extra))


@builds("transfer.created", "transfer.reversed", "transfer.updated")
def _transfer(p: StripeEvent) -> EventDraft:
    obj = p.of("transfer")
    amount = amount_of(obj)
    destination = ref(obj, "destination")
    title = join("Transfer", of("of", amount), of("to", destination), action(p, "transfer."))
    return say(p, title, None, "", fields(obj, amount, destination=destination))


@builds("topup.canceled", "topup.created", "topup.failed", "topup.reversed", "topup.succeeded")
def _topup(p: StripeEvent) -> EventDraft:
    obj = p.of("topup")
    amount = amount_of(obj)
    failure = text(obj.get("failure_code"))
    title = join("Top-up", of("of", amount), action(p, "topup."))
    if p.type == "topup.failed" and failure:
        title += f": {failure}"
    summary = text(obj.get("failure_message")) or ""
    return say(p, title, None, summary, fields(obj, amount, failure_code=failure))


@builds("application_fee.created", "application_fee.refunded", "application_fee.refund.updated")
def _application_fee(p: StripeEvent) -> EventDraft:
    obj = p.of("application_fee", "fee_refund")
    amount = amount_of(obj)
    if obj.get("object") == "fee_refund":
        title = join("Application fee refund", of("of", amount), of("on", ref(obj, "fee")))
        return say(p, title + " updated", None, "", fields(obj, amount))
    account = ref(obj, "account")
    head = join("Application fee", of("of", amount), of("from", account))
    if p.type.endswith("refunded"):
        refunded = money(obj.get("amount_refunded"), obj.get("currency"))
        title = join(head, "refunded", f"({refunded})" if refunded else None)
    else:
        title = f"{head} collected"
    return say(p, title, None, "", fields(obj, amount, account=account))


@builds("balance.available")
def _balance(p: StripeEvent) -> EventDraft:
    obj = p.of("balance")
    available = obj.get("available")
    amounts = [
        found
        for entry in (available if isinstance(available, list) else [])[:3]
        if isinstance(entry, dict) and (found := money(entry.get("amount"), entry.get("currency")))
    ]
    title = "Balance available" + (f": {', '.join(amounts)}" if amounts else "")
    return say(p, title, None, "", {})


@builds("cash_balance.funds_available", "customer_cash_balance_transaction.created")
def _cash_balance(p: StripeEvent) -> EventDraft:
    obj = p.of("cash_balance", "customer_cash_balance_transaction")
    person = customer_id(obj)
    if obj.get("object") == "cash_balance":
        title = join("Cash balance", of("of", person), "has funds to apply to payments")
        return say(p, title, person, "", fields(obj, None))
    amount = amount_of(obj, "net_amount")
    kind = text(obj.get("type"))
    title = join("Cash balance", of("of", person), words(kind) if kind else "changed", amount)
    return say(p, title, person, "", fields(obj, amount, type=kind))


@builds("mandate.updated")
def _mandate(p: StripeEvent) -> EventDraft:
    obj = p.of("mandate")
    status = text(obj.get("status"))
    method = ref(obj, "payment_method")
    title = join("Mandate", of("for", method), "is now" if status else "updated", status)
    return say(p, title, None, "", fields(obj, None, type=obj.get("type")))


@builds(
    "source.canceled", "source.chargeable", "source.failed", "source.mandate_notification",
    "source.refund_attributes_required", "source.transaction.created",
    "source.transaction.updated",
)  # fmt: skip
def _source(p: StripeEvent) -> EventDraft:
    obj = p.of("source", "source_mandate_notification", "source_transaction")
    done = action(p, "source.")
    amount = amount_of(obj)
    kind = text(obj.get("type"))
    head = join("Payment source", f"({words(kind)})" if kind else None, of("of", amount))
    verbs = {
        "chargeable": "can be charged",
        "mandate notification": "mandate notice sent to the customer",
        "refund attributes required": "needs the customer's refund details",
        "transaction created": "received a transaction",
        "transaction updated": "transaction updated",
    }
    return say(p, f"{head} {verbs.get(done, done)}", customer_id(obj), "", fields(obj, amount))


@builds(
    "three_d_secure.authentication.canceled",
    "three_d_secure.authentication.challenge_started",
    "three_d_secure.authentication.errored",
    "three_d_secure.authentication.failed",
    "three_d_secure.authentication.requires_challenge",
    "three_d_secure.authentication.requires_submission",
    "three_d_secure.authentication.succeeded",
)
def _three_d_secure(p: StripeEvent) -> EventDraft:
    obj = p.obj
    done = action(p, "three_d_secure.authentication.")
    amount = amount_of(obj)
    title = join("3D Secure authentication", of("of", amount), done)
    return say(p, title, customer_id(obj), "", fields(obj, amount))
