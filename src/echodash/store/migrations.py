"""Versioned schema migrations: each backend package's `migrations/NNNN_name.sql`, applied in
order, once each."""

from __future__ import annotations

from importlib import resources


def migration_scripts(package: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration of a backend package, in order."""
    folder = resources.files(package).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)
