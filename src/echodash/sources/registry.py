"""Old home of the registry, kept while senders move to their folders (see _registry)."""

from echodash.sources._registry import (
    ENTRY_POINT_GROUP,
    UnknownSourceError,
    source_class,
    source_classes,
)

__all__ = ["ENTRY_POINT_GROUP", "UnknownSourceError", "source_class", "source_classes"]
