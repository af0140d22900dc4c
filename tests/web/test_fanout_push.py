"""The hub sends an idle stream's frames through the server's direct write, without waking
the stream's task; a write refused (a client not reading) leaves them owed and wakes the
stream; a stream busy sending is never written to behind its back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from itertools import pairwise

from echodash.events import Event, Severity
from echodash.store.base import EventFilter
from echodash.web.fanout.hub import SETTLE_SLICE, FanoutHub
from echodash.web.fanout.subscriber import Subscriber

AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _event(event_id: int) -> Event:
    return Event(event_id, 1, 1, event_id, "github", "push", f"push {event_id}", "", None, None,
                 None, AT, AT, Severity.INFO, (), {})  # fmt: skip


def _frame(event: Event) -> bytes:
    return b"id: %d\n\n" % event.id


class Client:
    def __init__(self, accepting: bool = True) -> None:
        self.accepting = accepting
        self.written: list[bytes] = []

    def push(self, body: bytes) -> bool:
        if self.accepting:
            self.written.append(body)
        return self.accepting


async def _waiting(subscriber: Subscriber) -> asyncio.Task[None]:
    task = asyncio.ensure_future(subscriber.wait())
    await asyncio.sleep(0)  # parked in wait()
    assert subscriber.waiter is not None
    return task


async def _delivered(hub: FanoutHub, *ids: int) -> None:
    hub.deliver([_event(i) for i in ids])
    await asyncio.sleep(hub.tick * 2)


def test_an_idle_stream_is_written_to_without_being_woken() -> None:
    async def check() -> None:
        hub = FanoutHub(tick=0.001)
        subscriber = hub.subscribe(1, EventFilter(), "frame", _frame)
        client = Client()
        subscriber.push = client.push
        task = await _waiting(subscriber)
        await _delivered(hub, 1, 2)
        await _delivered(hub, 3)
        assert client.written == [b"id: 1\n\nid: 2\n\n", b"id: 3\n\n"]
        assert not task.done() and not subscriber.owed and subscriber.last_id == 3
        assert subscriber.active  # so its next heartbeat is not needed
        # A second stream at the same place gets the very same bytes: joined once.
        other = hub.subscribe(1, EventFilter(), "frame", _frame)
        second = Client()
        other.push = second.push
        other_task = await _waiting(other)
        await _delivered(hub, 4, 5)
        assert second.written == [b"id: 4\n\nid: 5\n\n"]
        assert second.written[0] is client.written[-1]
        other_task.cancel()
        task.cancel()

    asyncio.run(check())


def test_a_refused_write_leaves_the_frames_owed_and_wakes_the_stream() -> None:
    async def check() -> None:
        hub = FanoutHub(tick=0.001)
        subscriber = hub.subscribe(1, EventFilter(), "frame", _frame)
        client = Client(accepting=False)
        subscriber.push = client.push
        task = await _waiting(subscriber)
        await _delivered(hub, 1)
        assert task.done() and subscriber.owed
        assert subscriber.take(1024) == b"id: 1\n\n"

    asyncio.run(check())


def test_a_busy_stream_is_woken_never_written_to() -> None:
    async def check() -> None:
        hub = FanoutHub(tick=0.001)
        subscriber = hub.subscribe(1, EventFilter(), "frame", _frame)
        client = Client()
        subscriber.push = client.push
        await _delivered(hub, 1)  # not waiting: busy sending what it took before
        assert client.written == [] and subscriber.owed
        subscriber.beat_due = True  # and one with a heartbeat to send is not idle either
        task = await _waiting(subscriber)
        await _delivered(hub, 2)
        assert client.written == [] and task.done()
        assert subscriber.take(1024) == b"id: 1\n\nid: 2\n\n"

    asyncio.run(check())


def test_a_thousand_streams_are_settled_a_slice_per_turn_of_the_loop() -> None:
    """What else is due (acknowledgements) waits for a slice of streams, not for all."""

    async def check() -> None:
        hub = FanoutHub(tick=0.001)
        clients = []
        for _ in range(3 * SETTLE_SLICE + 1):
            subscriber = hub.subscribe(1, EventFilter(), "frame", _frame)
            client = Client()
            subscriber.push = client.push
            clients.append(client)
            await _waiting(subscriber)
        hub.deliver([_event(1)])
        counts = [0]
        while counts[-1] < len(clients) and len(counts) < 100:
            await asyncio.sleep(0)
            counts.append(sum(1 for c in clients if c.written))
        steps = [b - a for a, b in pairwise(counts)]
        assert counts[-1] == len(clients)
        assert max(steps) == SETTLE_SLICE and steps.count(SETTLE_SLICE) == 3
        assert all(c.written == [b"id: 1\n\n"] for c in clients)

    asyncio.run(check())
