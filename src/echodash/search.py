"""Search words: one definition for the stored index's query and the live stream's matching.

A query is split into runs of letters and digits; an event matches when every word is the
start of a word in its searchable text (the fields `events_fts` indexes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from echodash.events import Event

MAX_WORDS = 16


def text_words(text: str) -> list[str]:
    """Every lower-cased word of `text` (runs of letters and digits)."""
    return "".join(c if c.isalnum() else " " for c in text.lower()).split()


def search_words(text: str) -> list[str]:
    """The words of a query, at most MAX_WORDS of them."""
    return text_words(text)[:MAX_WORDS]


def searchable_text(event: Event) -> str:
    """The fields search looks in, as one text."""
    fields = (event.title, event.summary, event.actor, event.subject, event.type, event.source)
    return " ".join(f for f in fields if f)


def matches_words(words: list[str], event: Event) -> bool:
    """True when every word starts a word of the event's searchable text."""
    tokens = text_words(searchable_text(event)) if words else []
    return all(any(t.startswith(w) for t in tokens) for w in words)


def _unaccented(text: str) -> str:
    """`text` without combining marks, as the stored index folds words ("café" is "cafe")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def stored_words(text: str) -> list[str]:
    """The words of a query as the stored index compares them: also without accents."""
    return [_unaccented(w) for w in search_words(text)]


@lru_cache(maxsize=256)
def _word_start(word: str) -> re.Pattern[str]:
    """`word` where a word starts: not after a letter or digit (`[^\\W_]` is `str.isalnum`)."""
    return re.compile(r"(?<![^\W_])" + re.escape(word))


def texts_match(words: list[str], texts: Iterable[str | None]) -> bool:
    """True when every word (from `stored_words`) starts a word of the texts, accents folded:
    the stored index's answer for one row, worked out from the row itself (a few µs: it runs
    on every row a search walks)."""
    text = " ".join(t for t in texts if t).lower()
    if not text.isascii() and not unicodedata.is_normalized("NFD", text):
        text = _unaccented(text)
    return all(w in text and _word_start(w).search(text) for w in words)
