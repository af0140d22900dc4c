"""Live fan-out of new events to subscribers (SSE streams, the CLI's tail)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

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
    def access_changed(self, workspace_id: int) -> None:
        """Someone's access to the workspace was lowered or ended: its subscribers, on every
        process sharing the bus, check their caller again now."""
