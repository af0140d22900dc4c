"""A newcomer's first minutes, followed literally: clone the repository, run the commands the
README shows, and get what it promises — the demo's events, a fired alert with its suspect
deploy and DORA numbers — through the API.

The commands are read from README.md itself, so the README cannot drift from what works. The
one change made to them is the port: the README's 8000 may be taken while the suite runs, so
the server gets a free one through `ECHODASH_PORT`, the variable the README names for that.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
README_PORT = "127.0.0.1:8000"
# A fresh clone's `make run` creates .venv and installs EchoDash (from pip's cache after the
# first time), then the demo's 90 days are sent through the receive path.
START_TIMEOUT = 300.0

pytestmark = pytest.mark.slow


def sh_blocks(readme: str) -> list[list[str]]:
    """The README's ```sh blocks, as lists of command lines (comments dropped)."""
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    return [
        [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
        for block in blocks
    ]


def the_command(blocks: list[list[str]], *words: str) -> str:
    found = [line for block in blocks for line in block if all(w in line for w in words)]
    assert found, f"the README shows no command with {words}"
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The repository as a newcomer gets it: `git clone` (committed files only)."""
    target = tmp_path / "echodash"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


@pytest.fixture
def served(clone: Path) -> Iterator[tuple[Path, int, Path]]:
    """The README's `make run` with a bootstrap token, started in the clone."""
    readme = (clone / "README.md").read_text()
    command = the_command(sh_blocks(readme), "ECHODASH_BOOTSTRAP_TOKEN=", "make run")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECHODASH_", "VIRTUAL_ENV"))}
    env["ECHODASH_PORT"] = str(port)
    log = clone.parent / "make-run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield clone, port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_readme_line(line: str, port: int) -> Any:
    """One of the README's curl lines, on the newcomer's server; its JSON answer."""
    assert line.startswith("curl "), line
    argv = shlex.split(line.replace(README_PORT, f"127.0.0.1:{port}"))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or not done.stdout:
        return None
    return json.loads(done.stdout)


def test_the_readme_takes_a_newcomer_to_the_demo_an_alert_and_dora(
    served: tuple[Path, int, Path],
) -> None:
    clone, port, log = served
    readme = (clone / "README.md").read_text()
    blocks = sh_blocks(readme)
    # The README's first commands are the two: `make run` and `make test`.
    assert [line.split()[:2] for line in blocks[0]] == [["make", "run"], ["make", "test"]]
    events_line = the_command(blocks, "curl", "/api/v1/events")
    alerts_line = the_command(blocks, "curl", "/api/v1/alerts")
    dora_line = the_command(blocks, "curl", "/api/v1/metrics/dora")

    started = time.monotonic()
    firing: list[dict[str, Any]] = []
    while time.monotonic() - started < START_TIMEOUT:
        answer = run_readme_line(alerts_line, port)
        if answer and answer["alerts"]:
            firing = answer["alerts"]
            break
        time.sleep(1)
    assert firing, f"no alert fired within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}"
    print(f"make run to a fired alert in {time.monotonic() - started:.0f} s")

    alert = firing[0]
    assert alert["status"] == "firing"
    suspect = alert["suspects"][0]
    assert suspect["category"] == "deployment" and suspect["environment"] == "production"

    events = run_readme_line(events_line, port)["events"]
    assert len(events) == 3
    assert all(e["title"] and e["source"] for e in events)

    dora = run_readme_line(dora_line, port)
    assert dora["deployment_frequency"]["count"] > 0
    assert dora["lead_time_minutes"]["median"] > 0
    assert dora["deployment_frequency"]["band"] in ("elite", "high", "medium", "low")

    # The server `make run` started is the one the README's link opens.
    assert re.search(rf"http://127\.0\.0\.1:{port}/setup\?token=\S+", log.read_text())
