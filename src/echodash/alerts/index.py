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
# Source and type pairs remembered with their candidate rules (cleared when full).
MAX_PAIRS = 4096


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
        self._by_pair: dict[tuple[str, str], list[_Filed[K]]] = {}
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
        # The candidates depend on the event's source and type alone: worked out once per
        # pair (a busy stream has a few hundred), not once per event.
        pair = (event.source, event.type)
        found = self._by_pair.get(pair)
        if found is None:
            if len(self._by_pair) >= MAX_PAIRS:
                self._by_pair.clear()
            found = self._by_pair[pair] = self._work_out(event.source, event.type)
        return found

    def _work_out(self, event_source: str, event_type: str) -> list[_Filed[K]]:
        found: list[_Filed[K]] = []
        # Alert events are seen only by the rules that name their source.
        sources = (event_source,) if event_source == ALERTS_SOURCE else (event_source, _ANY)
        for source in sources:
            found += self._exact.get((source, event_type), ())
            for filed in self._loose.get(source, ()):
                if filed.type_pattern is None or filed.type_pattern.match(event_type):
                    found.append(filed)
        return found

    def matching(self, event: Event, body: Body) -> Sequence[tuple[K, Rule]]:
        """The (key, rule) pairs whose match holds for the event."""
        return [(f.key, f.rule) for f in self.candidates(event) if f.test(event, body)]
