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
from typing import Any

import orjson

from echodash import titles
from echodash.events import EventDraft
from echodash.store.base import Store, StoredDelivery

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
        """The parsed drafts with their workspaces' templates applied."""
        result: Parsed = []
        for delivery, drafts in parsed:
            try:
                result.append((delivery, await self._apply_one(delivery, drafts)))
            except Exception:
                log.exception(
                    "feed template could not be applied to delivery %s; kept as parsed",
                    delivery.id,
                )
                result.append((delivery, drafts))
        return result

    async def _apply_one(
        self, delivery: StoredDelivery, drafts: Sequence[EventDraft]
    ) -> Sequence[EventDraft]:
        chosen = await self.of(delivery.workspace_id)
        if not chosen:
            return drafts
        wanted = [chosen.get(titles.fingerprint(delivery.source, d.type)) for d in drafts]
        if not any(template is not None for template in wanted):
            return drafts
        payload = payload_json(delivery.body)
        out: list[EventDraft] = []
        for draft, template in zip(drafts, wanted, strict=True):
            if template is None:
                out.append(draft)
                continue
            try:
                out.append(titles.apply(draft, delivery.source, payload, template))
            except Exception:
                log.exception(
                    "feed template for %s failed on delivery %s; kept as parsed",
                    titles.fingerprint(delivery.source, draft.type),
                    delivery.id,
                )
                out.append(draft)
        return out


def payload_json(body: bytes) -> Any:
    """The delivery's body as JSON, or None when it is not JSON."""
    try:
        return orjson.loads(body)
    except ValueError:
        return None
