"""Previewing a feed template on stored events, so users see its effect before saving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from echodash.events import Event, EventDraft, FieldValue
from echodash.titles.apply import apply_checked
from echodash.titles.model import FeedTemplate, TemplateError
from echodash.titles.sandbox import check_template


@dataclass
class PreviewRow:
    """One sample event: its title now, with the template, the fields shown, and any error."""

    event_id: int
    before: str
    after: str
    fields: list[tuple[str, FieldValue]]
    error: str | None


def preview(template: FeedTemplate, samples: Sequence[tuple[Event, Any]]) -> list[PreviewRow]:
    """Each (event, parsed payload) sample as it would look with `template`."""
    broken = None
    if template.title is not None and template.title.strip():
        try:
            check_template(template.title)
        except TemplateError as problem:
            broken = str(problem)
    rows: list[PreviewRow] = []
    for event, payload in samples:
        draft, error = apply_checked(draft_of(event), event.source, payload, template)
        rows.append(
            PreviewRow(
                event_id=event.id,
                before=event.title,
                after=draft.title,
                fields=list(draft.fields.items()),
                error=broken or error,
            )
        )
    return rows


def draft_of(event: Event) -> EventDraft:
    """A stored event as the draft it came from (to apply a template to it again)."""
    return EventDraft(
        type=event.type,
        title=event.title,
        summary=event.summary,
        actor=event.actor,
        subject=event.subject,
        url=event.url,
        occurred_at=event.occurred_at,
        severity=event.severity,
        tags=event.tags,
        fields=dict(event.fields),
    )
