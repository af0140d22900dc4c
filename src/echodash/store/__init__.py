"""Durable storage behind one interface (`base.Store`, in parts), one package per backend
(`sqlite/`, `postgres/`, with the same file names), chosen by the table in `backends.py`."""

from __future__ import annotations

from echodash.store.backends import backend_for
from echodash.store.base import Store


def open_store(url: str) -> Store:
    """The store for a database URL; backends' drivers are imported only when used."""
    return backend_for(url).open_store(url)
