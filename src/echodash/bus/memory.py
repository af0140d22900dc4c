"""In-process bus: each subscriber has a bounded backlog; a slow one is cut loose, not waited on."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence

from echodash.bus.base import Bus, BusListener, Subscription
from echodash.events import Event, Origin

DEFAULT_BACKLOG = 10_000


class _MemorySubscription(Subscription):
    def __init__(self, bus: MemoryBus, workspace_id: int, backlog: int) -> None:
        self._bus = bus
        self.workspace_id = workspace_id
        self._items: deque[Event] = deque()
        self._backlog = backlog
        self._wakeup = asyncio.Event()
        self.overflowed = False
        self._recheck = False

    def _push(self, event: Event) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self._backlog:
            self.overflow()
        else:
            self._items.append(event)
            self._wakeup.set()

    def overflow(self) -> None:
        """Drop the backlog: the stream catches up from the store from its last event id."""
        self.overflowed = True
        self._items.clear()
        self._wakeup.set()

    def recheck(self) -> None:
        self._recheck = True
        self._wakeup.set()

    async def next_batch(self, timeout: float) -> list[Event] | None:
        if self._recheck:
            self._recheck = False
            return []
        if not self._items and not self.overflowed:
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            except TimeoutError:
                return []
        if self.overflowed:
            return None
        batch = list(self._items)
        self._items.clear()
        return batch

    def close(self) -> None:
        self._bus._subscribers.discard(self)


class MemoryBus(Bus):
    def __init__(self, backlog: int = DEFAULT_BACKLOG) -> None:
        self._subscribers: set[_MemorySubscription] = set()
        self._listeners: list[BusListener] = []
        self._backlog = backlog

    def listen(self, listener: BusListener) -> None:
        self._listeners.append(listener)

    def publish(self, events: Sequence[Event]) -> None:
        # History read from a tool's API is not news: it sits at its own time in the feed,
        # and live viewers are not shown it as new.
        if any(e.origin is Origin.BACKFILL for e in events):
            events = [e for e in events if e.origin is not Origin.BACKFILL]
            if not events:
                return
        for subscriber in list(self._subscribers):
            for event in events:
                if event.workspace_id == subscriber.workspace_id:
                    subscriber._push(event)
        for listener in self._listeners:
            listener.deliver(events)

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers) or any(x.listening for x in self._listeners)

    def overflow_all(self) -> None:
        """Events may have been missed (the carrier between processes was down): every
        subscriber reads the gap from the store instead."""
        for subscriber in list(self._subscribers):
            subscriber.overflow()
        for listener in self._listeners:
            listener.missed()

    def access_changed(self, workspace_id: int) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.workspace_id == workspace_id:
                subscriber.recheck()
        for listener in self._listeners:
            listener.access_changed(workspace_id)

    def subscribe(self, workspace_id: int) -> Subscription:
        subscription = _MemorySubscription(self, workspace_id, self._backlog)
        self._subscribers.add(subscription)
        return subscription
