"""Headless Chromium (Debian's package) driven by Playwright, and a signed-in first admin."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support import ARTIFACTS, Server

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORD = "correct horse battery staple"


def _chromium_or_fail() -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _chromium_or_fail()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def setup_link(server: Server, timeout: float = 10.0) -> str:
    """The one-time first-admin link `echodash serve` printed in its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"create the first admin at (\S+)", server.log())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no setup link in the log:\n{server.log()}")


def shot(page: Page, name: str) -> Path:
    """Save a screenshot as a test artifact (looked at by a person before a release)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data").start()
    yield srv
    srv.stop()


def create_first_admin(page: Page, server: Server, name: str = "Ada Lovelace") -> None:
    """Walk the first-run setup page with the link from the log; ends signed in."""
    page.goto(setup_link(server))
    expect(page.get_by_role("heading", name="Create the first admin")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/sources\?welcome=1$"))
