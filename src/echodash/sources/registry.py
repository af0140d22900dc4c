"""Finds sources: built-in and third-party alike come from the `echodash.sources` entry points."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from echodash.sources.base import Source

ENTRY_POINT_GROUP = "echodash.sources"

log = logging.getLogger("echodash.sources")


class UnknownSourceError(KeyError):
    """No registered source has that kind."""


@cache
def source_classes() -> dict[str, type[Source]]:
    """Every registered source class by kind, loaded once per process."""
    found: dict[str, type[Source]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        # One broken plugin must not take every other source down with it.
        try:
            cls = entry.load()
        except Exception:
            log.exception("source plugin %r could not be loaded; it is skipped", entry.name)
            continue
        if not (isinstance(cls, type) and issubclass(cls, Source)):
            log.error("source plugin %r does not name a Source subclass; skipped", entry.name)
            continue
        found[cls.kind] = cls
    return dict(sorted(found.items()))


def source_class(kind: str) -> type[Source]:
    try:
        return source_classes()[kind]
    except KeyError:
        known = ", ".join(source_classes())
        raise UnknownSourceError(f"unknown source kind {kind!r} (known: {known})") from None
