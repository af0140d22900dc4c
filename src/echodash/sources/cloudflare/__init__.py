"""Cloudflare: Notifications webhook destinations."""

from echodash.sources.cloudflare.source import CloudflareSource

__all__ = ["CloudflareSource"]
