"""The lifecycle part of the Store interface: opening, closing, health and instance facts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable


class StoreUnavailableError(Exception):
    """The store cannot commit or answer right now (database down, disk full)."""


class LifecycleStore(ABC):
    @abstractmethod
    def observe_commits(self, observer: Callable[[float], None]) -> None:
        """Report each durable commit's duration in seconds (for the commit-latency metric)."""

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    @abstractmethod
    async def close(self) -> None:
        """Finish queued writes and release connections."""

    @abstractmethod
    async def ping(self) -> bool:
        """True when the store answers a trivial query."""

    @abstractmethod
    async def set_meta(self, key: str, value: str) -> None:
        """Record a fact about this installation (e.g. the server's base URL)."""

    @abstractmethod
    async def get_meta(self, key: str) -> str | None:
        """A fact recorded with `set_meta`, if any."""
