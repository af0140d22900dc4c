"""The backfill's API client against a local server answering like GitHub: every page of a
list through `Link`, and patience with rate limits, 5xx answers and dropped connections —
measured on an injected clock, so nothing here really waits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from echodash.backfill.base import BackfillError, BackfillRefused
from echodash.backfill.http import ATTEMPTS, ApiClient
from echodash.events import utcnow
from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import github_history

BASE = f"/repos/{REPO}"


class FakeClock:
    """Real time at the start; each sleep is recorded and moves the time on at once."""

    def __init__(self) -> None:
        self.start = utcnow()
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.start + timedelta(seconds=sum(self.slept))

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def api() -> Iterator[GitHubApiServer]:
    history = github_history()
    history.max_per_page = 2
    with GitHubApiServer(history) as server:
        yield server


def _read_all(api: GitHubApiServer, clock: FakeClock, path: str) -> list[list[int]]:
    async def main() -> list[list[int]]:
        client = ApiClient(api.url, {"authorization": "Bearer t0ken"}, clock)
        try:
            return [
                [d["id"] for d in answer.document]
                async for _url, answer in client.pages(path, {"per_page": "100"})
            ]
        finally:
            await client.close()

    return asyncio.run(main())


def test_every_page_of_a_list_is_read_through_link(api: GitHubApiServer) -> None:
    clock = FakeClock()
    pages = _read_all(api, clock, f"{BASE}/deployments")
    assert pages == [[104, 103], [102, 101], [100]]
    assert clock.slept == []
    assert set(api.authorizations) == {"Bearer t0ken"}


def test_rate_limits_are_waited_out(api: GitHubApiServer) -> None:
    # The primary limit: 403 with X-RateLimit-Remaining 0 and the reset 30 s ahead; then a
    # secondary limit with Retry-After: 7; then a 502 and a dropped connection.
    api.api.faults[f"{BASE}/deployments"] = ["primary", "secondary", "502", "drop"]
    clock = FakeClock()
    pages = _read_all(api, clock, f"{BASE}/deployments")
    assert pages == [[104, 103], [102, 101], [100]]
    primary, secondary, *backoff = clock.slept
    assert 29 <= primary <= 32  # until the reset, and a second more
    assert secondary == 7
    assert backoff == [1.0, 2.0]
    assert len(api.api.requests) == 3 + 4


def test_a_server_that_keeps_failing_stops_the_read(api: GitHubApiServer) -> None:
    api.api.failing_after = 1
    clock = FakeClock()
    with pytest.raises(BackfillError, match="502, 6 times in a row"):
        _read_all(api, clock, f"{BASE}/deployments")
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert len(api.api.requests) == 1 + ATTEMPTS


def test_a_refusal_is_not_retried(api: GitHubApiServer) -> None:
    clock = FakeClock()
    with pytest.raises(BackfillRefused, match="404"):
        _read_all(api, clock, "/repos/acme/unknown/deployments")
    assert clock.slept == []


def test_a_page_read_again_is_asked_with_its_etag(api: GitHubApiServer) -> None:
    async def main() -> tuple[Any, Any]:
        client = ApiClient(api.url, {}, FakeClock())
        try:
            first = await client.get(BASE)
            again = await client.get(BASE)
            return first.document, again.document
        finally:
            await client.close()

    first, again = asyncio.run(main())
    assert again == first and first["full_name"] == REPO
    assert api.not_modified == 1
