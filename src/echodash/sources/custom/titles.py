"""The custom events line: `u_1001 Signed up`, whatever name the product sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from echodash.events import EventDraft
from echodash.sources.custom.reader import MAX_FIELDS, CustomEvent
from echodash.sources.kit.payload import link
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[CustomEvent] = TitleBook()


@TITLES.builds("*")
def _custom_event(p: CustomEvent) -> EventDraft:
    """Any custom event: its name after its `distinct_id`, its values as fields, and the
    category, service, environment, outcome and commits it says of itself."""
    # Each value is read once: imports parse custom events by the hundred thousand.
    name, actor = p.name, p.actor
    if name is None:
        return EventDraft(type="unknown", title="A custom event without a name")
    fields = p.flat_values()
    if actor is not None:
        fields = {"distinct_id": actor, **fields}
    return EventDraft(
        type=name,
        title=f"{actor} {name}" if actor else name,
        actor=actor,
        subject=p.subject,
        url=link(p.values.get("url")),
        occurred_at=_when(p.body.get("timestamp")),
        severity=p.severity,
        tags=("custom",),
        fields=dict(list(fields.items())[:MAX_FIELDS]),
        category=p.category,
        service=p.service,
        environment=p.environment,
        outcome=p.outcome,
        commits=tuple(dict.fromkeys(c for c in p.commits if c)),
    )


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
