"""Previewing a feed template on stored events, so users see its effect before saving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from echodash.events import Event, EventDraft, FieldValue
from echodash.titles.model import FeedTemplate, TemplateError
from echodash.titles.sandbox import check_template
from echodash.titles.worker import RenderJob, RenderPool


@dataclass
class PreviewRow:
    """One sample event: its title now, with the template, the fields shown, and any error."""

    event_id: int
    before: str
    after: str
    fields: list[tuple[str, FieldValue]]
    error: str | None


async def preview(
    pool: RenderPool, template: FeedTemplate, samples: Sequence[tuple[Event, bytes | None]]
) -> list[PreviewRow]:
    """Each (event, its delivery's body) sample as it would look with `template`, rendered
    by `pool` (a child process with hard limits)."""
    broken = None
    if template.title is not None and template.title.strip():
        try:
            check_template(template.title)
        except TemplateError as problem:
            broken = str(problem)
    jobs = [
        RenderJob(event.source, body or b"", ((draft_of(event), template),))
        for event, body in samples
    ]
    rows: list[PreviewRow] = []
    for (event, _), [(draft, error)] in zip(samples, await pool.render(jobs), strict=True):
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
