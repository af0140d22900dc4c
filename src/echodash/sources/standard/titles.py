"""The Standard Webhooks line: `<type> from Standard Webhooks sender: <key facts>`."""

from __future__ import annotations

from dataclasses import replace

from echodash.events import EventDraft
from echodash.sources.kit.keyfacts import key_facts
from echodash.sources.kit.titles import TitleBook
from echodash.sources.standard.reader import SENDER, Message

TITLES: TitleBook[Message] = TitleBook()


@TITLES.builds("*")
def _message(p: Message) -> EventDraft:
    """Any message: its type, then up to three key values of its `data` found by key name."""
    facts = key_facts(p.data, p.type)
    title = f"{p.type} from {SENDER}"
    if facts.headline:
        title += ": " + " · ".join(facts.headline)
    return replace(facts.draft(p.type, title), occurred_at=p.sent(facts.occurred_at))
