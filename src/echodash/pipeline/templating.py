"""Feed templates at parse time: each draft titled and given fields as its workspace chose.

A workspace's templates are read from its saved settings (`template:<source>:<type>`) and kept
for TEMPLATE_TTL seconds, so a steady trickle of deliveries does not read them on every batch;
a saved change reaches new events within that time. Nothing here may lose an event: whatever
goes wrong, the draft is kept as its parser made it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from echodash import titles
from echodash.events import EventDraft
from echodash.pipeline.render_budget import RenderBudget
from echodash.store.base import Store, StoredDelivery
from echodash.titles.worker import RenderJob, RenderPool

log = logging.getLogger("echodash.templating")

TEMPLATE_TTL = 5.0
PREFIX = "template:"
_MAX_CACHED = 10_000

Parsed = list[tuple[StoredDelivery, Sequence[EventDraft]]]


async def saved_templates(store: Store, workspace_id: int) -> dict[str, titles.FeedTemplate]:
    """A workspace's valid saved templates by fingerprint (invalid ones logged, left out)."""
    found: dict[str, titles.FeedTemplate] = {}
    for _, user_id, key, doc in await store.settings_with_prefix(workspace_id, PREFIX):
        if user_id != 0:
            continue  # templates belong to the workspace, not to one person
        try:
            found[key.removeprefix(PREFIX)] = titles.FeedTemplate.from_json(doc)
        except titles.TemplateError as problem:
            log.warning(
                "workspace %s: stored feed template %r ignored: %s", workspace_id, key, problem
            )
    return found


class Templates:
    """Each workspace's feed templates (fingerprint → template), cached for a few seconds."""

    def __init__(self, store: Store, ttl: float = TEMPLATE_TTL) -> None:
        self._store = store
        self._ttl = ttl
        self.pool = RenderPool("feed-templates")
        self.budget = RenderBudget()
        self._cache: dict[int, tuple[dict[str, titles.FeedTemplate], float]] = {}

    def forget(self, workspace_id: int | None = None) -> None:
        """Read the templates again on next use (one workspace's, or all)."""
        if workspace_id is None:
            self._cache.clear()
        else:
            self._cache.pop(workspace_id, None)

    async def of(self, workspace_id: int) -> dict[str, titles.FeedTemplate]:
        now = time.monotonic()
        cached = self._cache.get(workspace_id)
        if cached is not None and now - cached[1] < self._ttl:
            return cached[0]
        found = await saved_templates(self._store, workspace_id)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[workspace_id] = (found, now)
        return found

    async def apply(self, parsed: Parsed) -> Parsed:
        """The parsed drafts with their workspaces' templates applied (rendered in the
        render child, off the event loop, with hard limits)."""
        jobs: dict[int, RenderJob] = {}
        for index, (delivery, drafts) in enumerate(parsed):
            try:
                job = await self._job(delivery, drafts)
            except Exception:
                log.exception("feed templates of delivery %s could not be read", delivery.id)
                continue
            if job is not None:
                jobs[index] = job
        if not jobs:
            return parsed
        done = await self.pool.render(list(jobs.values()), self.budget)
        rendered = dict(zip(jobs, done, strict=True))
        return [
            (delivery, [d for d, _ in rendered[i]] if i in rendered else drafts)
            for i, (delivery, drafts) in enumerate(parsed)
        ]

    async def _job(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> RenderJob | None:
        chosen = await self.of(delivery.workspace_id)
        if not chosen:
            return None
        wanted = [chosen.get(titles.fingerprint(delivery.source, d.type)) for d in drafts]
        if not any(template is not None for template in wanted):
            return None
        return RenderJob(
            delivery.source,
            delivery.body,
            tuple(zip(drafts, wanted, strict=True)),
            delivery.workspace_id,
        )

    def close(self) -> None:
        self.pool.close()
