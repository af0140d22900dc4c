"""Stripe: `Stripe-Signature` webhooks about payments, billing, Connect and the rest."""

from echodash.sources.stripe.source import StripeSource

__all__ = ["StripeSource"]
