"""The Bus contract: every bus (in-process, PostgreSQL LISTEN/NOTIFY) must pass these.

What a subscriber may rely on (`bus/base.py`): the events of its workspace published after it
subscribed, in id order; [] on a quiet timeout or when access changed; None once it fell too
far behind, after which it reads the gap from the store by its last event id (as the live
streams do) and misses nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from echodash.bus.base import Subscription
from echodash.events import Event
from echodash.store.base import EventFilter
from tests.bus.conftest import Hub, receive

pytestmark = pytest.mark.own_stores


def _ids(events: list[Event]) -> list[int]:
    return [e.id for e in events]


def test_every_subscriber_gets_its_workspaces_events_in_order(run_hub: Callable[..., Any]) -> None:
    async def check(hub: Hub) -> None:
        acme, other = await hub.workspace(), await hub.workspace("Other")
        first, second = hub.bus.subscribe(acme), hub.bus.subscribe(acme)
        theirs = hub.bus.subscribe(other)
        sent = await hub.publish(acme, 3)
        sent += await hub.publish(other, 2)
        sent += await hub.publish(acme, 1)
        sent += await hub.publish(acme, 4)
        acme_ids = [e.id for e in sent if e.workspace_id == acme]
        assert _ids(await receive(first, 8)) == acme_ids
        assert _ids(await receive(second, 8)) == acme_ids
        assert _ids(await receive(theirs, 2)) == [e.id for e in sent if e.workspace_id == other]
        # Nothing else comes: not the other workspace's events, not a copy.
        assert await first.next_batch(0.3) == []
        assert await theirs.next_batch(0.3) == []

    run_hub(check)


def test_a_subscriber_hears_everything_published_after_it_subscribed(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        ws = await hub.workspace()
        earlier = await hub.publish(ws, 2)
        subscription = hub.bus.subscribe(ws)
        later = await hub.publish(ws, 2)
        got: list[int] = []
        deadline = time.monotonic() + 10
        while not set(_ids(later)) <= set(got) and time.monotonic() < deadline:
            batch = await subscription.next_batch(0.5)
            assert batch is not None
            got += _ids(batch)
        # Events committed just before it subscribed may still be on their way to it (across
        # processes, the announcement travels after the commit): a stream skips them by id.
        assert [i for i in got if i > earlier[-1].id] == _ids(later)
        assert set(got) <= set(_ids(earlier + later)) and got == sorted(got)
        assert await subscription.next_batch(0.3) == []

    run_hub(check)


def test_a_quiet_subscription_answers_empty_when_its_time_is_up(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        subscription = hub.bus.subscribe(await hub.workspace())
        started = time.monotonic()
        assert await subscription.next_batch(0.3) == []
        assert time.monotonic() - started >= 0.25

    run_hub(check)


async def _follow(hub: Hub, subscription: Subscription, ws: int, last_id: int, count: int) -> Any:
    """Read like a live stream: the bus while it keeps up, the store after an overflow.
    Returns the ids read (in order), how often it overflowed, and the subscription in use."""
    seen: list[int] = []
    overflows = 0
    deadline = time.monotonic() + 15
    while len(seen) < count and time.monotonic() < deadline:
        batch = await subscription.next_batch(0.5)
        if batch is None:
            overflows += 1
            subscription.close()
            subscription = hub.bus.subscribe(ws)  # before reading the gap: nothing falls between
            for event in await hub.store.events_after(ws, EventFilter(), last_id, 1000):
                seen.append(event.id)
                last_id = event.id
            continue
        for event in batch:
            if event.id > last_id:
                seen.append(event.id)
                last_id = event.id
    return seen, overflows, subscription


def test_a_subscriber_that_falls_behind_catches_up_without_losing_events(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        ws = await hub.workspace()
        slow, steady = hub.bus.subscribe(ws), hub.bus.subscribe(ws)
        start = await hub.store.latest_event_id()
        sent: list[Event] = []
        for _ in range(4):
            batch = await hub.publish(ws, 3)
            sent += batch
            # One subscriber keeps up (never more than the backlog waiting); the other does not
            # read at all.
            assert _ids(await receive(steady, 3)) == _ids(batch)
        # 12 events against a backlog of 5: the slow one overflowed and says so.
        deadline = time.monotonic() + 10
        while (batch_or_none := await slow.next_batch(0.5)) is not None:
            assert time.monotonic() < deadline, "the slow subscriber never overflowed"
            assert len(batch_or_none) <= 5
        assert await slow.next_batch(0.1) is None  # it stays overflowed until replaced
        more = await hub.publish(ws, 2)
        seen, overflows, current = await _follow(hub, slow, ws, start, 14)
        assert seen == _ids(sent + more)  # every event once, in order
        assert overflows == 1
        # The new subscription may still bring events the store already gave (the stream
        # skips them by id), never a new one.
        late = await current.next_batch(0.3)
        assert late is not None and all(e.id <= seen[-1] for e in late)
        assert _ids(await receive(steady, 2)) == _ids(more)

    run_hub(check, backlog=5)


def test_lowered_access_wakes_the_workspaces_subscribers_at_once(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        acme, other = await hub.workspace(), await hub.workspace("Other")
        mine, theirs = hub.bus.subscribe(acme), hub.bus.subscribe(other)
        waiting = asyncio.ensure_future(mine.next_batch(10))
        untouched = asyncio.ensure_future(theirs.next_batch(0.5))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        hub.bus.access_changed(acme)
        assert await waiting == []
        assert time.monotonic() - started < 2
        assert await untouched == []
        assert time.monotonic() - started >= 0.4  # the other workspace was not woken
        # The subscription goes on: events still come after the check.
        sent = await hub.publish(acme, 1)
        assert _ids(await receive(mine, 1)) == _ids(sent)

    run_hub(check)


def test_a_subscription_checked_while_busy_says_so_before_its_events(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        ws = await hub.workspace()
        subscription = hub.bus.subscribe(ws)
        hub.bus.access_changed(ws)
        sent = await hub.publish(ws, 2)
        assert await subscription.next_batch(5) == []  # check the caller first
        assert _ids(await receive(subscription, 2)) == _ids(sent)

    run_hub(check)


def test_a_closed_subscription_receives_nothing_more(run_hub: Callable[..., Any]) -> None:
    async def check(hub: Hub) -> None:
        ws = await hub.workspace()
        closed, open_one = hub.bus.subscribe(ws), hub.bus.subscribe(ws)
        closed.close()
        closed.close()  # closing twice is harmless
        sent = await hub.publish(ws, 2)
        assert _ids(await receive(open_one, 2)) == _ids(sent)  # they were published
        assert await closed.next_batch(0.3) == []

    run_hub(check)


def test_a_stopped_bus_can_be_stopped_again(run_hub: Callable[..., Any]) -> None:
    async def check(hub: Hub) -> None:
        ws = await hub.workspace()
        subscription = hub.bus.subscribe(ws)
        await hub.bus.stop()
        await hub.bus.stop()
        subscription.close()

    run_hub(check)


class _Listener:
    """A bus listener as the fan-out hub is one: it only takes note."""

    def __init__(self) -> None:
        self.listening = True
        self.events: list[Event] = []
        self.changed: list[int] = []
        self.news = asyncio.Event()

    async def until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            self.news.clear()
            await asyncio.wait_for(self.news.wait(), 10)

    def deliver(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        self.news.set()

    def missed(self) -> None:  # pragma: no cover - only when the carrier drops
        pass

    def access_changed(self, workspace_id: int) -> None:
        self.changed.append(workspace_id)
        self.news.set()


def test_a_listener_hears_every_workspaces_events_in_order_and_access_changes(
    run_hub: Callable[..., Any],
) -> None:
    async def check(hub: Hub) -> None:
        listener = _Listener()
        hub.bus.listen(listener)
        acme, other = await hub.workspace(), await hub.workspace("Other")
        sent = await hub.publish(acme, 2) + await hub.publish(other, 3) + await hub.publish(acme, 1)
        await listener.until(lambda: len(listener.events) >= len(sent))
        assert _ids(listener.events) == _ids(sent)
        hub.bus.access_changed(other)
        await listener.until(lambda: other in listener.changed)
        assert set(listener.changed) == {other}  # (a node may also hear its own notice)

    run_hub(check)
