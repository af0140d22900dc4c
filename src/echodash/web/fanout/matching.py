"""Whether a live event passes a stream's filters: the live counterpart of the store's query."""

from __future__ import annotations

from datetime import timedelta

from echodash import event_query
from echodash.events import Event, utcnow
from echodash.search import matches_words, search_words
from echodash.store.base import EventFilter


def _vocabulary_matches(filters: EventFilter, event: Event) -> bool:
    outcome = None if event.outcome is None else event.outcome.value
    return all(
        wanted is None or wanted == value
        for wanted, value in (
            (filters.category, event.category.value),
            (filters.service, event.service),
            (filters.environment, event.environment),
            (filters.outcome, outcome),
            (filters.origin, event.origin.value),
        )
    )


def matches(
    filters: EventFilter,
    event: Event,
    window: timedelta | None = None,
    words: list[str] | None = None,
) -> bool:
    """The store's filtering (search: every word, as a prefix), with `window` a `since` that
    moves with the clock (the feed's "last hour"); `words` are `filters.q`'s, split once."""
    if filters.source is not None and event.source != filters.source:
        return False
    if filters.type is not None and event.type != filters.type:
        return False
    if filters.endpoint_id is not None and event.endpoint_id != filters.endpoint_id:
        return False
    if not event_query.accepts(filters, event.severity):
        return False
    if filters.since is not None and event.occurred_at < filters.since:
        return False
    if window is not None and event.occurred_at < utcnow() - window:
        return False
    if filters.until is not None and event.occurred_at >= filters.until:
        return False
    if not _vocabulary_matches(filters, event):
        return False
    if not filters.q:
        return True
    return matches_words(search_words(filters.q) if words is None else words, event)
