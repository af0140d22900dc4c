"""Vercel: team (account) and integration webhooks."""

from echodash.sources.vercel.source import VercelSource

__all__ = ["VercelSource"]
