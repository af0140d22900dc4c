"""A GitHub backfill run end to end in the process, on each real store: against the local
API it completes, a run cut short by a failing API resumes from its cursor, the events are
those the webhooks give (origin `backfill`, at their own time), and a second run adds nothing.
The clock is injected: rate limits and retries cost no real time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from echodash.backfill.providers import github_params, github_reader
from echodash.backfill.runner import LEASE, Outcome, run_backfill
from echodash.store.base import EventFilter, Store
from echodash.store.sqlite import SqliteStore
from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import (
    DAY,
    HOUR,
    INCIDENT_OPENED,
    ITEMS,
    MINUTE,
    SINCE,
    T0,
    github_history,
)
from tests.backfill.test_github_client import FakeClock
from tests.http.metric_events import iso
from tests.support import create_pg_database, drop_pg_database, postgres_available

pytestmark = pytest.mark.own_stores


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield SqliteStore(tmp_path / "backfill.db")
        return
    if not postgres_available():
        pytest.skip("PostgreSQL is not running")
    from echodash.store.postgres import PostgresStore

    url = create_pg_database()
    yield PostgresStore(url)
    drop_pg_database(url)


async def _endpoint(store: Store) -> Any:
    workspace = await store.ensure_default_workspace()
    return await store.create_endpoint(workspace, "github", "acme/web", "slug-bf", {}, "sealed")


async def _backfill(store: Store, endpoint: Any, api: GitHubApiServer, node: str) -> Outcome:
    params = github_params(REPO, iso(SINCE), api.url)
    run = await store.resumable_backfill(endpoint.workspace_id, endpoint.id, "github", params)
    if run is None:
        run = await store.create_backfill(
            endpoint.workspace_id, endpoint.id, "github", params, None, False
        )
    claimed = await store.claim_backfill(node, LEASE, run.id)
    assert claimed is not None
    settings = await store.get_metric_settings(endpoint.workspace_id)
    reading = github_reader(claimed, "t0ken", FakeClock(), settings)
    try:
        return await run_backfill(store, claimed, reading.reader, node)
    finally:
        await reading.client.close()


async def _events(store: Store, workspace: int) -> list[Any]:
    return await store.list_events(workspace, EventFilter(), 500)


def test_a_run_cut_short_resumes_and_a_second_adds_nothing(store: Store) -> None:
    history = github_history()
    history.max_per_page = 1  # a page per object: many cursor steps
    history.faults[f"/repos/{REPO}/deployments"] = ["primary", "secondary", "502", "drop"]
    # Half-way (in the statuses of the deployments), GitHub starts failing for good.
    history.failing_after = 9

    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitHubApiServer(history) as api:
                cut = await _backfill(store, endpoint, api, "node-1")
                assert not cut.done and "502, 6 times in a row" in (cut.error or "")
                stopped = await store.get_backfill(endpoint.workspace_id, cut.run.id)
                assert stopped is not None and stopped.status == "failed"
                assert stopped.cursor["stage"] == "deployments"
                partial = await _events(store, endpoint.workspace_id)
                asked_before = len(history.requests)
                history.failing_after = None
                resumed = await _backfill(store, endpoint, api, "node-2")
                assert resumed.done and resumed.run.id == cut.run.id
                # It went on from the cursor: the first deployments page was not read again.
                again = history.requests[asked_before:]
                assert f"/repos/{REPO}/deployments/104/statuses" not in again
                events = await _events(store, endpoint.workspace_id)
                assert len(events) >= len(partial)
                kinds = Counter(e.type.split(".")[0] for e in events)
                assert kinds == Counter(ITEMS)
                assert {e.origin.value for e in events} == {"backfill"}
                finished = await store.get_backfill(endpoint.workspace_id, cut.run.id)
                assert finished is not None
                assert finished.to_json() == {
                    "id": cut.run.id,
                    "endpoint_id": endpoint.id,
                    "status": "done",
                    "items": finished.items,
                    "events_added": 13,
                    "duplicates": finished.items - 13,
                }
                # A second run reads it all again and adds nothing.
                second = await _backfill(store, endpoint, api, "node-3")
                assert second.done and second.run.id != cut.run.id
                assert (second.progress.items, second.progress.events_added) == (13, 0)
                assert second.progress.duplicates == 13
                assert len(await _events(store, endpoint.workspace_id)) == len(events)
        finally:
            await store.close()

    asyncio.run(main())


def test_backfilled_events_are_the_webhooks_events_at_their_own_time(store: Store) -> None:
    history = github_history()

    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitHubApiServer(history) as api:
                assert (await _backfill(store, endpoint, api, "node-1")).done
            events = await _events(store, endpoint.workspace_id)
            by_type = {e.type: e for e in events}
            deployed = next(
                e
                for e in events
                if e.type == "deployment_status.created"
                and e.title == "Deployment of main to production succeeded in acme/web"
            )
            assert deployed.category.value == "deployment"
            assert deployed.service == "github:acme/web"
            # At its status's own time (D1's or D4's success), not when it was read.
            assert deployed.occurred_at in {
                T0 + 3 * HOUR + 10 * MINUTE,
                T0 + DAY + 4 * HOUR + 15 * MINUTE,
            }
            assert deployed.received_at == deployed.occurred_at
            pushes = sorted((e for e in events if e.type == "push"), key=lambda e: e.occurred_at)
            assert [e.title for e in pushes] == [
                "Codertocat pushed 2 commits to main in acme/web",
                "Codertocat pushed 2 commits to main in acme/web",
            ]
            assert pushes[0].commits == ("3" * 40, "4" * 40)
            assert by_type["pull_request.closed"].category.value == "change"  # merged
            assert by_type["workflow_run.completed"].category.value == "build"
            assert by_type["release.published"].category.value == "release"
            opened = {e.title: e.occurred_at for e in events if e.type == "issues.opened"}
            incident = "Codertocat opened issue #77 Spelling error in the README file in acme/web"
            assert opened[incident] == INCIDENT_OPENED
            assert len(opened) == 2
        finally:
            await store.close()

    asyncio.run(main())


def test_a_run_held_by_a_live_process_is_not_taken(store: Store) -> None:
    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            params = github_params(REPO, "30d", "https://api.github.com")
            run = await store.create_backfill(
                endpoint.workspace_id, endpoint.id, "github", params, None, True
            )
            assert await store.claim_backfill("node-a", LEASE, run.id) is not None
            assert await store.claim_backfill("node-b", LEASE, run.id) is None
        finally:
            await store.close()

    asyncio.run(main())
