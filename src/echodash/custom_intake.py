"""Storing custom events: each one a delivery of its workspace's `custom` endpoint, made on
first use, so custom events share the durable, deduplicated path of webhooks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from echodash.crypto import new_slug
from echodash.custom_events import CustomEvent
from echodash.events import Delivery, Origin, utcnow
from echodash.store.base import AppendResult, EndpointRecord, Store

CUSTOM_KIND = "custom"
ENDPOINT_NAME = "Custom events"
_CACHE_SECONDS = 60.0
_HEADERS = {"content-type": "application/json"}


class CustomIntake:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._endpoints: dict[int, tuple[EndpointRecord, float]] = {}
        self._lock = asyncio.Lock()

    async def endpoint(self, workspace_id: int) -> EndpointRecord:
        """The workspace's custom-events endpoint, created the first time it is needed."""
        cached = self._endpoints.get(workspace_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        async with self._lock:
            records = await self._store.list_endpoints(workspace_id)
            found = next((r for r in records if r.kind == CUSTOM_KIND), None)
            if found is None:
                found = await self._store.create_endpoint(
                    workspace_id, CUSTOM_KIND, ENDPOINT_NAME, new_slug(), {}, None
                )
            self._endpoints[workspace_id] = (found, time.monotonic() + _CACHE_SECONDS)
            return found

    async def append(
        self, workspace_id: int, events: Sequence[CustomEvent], origin: Origin = Origin.API
    ) -> list[AppendResult]:
        """Store the events durably (all committed when this returns), each once per id;
        `origin` says how they came (the API, or `echodash import`)."""
        endpoint = await self.endpoint(workspace_id)
        received = utcnow()
        deliveries = [
            Delivery(
                endpoint_id=endpoint.id,
                workspace_id=workspace_id,
                source=CUSTOM_KIND,
                key=event.key,
                headers=_HEADERS,
                body=event.body(),
                received_at=received,
                secret_id=None,
                origin=origin,
            )
            for event in events
        ]
        # Submitted together, so the store's writer commits them in a few large groups.
        return list(await asyncio.gather(*(self._store.append_delivery(d) for d in deliveries)))
