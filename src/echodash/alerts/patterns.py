"""Regular expressions people write into rules, run in linear time.

A rule's `matches` condition runs on every matching event; a backtracking engine would let one
pattern such as `(a+)+$` stall evaluation for everyone. RE2 never backtracks: its time grows
with the text, whatever the pattern, and its memory is capped here.
"""

from __future__ import annotations

from typing import Any

import re2

MAX_PATTERN = 500
MAX_SUBJECT = 20_000  # characters of a value looked at
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a person's typo is answered to them, not logged
_OPTIONS.max_mem = 8 << 20


class PatternError(ValueError):
    """A pattern RE2 refuses (look-behind, back-references) or one too long."""


class SafePattern:
    """A compiled pattern whose search takes time linear in the text."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str) -> None:
        if len(source) > MAX_PATTERN:
            raise PatternError(f"a pattern of at most {MAX_PATTERN} characters")
        try:
            self._compiled: Any = re2.compile(source, options=_OPTIONS)
        except re2.error as error:
            reason = error.args[0] if error.args else "not a valid pattern"
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise PatternError(f"not a pattern EchoDash can run: {reason}") from None
        self.source = source

    def search(self, text: str) -> bool:
        return self._compiled.search(text[:MAX_SUBJECT]) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SafePattern) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"SafePattern({self.source!r})"
