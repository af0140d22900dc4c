"""`make run` installs what running needs; `make test` (and lint, typecheck) add the test tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the Makefile and pyproject.toml next to an empty virtualenv (a bare
    `.venv/bin/python`), so `make -n` shows what each target would install."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    return tmp_path


def _would_run(checkout: Path, target: str) -> str:
    return subprocess.run(
        ["make", "-n", target], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout


def _make(checkout: Path, target: str) -> None:
    """Runs `target`'s install step with pip replaced by a no-op (stamps only)."""
    pip = checkout / ".venv" / "bin" / "pip"
    pip.write_text("#!/bin/sh\nexit 0\n")
    pip.chmod(0o755)
    subprocess.run(["make", target], cwd=checkout, capture_output=True, check=False)


def test_run_installs_the_package_without_the_test_tools(checkout: Path) -> None:
    plan = _would_run(checkout, "run")
    assert "pip install --quiet -e ." in plan
    assert "[test]" not in plan


def test_test_targets_install_the_test_tools(checkout: Path) -> None:
    for target in ("lint", "typecheck", "unit"):
        assert "pip install --quiet -e '.[test]'" in _would_run(checkout, target), target


def test_a_run_install_does_not_pass_for_the_test_tools(checkout: Path) -> None:
    _make(checkout, "run")
    assert "pip install" not in _would_run(checkout, "run")
    assert "pip install --quiet -e '.[test]'" in _would_run(checkout, "lint")


def test_a_test_install_serves_run_too(checkout: Path) -> None:
    _make(checkout, "lint")
    assert "pip install" not in _would_run(checkout, "lint")
    assert "pip install" not in _would_run(checkout, "run")


def test_editing_pyproject_installs_again(checkout: Path) -> None:
    _make(checkout, "lint")
    with (checkout / "pyproject.toml").open("a") as f:
        f.write("\n# changed\n")
    assert "pip install --quiet -e ." in _would_run(checkout, "run")
    assert "pip install --quiet -e '.[test]'" in _would_run(checkout, "lint")


def test_test_builds_the_docs_strictly_and_checks_the_wheel_before_the_suites(
    checkout: Path,
) -> None:
    plan = _would_run(checkout, "test")
    docs = next(line for line in plan.splitlines() if "mkdocs build" in line)
    assert "--strict" in docs
    # mkdocs --quiet hides the warnings from --strict too: a broken link would pass.
    assert "--quiet" not in docs
    assert " -q" not in docs
    assert "tools/wheel_check.py" in plan
    # The pytest passes come last: the run ends with their summary.
    assert plan.index("tools/wheel_check.py") < plan.index("bin/pytest")
    assert plan.index("mkdocs build") < plan.index("bin/pytest")


def test_run_serves_the_demo_company(checkout: Path) -> None:
    """A newcomer's `make run` opens on a living demo company (`echodash serve` alone never
    adds demo data)."""
    plan = _would_run(checkout, "run")
    assert ".venv/bin/echodash serve --demo" in plan
