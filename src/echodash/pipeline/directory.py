"""Endpoints as the receive path needs them: source instance and plaintext active secrets.

Looked up by slug on every delivery, so kept in memory for a few seconds; a change made
through this process is seen at once, one made elsewhere within `ttl` seconds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from echodash.crypto import SecretBox
from echodash.events import utcnow
from echodash.sources import Source, source_class
from echodash.store.base import EndpointRecord, Store


@dataclass(frozen=True, slots=True)
class ActiveEndpoint:
    record: EndpointRecord
    source: Source
    secrets: tuple[str, ...]
    secret_ids: tuple[int, ...]
    fetched_at: float
    # Unix time at which the first of these secrets expires (inf when none does).
    valid_until: float = math.inf


class EndpointDirectory:
    def __init__(self, store: Store, box: SecretBox, ttl: float = 5.0) -> None:
        self._store = store
        self._box = box
        self._ttl = ttl
        self._by_slug: dict[str, ActiveEndpoint | None] = {}

    def cached(self, slug: str) -> ActiveEndpoint | None:
        """The endpoint if it was read within the last few seconds, with no wait (the
        receive path's usual case); None means ask `by_slug`."""
        cached = self._by_slug.get(slug)
        return cached if cached is not None and _fresh(cached, self._ttl) else None

    async def by_slug(self, slug: str) -> ActiveEndpoint | None:
        cached = self.cached(slug)
        if cached is not None:
            return cached
        # Unknown slugs are not cached: an endpoint just created by the CLI works at once.
        record = await self._store.get_endpoint_by_slug(slug)
        if record is None:
            self._by_slug.pop(slug, None)
            return None
        active = self._activate(record)
        if len(self._by_slug) > 10_000:
            self._by_slug.clear()
        self._by_slug[slug] = active
        return active

    def forget(self, slug: str) -> None:
        self._by_slug.pop(slug, None)

    def _activate(self, record: EndpointRecord) -> ActiveEndpoint:
        now = utcnow()
        live = [s for s in record.secrets if s.expires_at is None or s.expires_at > now]
        # Newest first: during a rotation the new secret is the likely match.
        live.reverse()
        return ActiveEndpoint(
            record=record,
            source=source_class(record.kind)(record.options),
            secrets=tuple(self._box.open(s.sealed) for s in live),
            secret_ids=tuple(s.id for s in live),
            fetched_at=time.monotonic(),
            valid_until=min(
                (s.expires_at.timestamp() for s in live if s.expires_at is not None),
                default=math.inf,
            ),
        )


def _fresh(active: ActiveEndpoint, ttl: float) -> bool:
    # A secret that expires while cached must stop working at once, not `ttl` seconds later.
    return time.monotonic() - active.fetched_at < ttl and time.time() < active.valid_until
