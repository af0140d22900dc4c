"""Every backend has the same files: one module per part of the interface in `store/base/`,
each holding that part's methods, plus the same shared internals and its own migrations."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from echodash.store.base import PARTS
from echodash.store.migrations import migration_scripts
from tests.support import REPO

STORE = REPO / "src" / "echodash" / "store"
BACKENDS = ("sqlite", "postgres")


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "__pycache__"}


def test_the_backends_have_the_same_file_names() -> None:
    sqlite, postgres = (_files(STORE / b) for b in BACKENDS)
    assert sqlite == postgres, f"only in sqlite: {sqlite - postgres}; only in postgres: " + str(
        postgres - sqlite
    )
    assert "migrations" in sqlite


def test_the_interface_has_one_module_per_part() -> None:
    assert _files(STORE / "base") == {"__init__.py"} | {f"{part}.py" for part in PARTS}


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_part_module_implements_its_part(backend: str) -> None:
    for part, interface in PARTS.items():
        assert (STORE / backend / f"{part}.py").is_file(), f"{backend} has no {part}.py"
        module = importlib.import_module(f"echodash.store.{backend}.{part}")
        defined: set[str] = set()
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                defined |= set(vars(value))
        missing = sorted(set(interface.__abstractmethods__) - defined)
        assert not missing, f"{backend}/{part}.py lacks {missing}"


def test_no_method_belongs_to_two_parts() -> None:
    seen: dict[str, str] = {}
    for part, interface in PARTS.items():
        for name in interface.__abstractmethods__:
            assert name not in seen, f"{name} is in {seen[name]} and {part}"
            seen[name] = part


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_are_numbered_from_one_without_gaps(backend: str) -> None:
    scripts = migration_scripts(f"echodash.store.{backend}")
    assert [version for version, _, _ in scripts] == list(range(1, len(scripts) + 1))
    assert all(sql.strip() for _, _, sql in scripts)


def test_the_contract_suite_has_one_file_per_part() -> None:
    contract = REPO / "tests" / "store" / "contract"
    tests = {p.name for p in contract.glob("test_*.py")}
    assert tests == {f"test_{part}.py" for part in PARTS}
