"""Any webhook: configurable authentication, dedup key and type; key fields found by name."""

from echodash.sources.generic.source import AUTH_MODES, NO_SECRET_CHECKED, GenericSource

__all__ = ["AUTH_MODES", "NO_SECRET_CHECKED", "GenericSource"]
