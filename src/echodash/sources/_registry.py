"""Finds senders: built-in and third-party alike come from the `echodash.sources` entry points.

Built-in senders are registered exactly the way a plugin's are (pyproject.toml's entry points),
so a plugin sender is as much at home as GitHub: its own label, icon, guide and page order.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from echodash.sources._base import Source

ENTRY_POINT_GROUP = "echodash.sources"

log = logging.getLogger("echodash.sources")


class UnknownSourceError(KeyError):
    """No registered source has that kind."""


@cache
def source_classes() -> dict[str, type[Source]]:
    """Every registered sender class by kind, loaded once per process, in picker order."""
    found: dict[str, type[Source]] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        cls = _load(entry)
        if cls is None:
            continue
        if cls.kind in found:
            # Two senders cannot share a kind: endpoints of that kind would change meaning
            # with the install order. The first one (by entry-point name) keeps it.
            log.error(
                "source plugin %r (%s) claims kind %r, which %s.%s has already; it is skipped",
                entry.name,
                entry.value,
                cls.kind,
                found[cls.kind].__module__,
                found[cls.kind].__qualname__,
            )
            continue
        found[cls.kind] = cls
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[1].name.lower())))


def _load(entry: EntryPoint) -> type[Source] | None:
    # One broken plugin must not take every other sender down with it.
    try:
        cls = entry.load()
    except Exception:
        log.exception("source plugin %r could not be loaded; it is skipped", entry.name)
        return None
    if not (isinstance(cls, type) and issubclass(cls, Source)):
        log.error("source plugin %r does not name a Source subclass; it is skipped", entry.name)
        return None
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or kind != entry.name:
        log.error(
            "source plugin %r names a sender of kind %r: the entry-point name must be the "
            'kind (%s = "%s" under [project.entry-points."%s"]); it is skipped',
            entry.name,
            kind,
            kind,
            entry.value,
            ENTRY_POINT_GROUP,
        )
        return None
    return cls


def source_class(kind: str) -> type[Source]:
    try:
        return source_classes()[kind]
    except KeyError:
        known = ", ".join(sorted(source_classes()))
        raise UnknownSourceError(f"unknown source kind {kind!r} (known: {known})") from None
