"""After the commit: stored deliveries become events, which go to the feed's subscribers.

Runs off the receive path. Work is found in the store (deliveries not yet processed), so a
crash between the commit and the parse loses nothing: the next start picks them up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from echodash.bus.base import Bus
from echodash.events import REPLAY_TAG, Event, EventDraft, Severity, utcnow
from echodash.pipeline.pacing import Pacer
from echodash.pipeline.templating import Templates
from echodash.sources import Source, UnknownSourceError, source_class
from echodash.store.base import Store, StoredDelivery, StoreUnavailableError
from echodash.telemetry import Telemetry

log = logging.getLogger("echodash.processor")

BATCH = 500
SOURCE_TTL = 5.0
MAX_REST = 1.0
# How long the workspaces' incident labels (metric settings) are kept between reads: one
# small query at most this often, never one per event. A change saved on this node is seen
# at once (`forget_incident_labels`), on other nodes within this time; the rebuild of the
# incident facts after a change waits longer than this (jobs/relabel.py).
LABEL_TTL = 2.0


def parse_delivery(source: Source | None, delivery: StoredDelivery) -> Sequence[EventDraft]:
    """A source's drafts for a delivery; a readable fallback if the parser fails or has none."""
    if source is not None:
        try:
            drafts = source.parse(delivery.headers, delivery.body)
            if drafts:
                return drafts
        except Exception:
            log.exception("parser of %s failed on delivery %s", delivery.source, delivery.id)
    return [
        EventDraft(
            type="unparsed",
            title=f"{delivery.source} delivery of {len(delivery.body)} bytes (not understood)",
            severity=Severity.WARNING,
            fields={"content_type": delivery.headers.get("content-type")},
        )
    ]


class Processor:
    def __init__(self, store: Store, bus: Bus, telemetry: Telemetry | None = None) -> None:
        self._store = store
        self._bus = bus
        self._telemetry = telemetry
        self._wakeup = asyncio.Event()
        self._pacer = Pacer(BATCH)
        self._paused = False
        self._sources: dict[int, tuple[Source, float]] = {}
        self.templates = Templates(store)
        self._labels: dict[int, str] = {}
        self._labels_at = float("-inf")
        # Called after events are stored and published (alert evaluation's wake-up): set once
        # at start, must be cheap and must not raise.
        self.on_events: Callable[[], None] | None = None

    def notify(self) -> None:
        """A delivery was committed (called on the receive path: keep it trivial)."""
        self._pacer.arrived()
        self._wakeup.set()

    async def run(self) -> None:
        """Process until cancelled; wakes when notified, and checks every second regardless."""
        while True:
            # Cleared before looking for work, so a delivery committed while we look still
            # wakes the wait below at once.
            self._wakeup.clear()
            step = self._pacer.next_step()
            started = time.monotonic()
            try:
                done = await self.process_pending(step.limit)
            except StoreUnavailableError as exc:
                if not self._paused:  # one line when it stops, one when it resumes
                    log.warning("processing paused until the store answers: %s", exc)
                    self._paused = True
                done = 0
                await asyncio.sleep(1.0)
                continue
            except Exception:
                # Never die silently: the deliveries stay stored and are tried again.
                log.exception("processing failed; retrying in 1 s")
                done = 0
                await asyncio.sleep(1.0)
            if self._paused:
                log.warning("processing resumed")
                self._paused = False
            rest = self._pacer.took(step, done, time.monotonic() - started)
            if done:
                # Let waiting requests run between batches; while they keep the loop busy,
                # step aside for most of the time (see pacing.py).
                await asyncio.sleep(min(rest, MAX_REST))
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), 1.0)
            except TimeoutError:
                pass

    async def incident_labels(self) -> dict[int, str]:
        """Each workspace's incident label (those not the default), read at most every
        LABEL_TTL seconds."""
        now = time.monotonic()
        if now - self._labels_at >= LABEL_TTL:
            self._labels = await self._store.incident_labels()
            self._labels_at = now
        return self._labels

    def forget_incident_labels(self) -> None:
        """A workspace's incident label changed here: read the labels again for the next batch."""
        self._labels_at = float("-inf")

    async def process_pending(self, limit: int = BATCH) -> int:
        labels = await self.incident_labels()
        taken, events = await self._store.process_pending(limit, self._parse, labels)
        if events:
            self._bus.publish(events)
            if self.on_events is not None:
                self.on_events()
            if self._telemetry is not None:
                for event in events:
                    self._telemetry.events.labels(event.source).inc()
        return taken

    async def _parse(
        self, pending: list[StoredDelivery]
    ) -> list[tuple[StoredDelivery, Sequence[EventDraft]]]:
        sources = await self._sources_for(pending)
        parsed: list[tuple[StoredDelivery, Sequence[EventDraft]]] = [
            (
                _with_thing(sources.get(d.endpoint_id), d),
                [_without_replay_tag(x) for x in parse_delivery(sources.get(d.endpoint_id), d)],
            )
            for d in pending
        ]
        try:
            return await self.templates.apply(parsed)
        except Exception:  # feed templates must never cost an event
            log.exception("feed templates could not be applied; events kept as parsed")
            return parsed

    async def _sources_for(self, deliveries: Sequence[StoredDelivery]) -> dict[int, Source]:
        """Each endpoint's source, built with that endpoint's options.

        Kept for SOURCE_TTL seconds: at a steady trickle every batch holds a delivery or two,
        and reading the endpoint again for each would double the processor's reads. An
        options change reaches parsing within that time.
        """
        now = time.monotonic()
        found: dict[int, Source] = {}
        for delivery in deliveries:
            endpoint_id = delivery.endpoint_id
            if endpoint_id in found:
                continue
            cached = self._sources.get(endpoint_id)
            if cached is None or now - cached[1] >= SOURCE_TTL:
                source = await self._build_source(delivery)
                if source is None:
                    continue
                cached = self._sources[endpoint_id] = (source, now)
            found[endpoint_id] = cached[0]
        if len(self._sources) > 10_000:
            self._sources.clear()
        return found

    async def _build_source(self, delivery: StoredDelivery) -> Source | None:
        record = await self._store.get_endpoint(delivery.workspace_id, delivery.endpoint_id)
        options = record.options if record is not None else {}
        try:
            return source_class(delivery.source)(options)
        except UnknownSourceError:
            return None
        except Exception:
            log.exception("source %s could not be built", delivery.source)
            return None

    async def replay(self, delivery: StoredDelivery) -> list[Event]:
        """Parse a stored delivery again (after a parser or template change) into new events,
        which reach the feed and rules like any other."""
        fresh = replace(delivery, received_at=utcnow())
        [(_, drafts)] = await self._parse([fresh])
        tagged = [replace(d, tags=(*d.tags, REPLAY_TAG)) for d in drafts]
        events = await self._store.save_replayed_events(fresh, tagged)
        if events:
            self._bus.publish(events)
            if self.on_events is not None:
                self.on_events()
        return events


def _with_thing(source: Source | None, delivery: StoredDelivery) -> StoredDelivery:
    """The delivery with the id of the thing it reports, when its sender names one."""
    if source is None:
        return delivery
    try:
        thing = source.thing_id(delivery.headers, delivery.body)
    except Exception:
        log.exception("%s could not name the thing of delivery %s", delivery.source, delivery.id)
        return delivery
    return delivery if thing is None else replace(delivery, thing=thing[:300])


def _without_replay_tag(draft: EventDraft) -> EventDraft:
    """A sender's label or branch named like the replay tag must not mark its event a replay."""
    if REPLAY_TAG not in draft.tags:
        return draft
    return replace(draft, tags=tuple(t for t in draft.tags if t != REPLAY_TAG))
