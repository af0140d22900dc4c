"""Linear: data-change webhooks of a Linear workspace."""

from echodash.sources.linear.source import LinearSource

__all__ = ["LinearSource"]
