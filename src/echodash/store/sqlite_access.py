"""What SQLite store mixins rely on: running a function on a reader or inside the writer."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SqliteAccess(ABC):
    """Base of the SQLite store's mixins; `SqliteStore` provides the real connections."""

    @abstractmethod
    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on a read-only connection."""

    @abstractmethod
    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` inside the writer's next group transaction; its result after COMMIT."""
