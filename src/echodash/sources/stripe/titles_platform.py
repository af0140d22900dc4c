"""Stripe titles for the platform around payments: Connect accounts, Issuing, Treasury,
Terminal, Identity, Financial Connections, Billing meters and credits, reports, files, test
clocks, Climate and reserves.

Most of these read the same way — a thing, its amount or name, what happened to it — so one
builder serves them from a table of nouns; the few that say more have their own."""

from __future__ import annotations

from typing import Any

from echodash.events import EventDraft
from echodash.sources.kit.payload import dig, text
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook
from echodash.sources.stripe.reader import StripeEvent
from echodash.sources.stripe.titles import action, amount_of, fields, join, of, ref, say

TITLES: TitleBook[StripeEvent] = TitleBook()
builds = TITLES.builds


@builds("account.updated")
def _account(p: StripeEvent) -> EventDraft:
    obj = p.of("account")
    name = (
        text(dig(obj, "business_profile.name"))
        or text(dig(obj, "settings.dashboard.display_name"))
        or text(obj.get("email"))
        or p.object_id
    )
    disabled = text(dig(obj, "requirements.disabled_reason"))
    due = dig(obj, "requirements.currently_due")
    title = join("Account", name, "updated")
    if disabled:
        title += f": disabled ({words(disabled)})"
    elif isinstance(due, list) and due:
        title += f": {len(due)} requirement{'s' if len(due) != 1 else ''} due"
    extra = {
        "charges_enabled": obj.get("charges_enabled"),
        "payouts_enabled": obj.get("payouts_enabled"),
        "disabled_reason": disabled,
    }
    return say(p, title, None, "", fields(obj, None, **extra))


@builds("account.application.authorized", "account.application.deauthorized")
def _application(p: StripeEvent) -> EventDraft:
    obj = p.of("application")
    name = text(obj.get("name")) or p.object_id
    verb = "connected to" if p.type.endswith(".authorized") else "disconnected from"
    return say(p, join("App", name, verb, "the account"), None, "", fields(obj, None))


@builds(
    "account.external_account.created", "account.external_account.deleted",
    "account.external_account.updated",
)  # fmt: skip
def _external_account(p: StripeEvent) -> EventDraft:
    obj = p.of("bank_account", "card")
    bank = text(obj.get("bank_name")) or text(obj.get("brand"))
    label = join("Payout account", bank, of("ending", text(obj.get("last4"))))
    verbs = {"created": "added", "deleted": "removed", "updated": "updated"}
    title = join(label, verbs[p.type.rsplit(".", 1)[-1]])
    return say(p, title, None, "", fields(obj, None, account=ref(obj, "account")))


@builds("capability.updated")
def _capability(p: StripeEvent) -> EventDraft:
    obj = p.of("capability")
    name = words(text(obj.get("id")) or "capability")
    status = text(obj.get("status"))
    title = join("Capability", name, of("of", ref(obj, "account")), "is now" if status else None)
    title = join(title, words(status) if status else "updated")
    return say(p, title, None, "", fields(obj, None, account=ref(obj, "account")))


@builds("person.created", "person.deleted", "person.updated")
def _person(p: StripeEvent) -> EventDraft:
    obj = p.of("person")
    name = join(text(obj.get("first_name")), text(obj.get("last_name"))) or p.object_id
    title = join("Person", name, of("of account", ref(obj, "account")), action(p, "person."))
    return say(p, title, None, "", fields(obj, None, account=ref(obj, "account")))


@builds(
    "identity.verification_session.canceled", "identity.verification_session.created",
    "identity.verification_session.processing", "identity.verification_session.redacted",
    "identity.verification_session.requires_input", "identity.verification_session.verified",
)  # fmt: skip
def _identity(p: StripeEvent) -> EventDraft:
    obj = p.of("identity.verification_session")
    kind = text(obj.get("type"))
    head = join("Identity verification", f"({words(kind)})" if kind else None)
    done = p.type.removeprefix("identity.verification_session.")
    reason = text(dig(obj, "last_error.code"))
    if done == "requires_input":
        title = f"{head} needs the person to try again" + (f": {words(reason)}" if reason else "")
    else:
        title = f"{head} {words(done)}"
    return say(p, title, None, text(dig(obj, "last_error.reason")) or "", fields(obj, None))


@builds("issuing_authorization.request")
def _authorization_request(p: StripeEvent) -> EventDraft:
    obj = p.of("issuing.authorization")
    amount = amount_of(obj)
    merchant = text(dig(obj, "merchant_data.name"))
    title = join("Card authorization", of("of", amount), of("at", merchant), "to approve")
    return say(p, title, None, "", fields(obj, amount, merchant=merchant))


# ---- the table ------------------------------------------------------------------------------

# Type prefix → (noun, object kinds). The label is the amount, else a name, else the id.
_NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "apps.install.": ("Stripe App installation", ("apps.install", "application")),
    "balance_settings.": ("Balance settings", ("balance_settings",)),
    "billing.alert.": ("Billing alert", ("billing.alert_triggered", "billing.alert")),
    "billing.credit_balance_transaction.": (
        "Billing credit transaction",
        ("billing.credit_balance_transaction",),
    ),
    "billing.credit_grant.": ("Billing credit grant", ("billing.credit_grant",)),
    "billing.meter.": ("Usage meter", ("billing.meter",)),
    "climate.order.": ("Climate order", ("climate.order",)),
    "climate.product.": ("Climate product", ("climate.product",)),
    "entitlements.active_entitlement_summary.": (
        "Entitlements",
        ("entitlements.active_entitlement_summary",),
    ),
    "file.": ("File", ("file",)),
    "financial_connections.account.": (
        "Linked bank account",
        ("financial_connections.account",),
    ),
    "financial_connections.authorization.": (
        "Bank connection authorization",
        ("financial_connections.authorization",),
    ),
    "issuing_authorization.": ("Card authorization", ("issuing.authorization",)),
    "issuing_card.": ("Issued card", ("issuing.card",)),
    "issuing_cardholder.": ("Cardholder", ("issuing.cardholder",)),
    "issuing_dispute.": ("Issuing dispute", ("issuing.dispute",)),
    "issuing_personalization_design.": (
        "Card design",
        ("issuing.personalization_design",),
    ),
    "issuing_token.": ("Card token", ("issuing.token",)),
    "issuing_transaction.": ("Card transaction", ("issuing.transaction",)),
    "reporting.report_run.": ("Report run", ("reporting.report_run",)),
    "reporting.report_type.": ("Report type", ("reporting.report_type",)),
    "reserve.hold.": ("Reserve hold", ("reserve.hold",)),
    "reserve.plan.": ("Reserve plan", ("reserve.plan",)),
    "reserve.release.": ("Reserve release", ("reserve.release",)),
    "sigma.scheduled_query_run.": ("Sigma scheduled query", ("scheduled_query_run",)),
    "tax.settings.": ("Tax settings", ("tax.settings",)),
    "terminal.reader.": ("Terminal reader", ("terminal.reader",)),
    "test_helpers.test_clock.": ("Test clock", ("test_helpers.test_clock",)),
    "treasury.credit_reversal.": ("Treasury credit reversal", ("treasury.credit_reversal",)),
    "treasury.debit_reversal.": ("Treasury debit reversal", ("treasury.debit_reversal",)),
    "treasury.financial_account.": (
        "Treasury financial account",
        ("treasury.financial_account",),
    ),
    "treasury.inbound_transfer.": ("Treasury inbound transfer", ("treasury.inbound_transfer",)),
    "treasury.outbound_payment.": ("Treasury outbound payment", ("treasury.outbound_payment",)),
    "treasury.outbound_transfer.": (
        "Treasury outbound transfer",
        ("treasury.outbound_transfer",),
    ),
    "treasury.received_credit.": ("Treasury received credit", ("treasury.received_credit",)),
    "treasury.received_debit.": ("Treasury received debit", ("treasury.received_debit",)),
}
_NAME_PATHS = (
    "display_name", "name", "title", "nickname", "label", "filename", "report_type",
    "metadata.name", "merchant_data.name", "last4",
)  # fmt: skip
# What happened, where the type's last words read badly on their own.
_VERBS = {
    "account_numbers_updated": "has new account numbers",
    "action_failed": "could not do what it was asked",
    "action_succeeded": "did what it was asked",
    "action_updated": "action updated",
    "expected_arrival_date_updated": "expected arrival date changed",
    "expected_deactivation_date_updated": "deactivation date changed",
    "features_status_updated": "features changed",
    "funds_reinstated": "funds reinstated",
    "funds_rescinded": "funds taken back",
    "initial_credit_granted": "credited in advance",
    "internal_failure": "failed inside Stripe",
    "pricing_updated": "pricing changed",
    "product_substituted": "got a substitute product",
    "purchase_details_receipt_updated": "receipt details updated",
    "refreshed_balance": "balance refreshed",
    "refreshed_ownership": "ownership refreshed",
    "refreshed_transactions": "transactions refreshed",
    "supported_payment_method_types_updated": "supported payment methods changed",
    "tracking_details_updated": "tracking details updated",
    "triggered": "triggered",
    "upcoming_account_number_expiry": "account numbers expire soon",
    "upcoming_deactivation": "will be deactivated soon",
    "advancing": "advancing",
    "ready": "ready",
}

_TABLE_TYPES = (
    "apps.install.created", "apps.install.deleted", "apps.install.updated",
    "balance_settings.updated", "billing.alert.triggered",
    "billing.credit_balance_transaction.created", "billing.credit_grant.created",
    "billing.credit_grant.updated", "billing.meter.created", "billing.meter.deactivated",
    "billing.meter.reactivated", "billing.meter.updated", "climate.order.canceled",
    "climate.order.created", "climate.order.delayed", "climate.order.delivered",
    "climate.order.product_substituted", "climate.product.created",
    "climate.product.pricing_updated", "entitlements.active_entitlement_summary.updated",
    "file.created",
    "financial_connections.account.account_numbers_updated",
    "financial_connections.account.created", "financial_connections.account.deactivated",
    "financial_connections.account.disconnected",
    "financial_connections.account.expected_deactivation_date_updated",
    "financial_connections.account.reactivated",
    "financial_connections.account.refreshed_balance",
    "financial_connections.account.refreshed_ownership",
    "financial_connections.account.refreshed_transactions",
    "financial_connections.account.supported_payment_method_types_updated",
    "financial_connections.account.upcoming_account_number_expiry",
    "financial_connections.account.upcoming_deactivation",
    "financial_connections.authorization.expected_deactivation_date_updated",
    "financial_connections.authorization.upcoming_deactivation",
    "issuing_authorization.created", "issuing_authorization.updated",
    "issuing_card.created", "issuing_card.updated", "issuing_cardholder.created",
    "issuing_cardholder.updated", "issuing_dispute.closed", "issuing_dispute.created",
    "issuing_dispute.funds_reinstated", "issuing_dispute.funds_rescinded",
    "issuing_dispute.submitted", "issuing_dispute.updated",
    "issuing_personalization_design.activated", "issuing_personalization_design.deactivated",
    "issuing_personalization_design.rejected", "issuing_personalization_design.updated",
    "issuing_token.created", "issuing_token.updated", "issuing_transaction.created",
    "issuing_transaction.purchase_details_receipt_updated", "issuing_transaction.updated",
    "reporting.report_run.failed", "reporting.report_run.succeeded",
    "reporting.report_type.updated", "reserve.hold.created", "reserve.hold.updated",
    "reserve.plan.created", "reserve.plan.disabled", "reserve.plan.expired",
    "reserve.plan.updated", "reserve.release.created", "sigma.scheduled_query_run.created",
    "tax.settings.updated", "terminal.reader.action_failed", "terminal.reader.action_succeeded",
    "terminal.reader.action_updated", "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created", "test_helpers.test_clock.deleted",
    "test_helpers.test_clock.internal_failure", "test_helpers.test_clock.ready",
    "treasury.credit_reversal.created", "treasury.credit_reversal.posted",
    "treasury.debit_reversal.completed", "treasury.debit_reversal.created",
    "treasury.debit_reversal.initial_credit_granted", "treasury.financial_account.closed",
    "treasury.financial_account.created",
    "treasury.financial_account.features_status_updated",
    "treasury.inbound_transfer.canceled", "treasury.inbound_transfer.created",
    "treasury.inbound_transfer.failed", "treasury.inbound_transfer.succeeded",
    "treasury.outbound_payment.canceled", "treasury.outbound_payment.created",
    "treasury.outbound_payment.expected_arrival_date_updated",
    "treasury.outbound_payment.failed", "treasury.outbound_payment.posted",
    "treasury.outbound_payment.returned", "treasury.outbound_payment.tracking_details_updated",
    "treasury.outbound_transfer.canceled", "treasury.outbound_transfer.created",
    "treasury.outbound_transfer.expected_arrival_date_updated",
    "treasury.outbound_transfer.failed", "treasury.outbound_transfer.posted",
    "treasury.outbound_transfer.returned",
    "treasury.outbound_transfer.tracking_details_updated",
    "treasury.received_credit.created", "treasury.received_credit.failed",
    "treasury.received_credit.succeeded", "treasury.received_debit.created",
)  # fmt: skip


def _noun(event_type: str) -> tuple[str, str, tuple[str, ...]]:
    """(prefix, noun, object kinds) of a type in the table."""
    prefix = max((k for k in _NOUNS if event_type.startswith(k)), key=len)
    return (prefix, *_NOUNS[prefix])


@builds(*_TABLE_TYPES)
def _described(p: StripeEvent) -> EventDraft:
    """`Treasury outbound payment of $10.00 USD posted`, `Usage meter API calls created`."""
    prefix, noun, kinds = _noun(p.type)
    obj = p.of(*kinds)
    amount = amount_of(obj)
    name = next((found for path in _NAME_PATHS if (found := text(dig(obj, path), 80))), None)
    label = of("of", amount) or name or p.object_id
    done = p.type.removeprefix(prefix)
    title = join(noun, label, _VERBS.get(done) or words(done))
    reason = _reason(obj)
    if reason and p.type.rsplit(".", 1)[-1] in ("failed", "returned", "internal_failure"):
        title += f": {words(reason)}"
    return say(p, title, None, "", fields(obj, amount, name=name))


def _reason(obj: dict[str, Any]) -> str | None:
    for path in ("failure_code", "returned_details.code", "action.failure_code", "status_details"):
        found = text(dig(obj, path))
        if found:
            return found
    return None
