"""A server started as `make run` starts it (`serve --demo`), once for the module."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support import Server


def wait_for_demo(server: Server, timeout: float = 90.0) -> None:
    """Until the fill is done: its last step fires an alert."""
    deadline = time.monotonic() + timeout
    with server.client() as c:
        while time.monotonic() < deadline:
            answer = c.get("/api/v1/alerts")
            if answer.status_code == 200 and answer.json()["alerts"]:
                return
            time.sleep(0.25)
    raise AssertionError(f"the demo fired no alert in {timeout} s:\n{server.log()[-3000:]}")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("demo") / "data", env={"ECHODASH_DEMO": "1"})
    server.start()
    started = time.monotonic()
    try:
        wait_for_demo(server)
        server.fill_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()
