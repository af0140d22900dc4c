"""Custom events: a team's own product events, sent to the API with a token."""

from echodash.sources.custom.source import CustomSource

__all__ = ["CustomSource"]
