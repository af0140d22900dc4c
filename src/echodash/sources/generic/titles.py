"""The any-webhook line: `<type>: <key facts>`, or the title the endpoint's options point at."""

from __future__ import annotations

from dataclasses import replace

from echodash.events import EventDraft
from echodash.sources.generic.reader import Hook
from echodash.sources.kit.keyfacts import headline, key_facts
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Hook] = TitleBook()


@TITLES.builds("*")
def _hook(p: Hook) -> EventDraft:
    """Any delivery: up to three key values found by key name (see kit/keyfacts.py)."""
    facts = key_facts(p.body, p.type)
    draft = facts.draft(p.type, p.chosen_title or headline(p.type, facts))
    return replace(draft, category=p.category)
