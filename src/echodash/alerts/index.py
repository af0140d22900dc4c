"""Which rules can match an event, found without trying them all.

With a hundred rules active, trying each on every event costs more than the work that
matters. Rules are filed by the source they name (a rule naming none is tried on every
event, except EchoDash's own alert events: see matching.ALERTS_SOURCE) and, within a source,
by the exact type they name; type globs are compiled once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import translate
from typing import Generic, TypeVar

from echodash.alerts.matching import ALERTS_SOURCE, Body, compile_match
from echodash.alerts.rules import Rule
from echodash.events import Event

K = TypeVar("K")
_ANY = None


@dataclass(frozen=True, slots=True)
class _Filed(Generic[K]):
    key: K
    rule: Rule
    type_pattern: re.Pattern[str] | None  # a glob, compiled; None: exact or any type
    test: Callable[[Event, Body], bool]  # the rest of the match, worked out once


class RuleIndex(Generic[K]):
    """Rules filed for quick lookup; `candidates` gives those worth trying on an event and
    `matching` those that match (rules with an exact type first, then the others, each group
    in the order filed)."""

    def __init__(self, rules: Iterable[tuple[K, Rule]]) -> None:
        self._exact: dict[tuple[str | None, str], list[_Filed[K]]] = defaultdict(list)
        self._loose: dict[str | None, list[_Filed[K]]] = defaultdict(list)
        for key, rule in rules:
            pattern = rule.match.type
            filed: _Filed[K]
            if pattern is not None and not any(c in pattern for c in "*?["):
                filed = _Filed(key, rule, None, compile_match(rule.match, filed=True))
                self._exact[(rule.match.source, pattern)].append(filed)
            else:
                compiled = re.compile(translate(pattern)) if pattern is not None else None
                filed = _Filed(key, rule, compiled, compile_match(rule.match, filed=True))
                self._loose[rule.match.source].append(filed)

    def candidates(self, event: Event) -> list[_Filed[K]]:
        found: list[_Filed[K]] = []
        # Alert events are seen only by the rules that name their source.
        sources = (event.source,) if event.source == ALERTS_SOURCE else (event.source, _ANY)
        for source in sources:
            found += self._exact.get((source, event.type), ())
            for filed in self._loose.get(source, ()):
                if filed.type_pattern is None or filed.type_pattern.match(event.type):
                    found.append(filed)
        return found

    def matching(self, event: Event, body: Body) -> Sequence[tuple[K, Rule]]:
        """The (key, rule) pairs whose match holds for the event."""
        return [(f.key, f.rule) for f in self.candidates(event) if f.test(event, body)]
