"""Live fan-out of new events to subscribers (SSE streams, the CLI's tail)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Protocol

from echodash.events import Event


class Subscription(ABC):
    """One subscriber's bounded backlog of new events."""

    @abstractmethod
    async def next_batch(self, timeout: float) -> list[Event] | None:
        """Events published since the last call; [] on timeout or when the subscriber must
        check its caller's access again; None once it overflowed."""

    @abstractmethod
    def close(self) -> None:
        """Stop receiving events."""


class BusListener(Protocol):
    """What hears every workspace's events at once (the process's live fan-out hub): called
    synchronously by the bus, so it must only take note and return."""

    @property
    def listening(self) -> bool:
        """Whether anyone is watching (else the bus may skip fetching events for it)."""

    def deliver(self, events: Sequence[Event]) -> None:
        """Newly stored events, in id order."""

    def missed(self) -> None:
        """Events may have been lost on the way: everyone reads the gap from the store."""

    def access_changed(self, workspace_id: int) -> None:
        """Someone's access to the workspace was lowered or ended."""


class Bus(ABC):
    async def start(self) -> None:  # noqa: B027 (in-process buses have nothing to start)
        """Begin fan-out (connect to whatever carries events between processes)."""

    async def stop(self) -> None:  # noqa: B027
        """Stop fan-out and release connections."""

    @abstractmethod
    def publish(self, events: Sequence[Event]) -> None:
        """Hand newly stored events to every current subscriber."""

    @abstractmethod
    def subscribe(self, workspace_id: int) -> Subscription:
        """Receive the workspace's events published from now on."""

    @abstractmethod
    def listen(self, listener: BusListener) -> None:
        """Hand every workspace's events (and gaps and access changes) to `listener` too."""

    @abstractmethod
    def access_changed(self, workspace_id: int) -> None:
        """Someone's access to the workspace was lowered or ended: its subscribers, on every
        process sharing the bus, check their caller again now."""
