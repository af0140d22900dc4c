"""Sentry: integration-platform webhooks of an internal (custom) integration."""

from echodash.sources.sentry.source import SentrySource

__all__ = ["SentrySource"]
