"""What SQLite store mixins rely on: running a function on a reader or inside the writer."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SqliteAccess:
    """Base of the SQLite store's mixins; `SqliteStore` provides the real connections."""

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError
