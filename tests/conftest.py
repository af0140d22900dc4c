from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import Server

# Speed is measured by the benchmarks in bench/, never by a test: Hypothesis's per-example
# deadline would fail a test for running on a busy machine.
settings.register_profile("echodash", deadline=None)
settings.load_profile("echodash")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the few tests about SQLite's own files, and those
    that choose their stores themselves (they ran in the first pass, on both stores)."""
    from tests.support import TEST_BACKEND

    if TEST_BACKEND != "postgres":
        return
    kept = [
        item
        for item in items
        if item.get_closest_marker("sqlite_only") is None
        and item.get_closest_marker("own_stores") is None
        and not _store_free(item)
    ]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


# Tests that never open a store (parsers, titles, docs, settings): the same on either store,
# so the PostgreSQL pass leaves them out.
STORE_FREE = (
    "tests/sources/",
    "tests/titles/",
    "tests/test_docs.py",
    "tests/test_config.py",
    "tests/alerts/test_rules.py",
    "tests/alerts/test_matching.py",
    "tests/alerts/test_conditions.py",
    "tests/alerts/test_suspects.py",
    "tests/alerts/test_ssrf.py",
    "tests/alerts/test_backoff.py",
    "tests/alerts/test_outbound.py",
    "tests/alerts/test_apprise_action.py",
    "tests/alerts/test_engine.py",
    "tests/alerts/test_windows.py",
    "tests/alerts/test_index.py",
    "tests/alerts/test_evaluation.py",
    "tests/metrics/test_dora.py",
    "tests/metrics/test_revenue.py",
    "tests/metrics/test_product.py",
    "tests/metrics/test_facts.py",
    "tests/metrics/test_settings.py",
    "tests/metrics/test_trends.py",
    "tests/web/test_dashboard_parts.py",
    "tests/metrics/test_explain.py",
    "tests/metrics/test_export.py",
    "tests/pipeline/test_pacing.py",
    "tests/web/test_source_health.py",
    "tests/web/test_rule_form.py",
    "tests/test_rule_dry_run.py",
    "tests/web/test_volume_chart.py",
)


def _store_free(item: pytest.Item) -> bool:
    if {"server", "fresh_server"} & set(getattr(item, "fixturenames", ())):
        return False  # a real server: it has a store
    path = item.path.as_posix()
    return any(f"/{prefix}" in path or path.endswith(f"/{prefix}") for prefix in STORE_FREE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server per test module (tests make their own endpoints to stay apart)."""
    srv = Server(tmp_path_factory.mktemp("server")).start()
    yield srv
    srv.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own, for tests that restart or kill it."""
    srv = Server(tmp_path / "data")
    yield srv
    srv.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database, dropped after the test."""
    from tests.support import create_pg_database, drop_pg_database

    url = create_pg_database()
    yield url
    drop_pg_database(url)
