"""The backend table: a database URL picks the store, the live bus and whether several
processes may share it; `open_store`, `open_bus` and the settings check all ask it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from echodash.bus import open_bus
from echodash.bus.memory import MemoryBus
from echodash.config import Settings
from echodash.store import open_store
from echodash.store.backends import BACKENDS, backend_for, several_nodes_allowed
from echodash.store.sqlite import SqliteStore
from tests.support import REPO

PG = "postgresql://app:hunter2@db.example:5432/echodash"


def test_a_sqlite_url_opens_the_sqlite_store_and_the_in_process_bus(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/echodash.db")
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "echodash.db"
    assert isinstance(open_bus(f"sqlite:///{tmp_path}/echodash.db", store), MemoryBus)
    assert not several_nodes_allowed(f"sqlite:///{tmp_path}/echodash.db")


@pytest.mark.parametrize("url", [PG, "postgres://db.example/echodash"])
def test_a_postgresql_url_opens_the_postgresql_store_and_bus(url: str) -> None:
    from echodash.bus.postgres import PostgresBus
    from echodash.store.postgres import PostgresStore

    store = open_store(url)  # nothing is connected before open()
    assert isinstance(store, PostgresStore) and store.url == url
    assert isinstance(open_bus(url, store), PostgresBus)
    assert several_nodes_allowed(url)


@pytest.mark.parametrize(
    "url", ["mysql://db/echodash", "sqlite://relative.db", "echodash.db", "", "SQLITE:///x.db"]
)
def test_a_url_no_backend_serves_is_refused_clearly(url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unsupported database URL .*sqlite:///path"):
        open_store(url)
    with pytest.raises(ValueError, match="unsupported database URL"):
        open_bus(url, SqliteStore(tmp_path / "x.db"))
    assert not several_nodes_allowed(url)


def test_several_workers_need_a_backend_that_allows_several_nodes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ECHODASH_WORKERS above 1 needs PostgreSQL"):
        Settings.from_env({"ECHODASH_WORKERS": "2", "ECHODASH_DATA_DIR": str(tmp_path)})
    with pytest.raises(ValueError, match="ECHODASH_WORKERS above 1 needs PostgreSQL"):
        Settings.from_env({"ECHODASH_WORKERS": "2", "ECHODASH_DATABASE": "mysql://db/x"})
    settings = Settings.from_env({"ECHODASH_WORKERS": "2", "ECHODASH_DATABASE": PG})
    assert settings.workers == 2


def test_logs_show_a_sqlite_file_and_a_masked_postgresql_url() -> None:
    assert Settings(database="sqlite:////srv/echodash.db").database_display == "/srv/echodash.db"
    assert Settings(database=PG).database_display == (
        "postgresql://app:***@db.example:5432/echodash"
    )
    plain = "postgresql://db.example/echodash"
    assert Settings(database=plain).database_display == plain


def test_each_url_prefix_belongs_to_one_backend() -> None:
    names = [b.name for b in BACKENDS]
    assert len(set(names)) == len(names)
    prefixes = [p for b in BACKENDS for p in b.prefixes]
    for prefix in prefixes:
        owners = [b.name for b in BACKENDS if any(p.startswith(prefix) for p in b.prefixes)]
        assert len(owners) == 1, f"{prefix!r} matches {owners}"
        assert backend_for(prefix + "x").name == owners[0]


# A scheme test anywhere else would let that place disagree with the table.
SCHEME_TEST = re.compile(r"""(startswith|removeprefix)\(\(?\s*["'](sqlite|postgres)""")


def test_the_table_is_the_only_place_a_url_scheme_is_read() -> None:
    package = REPO / "src" / "echodash"
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if SCHEME_TEST.search(path.read_text(encoding="utf-8"))
    )
    assert readers == ["store/backends.py"]


def test_the_postgresql_driver_is_imported_only_for_a_postgresql_url(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/echodash.db"
    script = (
        "import sys, echodash.app, echodash.cli\n"
        "from echodash.bus import open_bus\n"
        "from echodash.store import open_store\n"
        f"open_bus({url!r}, open_store({url!r}))\n"
        "print('asyncpg' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "False"
