"""One live stream's place in its group's log, and what the hub asks of it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import Enum

from echodash.web.fanout.group import Group

# One write to a stream carries about this much at most: a client that stops reading holds at
# most this (plus the transport's buffer) of its own, the rest stays in its group's shared log.
SEND_BYTES = 256 * 1024


class Ending(Enum):
    BEHIND = "behind"  # its backlog overflowed: told to resync, then closed
    CLOSING = "closing"  # the server is stopping
    GONE = "gone"  # the client hung up
    DENIED = "denied"  # its caller may no longer read the workspace


class Subscriber:
    """Woken (never awaited) by the hub: when it is owed frames, when its heartbeat is due, when
    its access must be checked again, when events may have been missed, or when it must end."""

    __slots__ = (
        "active",
        "beat_due",
        "ending",
        "gap",
        "group",
        "last_id",
        "next_beat",
        "position",
        "push",
        "recheck",
        "waiter",
    )

    def __init__(self, group: Group, last_id: int, next_beat: float) -> None:
        self.group = group
        self.position = group.end
        self.last_id = last_id  # the newest event id sent (or the point it resumes after)
        # Set while it waits for the hub (none while it sends, catches up or checks access).
        self.waiter: asyncio.Future[None] | None = None
        self.ending: Ending | None = None
        self.beat_due = False
        self.active = False  # sent something since the last heartbeat
        self.recheck = False
        self.gap = False
        self.next_beat = next_beat
        # Writes frames to the client at once, when the server can (web/http_protocol.py):
        # the hub then sends to an idle stream itself instead of waking it.
        self.push: Callable[[bytes], bool] | None = None

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def end(self, ending: Ending) -> None:
        if self.ending is None:
            self.ending = ending
        self.wake()

    @property
    def idle(self) -> bool:
        """Waiting for the hub with nothing else to do: the hub may send for it."""
        return (
            self.waiter is not None
            and self.ending is None
            and not (self.beat_due or self.recheck or self.gap)
        )

    @property
    def owed(self) -> bool:
        return self.position < self.group.end

    def take(self, limit: int = SEND_BYTES) -> bytes:
        """The frames it is owed (up to about `limit` bytes), its place moved past them."""
        self.position, self.last_id, chunk = self.group.take(self.position, self.last_id, limit)
        return chunk

    async def wait(self) -> None:
        """Until the hub wakes it (the caller checked there was nothing to do first)."""
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None
