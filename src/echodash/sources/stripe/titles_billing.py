"""Stripe titles for billing: customers, invoices, credit notes, quotes, subscriptions and
their schedules, and the catalogue (prices, products, plans, coupons, codes, tax rates)."""

from __future__ import annotations

from typing import Any

from echodash.events import EventDraft
from echodash.sources.kit.payload import dig, parse_time, text
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook
from echodash.sources.stripe.reader import StripeEvent, customer_id
from echodash.sources.stripe.titles import action, amount_of, fields, join, money, of, ref, say, who

TITLES: TitleBook[StripeEvent] = TitleBook()
builds = TITLES.builds

_INVOICE_VERBS = {
    "payment_action_required": "needs the customer to confirm the payment",
    "payment_attempt_required": "needs a payment attempt",
    "finalization_failed": "could not be finalized",
    "marked_uncollectible": "marked uncollectible",
    "will_be_due": "will be due soon",
    "overpaid": "was overpaid",
    "overdue": "is overdue",
}


@builds(
    "invoice.created", "invoice.deleted", "invoice.finalization_failed", "invoice.finalized",
    "invoice.marked_uncollectible", "invoice.overdue", "invoice.overpaid", "invoice.paid",
    "invoice.payment_action_required", "invoice.payment_attempt_required",
    "invoice.payment_failed", "invoice.payment_succeeded", "invoice.sent", "invoice.upcoming",
    "invoice.updated", "invoice.voided", "invoice.will_be_due",
)  # fmt: skip
def _invoice(p: StripeEvent) -> EventDraft:
    obj = p.of("invoice")
    done = p.type.removeprefix("invoice.")
    paid = obj.get("amount_paid")
    raw_amount: Any
    if done in {"paid", "payment_succeeded"} and isinstance(paid, int) and paid > 0:
        raw_amount = paid
    elif done == "payment_failed" or obj.get("total") is None:
        raw_amount = obj.get("amount_due")
    else:
        raw_amount = obj.get("total")
    amount = money(raw_amount, obj.get("currency"))
    person = who(obj, "customer_name", "customer_email", "customer.name", "customer.email")
    number = text(obj.get("number")) or text(obj.get("id"))
    invoice = join("Invoice", number, of("for", amount))
    attempts = obj.get("attempt_count")
    if done in {"paid", "payment_succeeded"}:
        title = join(invoice, "paid", of("by", person))
    elif done == "payment_failed":
        title = join("Payment", of("of", amount), of("for invoice", number), of("by", person))
        title += " failed"
        if isinstance(attempts, int) and not isinstance(attempts, bool) and attempts > 0:
            title += f" (attempt {attempts})"
    elif done == "upcoming":
        title = join("Upcoming invoice", of("for", amount), of("to", person))
    else:
        title = join(invoice, of("to", person), _INVOICE_VERBS.get(done, words(done)))
    extra = {"number": obj.get("number"), "attempts": attempts if attempts else None}
    return say(p, title, person, "", fields(obj, amount, **extra))


@builds("invoice_payment.paid")
def _invoice_payment(p: StripeEvent) -> EventDraft:
    obj = p.of("invoice_payment")
    amount = money(obj.get("amount_paid"), obj.get("currency")) or amount_of(
        obj, "amount_requested"
    )
    invoice = ref(obj, "invoice")
    title = join("Payment", of("of", amount), of("for invoice", invoice), "received")
    return say(p, title, None, "", fields(obj, amount, invoice=invoice))


@builds("invoiceitem.created", "invoiceitem.deleted")
def _invoice_item(p: StripeEvent) -> EventDraft:
    obj = p.of("invoiceitem")
    amount = amount_of(obj)
    person = customer_id(obj)
    label = text(obj.get("description"))
    title = join("Invoice item", label, of("of", amount), of("for", person))
    title += " added" if p.type.endswith("created") else " removed"
    return say(p, title, person, "", fields(obj, amount, invoice=ref(obj, "invoice")))


@builds("credit_note.created", "credit_note.updated", "credit_note.voided")
def _credit_note(p: StripeEvent) -> EventDraft:
    obj = p.of("credit_note")
    amount = amount_of(obj, "total")
    person = customer_id(obj)
    number = text(obj.get("number")) or p.object_id
    reason = text(obj.get("reason"))
    title = join("Credit note", number, of("of", amount), of("for", person))
    title = join(title, "issued" if p.type.endswith("created") else action(p, "credit_note."))
    if reason and p.type.endswith("created"):
        title += f": {words(reason)}"
    extra = {"number": obj.get("number"), "invoice": ref(obj, "invoice"), "reason": reason}
    return say(p, title, person, "", fields(obj, amount, **extra))


@builds("quote.accepted", "quote.canceled", "quote.created", "quote.finalized")
def _quote(p: StripeEvent) -> EventDraft:
    obj = p.of("quote")
    amount = amount_of(obj, "amount_total")
    person = customer_id(obj)
    number = text(obj.get("number")) or p.object_id
    title = join("Quote", number, of("for", amount), of("to", person), action(p, "quote."))
    return say(p, title, person, "", fields(obj, amount, number=obj.get("number")))


# ---- subscriptions --------------------------------------------------------------------------


def plan_of(obj: dict[str, Any]) -> str | None:
    """`Pro ($20.00 USD/month)` from the subscription's first price (or legacy plan)."""
    price = dig(obj, "items.data.0.price")
    if not isinstance(price, dict):
        price = obj.get("plan")
    return _price_label(price) if isinstance(price, dict) else None


def _price_label(price: dict[str, Any]) -> str | None:
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


@builds(
    "customer.subscription.created", "customer.subscription.deleted",
    "customer.subscription.paused", "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired", "customer.subscription.resumed",
    "customer.subscription.trial_will_end", "customer.subscription.updated",
)  # fmt: skip
def _subscription(p: StripeEvent) -> EventDraft:
    obj, prev = p.of("subscription"), p.previous
    done = p.type.removeprefix("customer.subscription.")
    person = who(obj, "customer.email", "customer.name")
    plan = plan_of(obj)
    status = text(obj.get("status"))
    it = join("Subscription", of("to", plan) or p.object_id, of("for", person))
    if done == "created":
        title = join(person or "A customer", "subscribed", of("to", plan))
        if status and status != "active":
            title += f" ({words(status)})"
    elif done == "updated":
        title = _subscription_update(it, obj, prev, person, plan, status)
    elif done == "deleted":
        title = f"{it} canceled"
    elif done == "trial_will_end":
        ends = parse_time(obj.get("trial_end"))
        when = f"on {ends:%Y-%m-%d}" if ends else "soon"
        title = join("Trial", of("of", plan), of("for", person), "ends", when)
    elif done == "pending_update_applied":
        title = f"{it}: the pending change was applied"
    elif done == "pending_update_expired":
        title = f"{it}: the pending change expired unpaid"
    else:
        title = f"{it} {words(done)}"
    extra = {"plan": plan, "previous_status": prev.get("status")}
    return say(p, title, person, "", fields(obj, None, **extra))


def _subscription_update(
    it: str,
    obj: dict[str, Any],
    prev: dict[str, Any],
    person: str | None,
    plan: str | None,
    status: str | None,
) -> str:
    old_status = text(prev.get("status"))
    if old_status and status and old_status != status:
        return f"{it} is now {words(status)} (was {words(old_status)})"
    if prev.get("cancel_at_period_end") is False and obj.get("cancel_at_period_end") is True:
        return f"{it} will cancel at the end of the period"
    if prev.get("cancel_at_period_end") is True and obj.get("cancel_at_period_end") is False:
        return f"{it} will no longer cancel"
    if "items" in prev or "plan" in prev:
        return join("Subscription", of("for", person), "changed", of("to", plan))
    return f"{it} updated"


_SCHEDULE_VERBS = {
    "aborted": "aborted (the subscription ended in an unpaid state)",
    "expiring": "ends in 7 days",
    "released": "released (the subscription goes on without it)",
}


@builds(
    "subscription_schedule.aborted", "subscription_schedule.canceled",
    "subscription_schedule.completed", "subscription_schedule.created",
    "subscription_schedule.expiring", "subscription_schedule.released",
    "subscription_schedule.updated",
)  # fmt: skip
def _subscription_schedule(p: StripeEvent) -> EventDraft:
    obj = p.of("subscription_schedule")
    done = p.type.removeprefix("subscription_schedule.")
    person = customer_id(obj)
    phases = obj.get("phases")
    count = len(phases) if isinstance(phases, list) else 0
    steps = f"({count} phase{'s' if count != 1 else ''})" if count else None
    title = join("Subscription schedule", of("for", person), steps)
    title = join(title, _SCHEDULE_VERBS.get(done, words(done)))
    extra = {"subscription": ref(obj, "subscription"), "phases": count or None}
    return say(p, title, person, "", fields(obj, None, **extra))


# ---- customers ------------------------------------------------------------------------------


def _customer_label(obj: dict[str, Any]) -> tuple[str, str | None]:
    name, email, ident = text(obj.get("name")), text(obj.get("email")), text(obj.get("id"))
    display = f"{name} ({email})" if name and email else name or email or ident or "unknown"
    return display, email or name or ident


@builds("customer.created", "customer.deleted", "customer.updated")
def _customer(p: StripeEvent) -> EventDraft:
    obj = p.of("customer")
    display, person = _customer_label(obj)
    if p.type == "customer.created":
        title = f"New customer {display}"
    else:
        title = f"Customer {display} {action(p, 'customer.')}"
    return say(p, title, person, "", fields(obj, None, email=text(obj.get("email"))))


@builds("customer.discount.created", "customer.discount.deleted", "customer.discount.updated")
def _discount(p: StripeEvent) -> EventDraft:
    obj = p.of("discount")
    person = customer_id(obj)
    # Older API versions name the coupon at `coupon`, newer ones at `source.coupon`.
    coupon = obj.get("coupon")
    named = text(coupon.get("name")) if isinstance(coupon, dict) else None
    source = obj.get("source")
    name = (
        named or ref(obj, "coupon") or (ref(source, "coupon") if isinstance(source, dict) else None)
    )
    name = name or ref(obj, "promotion_code")
    verbs = {"created": "applied", "deleted": "removed", "updated": "changed"}
    title = join("Discount", name, of("for", person), verbs[p.type.rsplit(".", 1)[-1]])
    return say(p, title, person, "", fields(obj, None, coupon=name))


@builds(
    "customer.source.created", "customer.source.deleted", "customer.source.expiring",
    "customer.source.updated",
)  # fmt: skip
def _customer_source(p: StripeEvent) -> EventDraft:
    obj = p.of("card", "bank_account", "source")
    person = customer_id(obj)
    brand = text(obj.get("brand")) or text(obj.get("bank_name")) or text(obj.get("type"))
    label = join(brand or "Payment source", of("ending", text(obj.get("last4"))))
    done = p.type.removeprefix("customer.source.")
    if done == "expiring":
        month, year = obj.get("exp_month"), obj.get("exp_year")
        when = f"{month:02d}/{year}" if isinstance(month, int) and isinstance(year, int) else None
        title = join(label, of("of", person), "expires", of("at the end of", when) or "soon")
    else:
        verbs = {"created": "added", "deleted": "removed", "updated": "updated"}
        title = join(label, of("of", person), verbs.get(done, words(done)))
    return say(p, title, person, "", fields(obj, None, kind=obj.get("object")))


@builds("customer.tax_id.created", "customer.tax_id.deleted", "customer.tax_id.updated")
def _tax_id(p: StripeEvent) -> EventDraft:
    obj = p.of("tax_id")
    person = customer_id(obj)
    kind, value = text(obj.get("type")), text(obj.get("value"))
    status = text(dig(obj, "verification.status"))
    verbs = {"created": "added", "deleted": "removed", "updated": "updated"}
    title = join("Tax ID", kind, value, of("of", person), verbs[p.type.rsplit(".", 1)[-1]])
    if p.type.endswith("updated") and status:
        title += f": {words(status)}"
    return say(p, title, person, "", fields(obj, None, type=kind, verification=status))


# ---- the catalogue ---------------------------------------------------------------------------


def _switched_off(p: StripeEvent, obj: dict[str, Any], word: str) -> str:
    """` (archived)` when an update left the price, product or link inactive."""
    return f" ({word})" if obj.get("active") is False and p.type.endswith("updated") else ""


@builds("price.created", "price.deleted", "price.updated", "plan.created", "plan.deleted",
        "plan.updated")  # fmt: skip
def _price(p: StripeEvent) -> EventDraft:
    obj = p.of("price", "plan")
    noun = "Price" if obj.get("object") == "price" else "Plan"
    label = _price_label(obj) or p.object_id
    product = ref(obj, "product")
    title = join(noun, label, of("of product", product), action(p, f"{noun.lower()}."))
    title += _switched_off(p, obj, "inactive")
    extra = {"product": product, "nickname": obj.get("nickname"), "type": obj.get("type")}
    return say(p, title, None, "", fields(obj, label if label != p.object_id else None, **extra))


@builds("product.created", "product.deleted", "product.updated")
def _product(p: StripeEvent) -> EventDraft:
    obj = p.of("product")
    name = text(obj.get("name")) or p.object_id
    title = join("Product", name, action(p, "product."))
    title += _switched_off(p, obj, "archived")
    extra = {"name": obj.get("name"), "default_price": ref(obj, "default_price")}
    return say(p, title, None, "", fields(obj, None, **extra))


def _coupon_terms(coupon: dict[str, Any]) -> str | None:
    percent = coupon.get("percent_off")
    off = money(coupon.get("amount_off"), coupon.get("currency"))
    if isinstance(percent, (int, float)) and not isinstance(percent, bool):
        off = f"{percent:g}%"
    duration = text(coupon.get("duration"))
    months = coupon.get("duration_in_months")
    if duration == "repeating" and isinstance(months, int):
        duration = f"for {months} months"
    return join(f"{off} off" if off else None, duration)


@builds("coupon.created", "coupon.deleted", "coupon.updated")
def _coupon(p: StripeEvent) -> EventDraft:
    obj = p.of("coupon")
    name = text(obj.get("name")) or p.object_id
    terms = _coupon_terms(obj)
    title = join("Coupon", name, f"({terms})" if terms else None, action(p, "coupon."))
    return say(p, title, None, "", fields(obj, None, terms=terms))


@builds("promotion_code.created", "promotion_code.updated")
def _promotion_code(p: StripeEvent) -> EventDraft:
    obj = p.of("promotion_code")
    code = text(obj.get("code")) or p.object_id
    coupon = obj.get("coupon") if isinstance(obj.get("coupon"), dict) else None
    if coupon is None:
        coupon = dig(obj, "promotion.coupon")
    terms = _coupon_terms(coupon) if isinstance(coupon, dict) else None
    title = join("Promotion code", code, f"({terms})" if terms else None)
    if p.type.endswith("updated") and obj.get("active") is False:
        title += " deactivated"
    else:
        title = join(title, action(p, "promotion_code."))
    return say(p, title, customer_id(obj), "", fields(obj, None, code=code, terms=terms))


@builds("tax_rate.created", "tax_rate.updated")
def _tax_rate(p: StripeEvent) -> EventDraft:
    obj = p.of("tax_rate")
    name = text(obj.get("display_name")) or p.object_id
    percent = obj.get("percentage")
    rate = f"{percent:g}%" if isinstance(percent, (int, float)) else None
    where = text(obj.get("jurisdiction")) or text(obj.get("country"))
    label = join(name, rate, of("in", where))
    return say(p, join("Tax rate", label, action(p, "tax_rate.")), None, "", fields(obj, None))


@builds(
    "billing_portal.configuration.created", "billing_portal.configuration.updated",
    "billing_portal.session.created",
)  # fmt: skip
def _billing_portal(p: StripeEvent) -> EventDraft:
    obj = p.of("billing_portal.configuration", "billing_portal.session")
    if obj.get("object") == "billing_portal.session":
        person = customer_id(obj)
        title = join(person or "A customer", "opened the billing portal")
        return say(p, title, person, "", fields(obj, None))
    default = " (the default)" if obj.get("is_default") is True else ""
    title = f"Billing portal settings {action(p, 'billing_portal.configuration.')}{default}"
    return say(p, title, None, "", fields(obj, None, active=obj.get("active")))


@builds("payment_link.created", "payment_link.updated")
def _payment_link(p: StripeEvent) -> EventDraft:
    obj = p.of("payment_link")
    link = text(obj.get("url")) or p.object_id
    title = join("Payment link", link, action(p, "payment_link."))
    title += _switched_off(p, obj, "deactivated")
    return say(p, title, None, "", fields(obj, None, active=obj.get("active")))
