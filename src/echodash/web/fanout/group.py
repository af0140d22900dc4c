"""One group of identical live streams (same workspace, filters and framing): the frames of the
events they are owed, encoded once and kept until the slowest of them has taken them."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from echodash.events import Event
from echodash.search import search_words
from echodash.store.base import EventFilter
from echodash.web.fanout.frames import Framer
from echodash.web.fanout.matching import matches

if TYPE_CHECKING:
    from echodash.web.fanout.subscriber import Subscriber


@dataclass(frozen=True, slots=True)
class GroupKey:
    """What makes two streams receive the very same bytes."""

    workspace_id: int
    filters: EventFilter
    # A `since` that moves with the clock (the feed's ranges), instead of `filters.since`.
    window: timedelta | None
    # Which framing: the API's event JSON, or the feed's rows with the workspace's choices.
    framing: Hashable


class Group:
    """A shared log of frames: position `base + i` holds `frames[i]`, the frame of event
    `ids[i]`; `ends[i]` counts the log's bytes up to and including it, from its beginning."""

    def __init__(self, key: GroupKey, framer: Framer) -> None:
        self.key = key
        self.framer = framer
        self.words = search_words(key.filters.q) if key.filters.q else None
        self.subscribers: set[Subscriber] = set()
        self.frames: list[bytes] = []
        self.ids: list[int] = []
        self.ends: list[int] = []
        self.base = 0
        self.base_bytes = 0  # bytes before position `base`
        # The last chunk taken, by its positions (frames never change once appended).
        self._last_span = (-1, -1)
        self._last_chunk = b""

    @property
    def end(self) -> int:
        """The position the next frame will take."""
        return self.base + len(self.frames)

    @property
    def total_bytes(self) -> int:
        return self.ends[-1] if self.ends else self.base_bytes

    def accepts(self, event: Event) -> bool:
        return matches(self.key.filters, event, self.key.window, self.words)

    def append(self, event_id: int, frame: bytes) -> None:
        self.frames.append(frame)
        self.ids.append(event_id)
        self.ends.append(self.total_bytes + len(frame))

    def bytes_before(self, position: int) -> int:
        index = position - self.base
        return self.ends[index - 1] if index > 0 else self.base_bytes

    def owed(self, position: int) -> tuple[int, int]:
        """(frames, bytes) from `position` to the end of the log."""
        return self.end - position, self.total_bytes - self.bytes_before(position)

    def take(self, position: int, after_id: int, limit: int) -> tuple[int, int, bytes]:
        """Frames from `position`, skipping events up to `after_id` (already sent from the
        store), about `limit` bytes at most (at least one frame): (new position, last event
        id sent or `after_id`, the bytes)."""
        start, stop = position - self.base, len(self.frames)
        while start < stop and self.ids[start] <= after_id:
            start += 1
        if start >= stop:
            return self.end, after_id, b""
        budget = self.bytes_before(self.base + start) + limit
        stop = max(start + 1, min(stop, bisect_right(self.ends, budget, start, stop)))
        span = (self.base + start, self.base + stop)
        if self._last_span == span:
            # The streams of a group mostly stand at the same place: one join for them all.
            chunk = self._last_chunk
        else:
            chunk = self.frames[start] if stop == start + 1 else b"".join(self.frames[start:stop])
            self._last_span, self._last_chunk = span, chunk
        return self.base + stop, self.ids[stop - 1], chunk

    def trim(self, position: int) -> None:
        """Forget the frames before `position` (every subscriber is past them)."""
        drop = position - self.base
        if drop <= 0:
            return
        self.base_bytes = self.ends[drop - 1]
        del self.frames[:drop], self.ids[:drop], self.ends[:drop]
        self.base = position
