"""Standard Webhooks: any sender that signs the Standard Webhooks way (Svix, Clerk, Resend…)."""

from echodash.sources.standard.source import StandardWebhooksSource

__all__ = ["StandardWebhooksSource"]
