"""The process's one listener on the bus: it frames each event once per group of identical
streams and wakes the streams it is owed to, without ever waiting for any of them.

The bus calls `deliver` from the processor (or the PostgreSQL listener): it only queues the
events and schedules one pass a tick later, so the receive path and the processor never wait
for viewers. A stream whose unsent backlog passes the bounds is cut loose at that pass and
told to resume from the store: memory stays bounded however slow its client is.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from datetime import timedelta

from echodash.events import Event
from echodash.store.base import EventFilter
from echodash.web.fanout.frames import Framer
from echodash.web.fanout.group import Group, GroupKey
from echodash.web.fanout.subscriber import SEND_BYTES, Ending, Subscriber

KEEPALIVE_SECONDS = 15.0
# Events are framed and handed out at most once a tick: each stream gets one `send` per tick
# with everything of the tick, instead of one per event (a write costs about as much as
# framing; at 1,000 streams and 100 events/s, one per event saturated the core).
TICK_SECONDS = 0.04
# A stream's unsent backlog, at most: this many events, or this many bytes (the setting).
BACKLOG_EVENTS = 10_000
BACKLOG_BYTES = 4 * 1024 * 1024
# Streams settled (sent to, woken or cut loose) per turn of the event loop.
SETTLE_SLICE = 10


class FanoutHub:
    def __init__(
        self,
        backlog_bytes: int = BACKLOG_BYTES,
        keepalive: float = KEEPALIVE_SECONDS,
        backlog_events: int = BACKLOG_EVENTS,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.tick = tick
        self.backlog_bytes = backlog_bytes
        self.backlog_events = backlog_events
        self.keepalive = keepalive
        self._groups: dict[GroupKey, Group] = {}
        self._by_workspace: dict[int, list[Group]] = {}
        self._subscribers: set[Subscriber] = set()
        self._pending: list[Event] = []
        self._scheduled = False
        self._last_pass = float("-inf")
        # Heartbeats: one timer for every stream, which beats those due (in order of due time).
        self._beats: deque[Subscriber] = deque()
        self._timer: asyncio.TimerHandle | None = None
        # Groups with news whose streams are being settled, and the first one's streams left.
        self._settling: deque[Group] = deque()
        self._settle_queue: deque[Subscriber] | None = None
        self._settle_scheduled = False

    # The bus's side (BusListener)

    @property
    def listening(self) -> bool:
        return bool(self._subscribers)

    def deliver(self, events: Sequence[Event]) -> None:
        if not self._subscribers or not events:
            return
        self._pending.extend(events)
        if not self._scheduled:
            self._scheduled = True
            loop = asyncio.get_running_loop()
            # At once after a quiet spell; else at the next tick, with whatever else comes.
            loop.call_later(max(0.0, self._last_pass + self.tick - loop.time()), self._fan_out)

    def missed(self) -> None:
        for subscriber in self._subscribers:
            subscriber.gap = True
            subscriber.wake()

    def access_changed(self, workspace_id: int) -> None:
        for group in self._by_workspace.get(workspace_id, ()):
            for subscriber in group.subscribers:
                subscriber.recheck = True
                subscriber.wake()

    # The streams' side

    def subscribe(
        self,
        workspace_id: int,
        filters: EventFilter,
        framing: Hashable,
        framer: Framer,
        window: timedelta | None = None,
    ) -> Subscriber:
        """A new stream's place: owed every matching event delivered from now on."""
        key = GroupKey(workspace_id, filters, window, framing)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(key, framer)
            self._by_workspace.setdefault(workspace_id, []).append(group)
        subscriber = Subscriber(group, 0, time.monotonic() + self.keepalive)
        group.subscribers.add(subscriber)
        self._subscribers.add(subscriber)
        self._beats.append(subscriber)
        if self._timer is None:
            self._arm()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber not in self._subscribers:
            return
        self._subscribers.discard(subscriber)
        group = subscriber.group
        group.subscribers.discard(subscriber)
        if not group.subscribers:
            del self._groups[group.key]
            siblings = self._by_workspace[group.key.workspace_id]
            siblings.remove(group)
            if not siblings:
                del self._by_workspace[group.key.workspace_id]

    def close_all(self) -> None:
        """The server is stopping: every stream ends now."""
        for subscriber in list(self._subscribers):
            subscriber.end(Ending.CLOSING)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    # One pass per tick with news

    def _fan_out(self) -> None:
        self._scheduled = False
        self._last_pass = asyncio.get_running_loop().time()
        events, self._pending = self._pending, []
        # One frame per event and framing, whichever groups share it.
        framed: dict[tuple[Hashable, int], bytes] = {}
        touched: dict[GroupKey, Group] = {}
        for event in events:
            for group in self._by_workspace.get(event.workspace_id, ()):
                if not group.accepts(event):
                    continue
                index = (group.key.framing, event.id)
                frame = framed.get(index)
                if frame is None:
                    frame = framed[index] = group.framer(event)
                group.append(event.id, frame)
                touched[group.key] = group
        self._settling.extend(touched.values())
        if not self._settle_scheduled:
            self._settle_next()

    def _settle_next(self) -> None:
        """Settle the touched groups' streams, SETTLE_SLICE at a time, a turn of the event
        loop each: what is due meanwhile (acknowledgements above all) waits for one slice,
        not for a thousand streams."""
        self._settle_scheduled = False
        budget = SETTLE_SLICE
        while self._settling and budget > 0:
            group = self._settling[0]
            if self._settle_queue is None:
                self._settle_queue = deque(group.subscribers)
            queue = self._settle_queue
            while queue and budget > 0:
                subscriber = queue.popleft()
                if subscriber in group.subscribers:
                    self._settle(group, subscriber)
                    budget -= 1
            if not queue:
                self._settling.popleft()
                self._settle_queue = None
                group.trim(min((s.position for s in group.subscribers), default=group.end))
        if self._settling:
            self._settle_scheduled = True
            asyncio.get_running_loop().call_soon(self._settle_next)

    def _settle(self, group: Group, subscriber: Subscriber) -> None:
        """Send or wake a stream owed frames, or cut it loose if it is too far behind."""
        # One waiting for news takes it all at its next turn, however much it is: only a
        # stream still busy with what it took before (a client not reading) falls behind.
        busy = subscriber.waiter is None
        frames, size = group.owed(subscriber.position)
        if busy and (frames > self.backlog_events or size > self.backlog_bytes):
            self.unsubscribe(subscriber)
            subscriber.end(Ending.BEHIND)
            return
        if subscriber.push is not None and subscriber.idle:
            self._push(group, subscriber, subscriber.push)
        if subscriber.owed:
            subscriber.wake()

    def _push(self, group: Group, subscriber: Subscriber, push: Callable[[bytes], bool]) -> None:
        """Send an idle stream what it is owed from here, in one write: no task to wake, no
        `send` to go through (at a thousand streams, the wake-ups were most of a tick's
        cost). What the write cannot take now (a client not reading) stays owed, and the
        stream's own task sends it, waiting as it must."""
        position, last_id, chunk = group.take(subscriber.position, subscriber.last_id, SEND_BYTES)
        if not chunk:
            subscriber.position, subscriber.last_id = position, last_id
        elif push(chunk):
            subscriber.position, subscriber.last_id = position, last_id
            subscriber.active = True

    def _arm(self) -> None:
        tick = min(1.0, self.keepalive / 4)
        self._timer = asyncio.get_running_loop().call_later(tick, self._beat)

    def _beat(self) -> None:
        self._timer = None
        now = time.monotonic()
        beats = self._beats
        while beats and (beats[0].next_beat <= now or beats[0] not in self._subscribers):
            subscriber = beats.popleft()
            if subscriber not in self._subscribers:
                continue
            subscriber.beat_due = True
            subscriber.wake()
            subscriber.next_beat = now + self.keepalive
            beats.append(subscriber)
        if self._subscribers:
            self._arm()
