"""Which parts of EchoDash may import which: pages stay in the web layer, and the layers under
it (store, bus, pipeline, jobs, senders, titles) never reach up into it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import REPO

PACKAGE = REPO / "src" / "echodash"
# Page modules: HTML views and their helpers.
PAGES = ("echodash.web.views", "echodash.web.pages")
# Layers below the web: they serve it and must not depend on it.
BELOW_WEB = ("store", "bus", "pipeline", "jobs", "sources", "titles", "digest", "events.py")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        target = PACKAGE / part
        found += [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    return found


@pytest.mark.parametrize("path", modules("cli", "app.py"), ids=lambda p: p.name)
def test_the_cli_and_the_app_import_no_page_module(path: Path) -> None:
    bad = sorted(m for m in imports(path) if m.startswith(PAGES))
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


@pytest.mark.parametrize("path", modules(*BELOW_WEB), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_under_the_web_do_not_import_it(path: Path) -> None:
    bad = sorted(m for m in imports(path) if m == "echodash.web" or m.startswith("echodash.web."))
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


@pytest.mark.parametrize("path", modules("sources"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_senders_need_only_the_vocabulary_and_their_kit(path: Path) -> None:
    allowed = ("echodash.sources", "echodash.events")
    bad = sorted(m for m in imports(path) if m.startswith("echodash") and not m.startswith(allowed))
    assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"


# End-to-end suites, apart from the unit tests that mirror the package.
END_TO_END = {"http", "browser", "plugins"}


def test_tests_mirror_the_package() -> None:
    """Each folder of tests/ is a package of echodash (its unit tests) or an end-to-end suite:
    HTTP against a real server, a real browser, an installed plugin."""
    tests = Path(__file__).resolve().parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    strays = sorted(f for f in folders - END_TO_END if not (PACKAGE / f).is_dir())
    assert strays == [], f"tests/{strays} name no package of echodash"
    assert folders >= END_TO_END
