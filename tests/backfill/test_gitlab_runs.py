"""A GitLab backfill run end to end in the process, on each real store: against the local API
(X-Next-Page pagination only, one object a page) it completes through 429s and a 502, a run
cut short by a failing API resumes from its cursor, the events are those the webhooks give
(origin `backfill`, at their own time), and a second run adds nothing. The clock is injected:
rate limits and retries cost no real time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from echodash.backfill.providers import gitlab_params, gitlab_reader
from echodash.backfill.runner import LEASE, Outcome, run_backfill
from echodash.sources.gitlab import GitLabSource
from echodash.store.base import EventFilter, Store
from echodash.store.sqlite import SqliteStore
from tests.backfill.gitlab_api import PROJECT_PATH, ROOT, GitLabApiServer
from tests.backfill.gitlab_history import (
    D1_DONE,
    D4_DONE,
    DAY,
    HOUR,
    INCIDENT_CLOSED,
    INCIDENT_OPENED,
    ITEMS,
    MINUTE,
    PIPELINE_DONE,
    SHA,
    SINCE,
    T0,
    TOTAL,
    deployment_hook,
    gitlab_history,
    issue_hook,
    pipeline_hook,
    push_hook,
)
from tests.backfill.test_github_client import FakeClock
from tests.http.metric_events import iso
from tests.support import create_pg_database, drop_pg_database, postgres_available

pytestmark = pytest.mark.own_stores
TOKEN = "glpat-only-for-this-import"
BASE = f"{ROOT}/projects/15"


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
    return await store.create_endpoint(workspace, "gitlab", PROJECT_PATH, "slug-gl", {}, "sealed")


async def _backfill(
    store: Store, endpoint: Any, api: GitLabApiServer, node: str, clock: FakeClock | None = None
) -> Outcome:
    params = gitlab_params(PROJECT_PATH, iso(SINCE), api.url)
    run = await store.resumable_backfill(endpoint.workspace_id, endpoint.id, "gitlab", params)
    if run is None:
        run = await store.create_backfill(
            endpoint.workspace_id, endpoint.id, "gitlab", params, None, False
        )
    claimed = await store.claim_backfill(node, LEASE, run.id)
    assert claimed is not None
    settings = await store.get_metric_settings(endpoint.workspace_id)
    reading = gitlab_reader(claimed, TOKEN, clock or FakeClock(), settings)
    try:
        return await run_backfill(store, claimed, reading.reader, node)
    finally:
        await reading.client.close()


async def _events(store: Store, workspace: int) -> list[Any]:
    return await store.list_events(workspace, EventFilter(), 500)


def test_a_run_cut_short_resumes_and_a_second_adds_nothing(store: Store) -> None:
    history = gitlab_history()
    history.max_per_page = 1  # a page per object: many cursor steps
    history.link_header = False  # the next page only from X-Next-Page
    history.faults[f"{BASE}/deployments"] = ["429", "429-reset", "502"]
    # Half-way (in the deployments), GitLab starts failing for good.
    history.failing_after = 7

    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitLabApiServer(history) as api:
                clock = FakeClock()
                cut = await _backfill(store, endpoint, api, "node-1", clock)
                assert not cut.done and "502, 6 times in a row" in (cut.error or "")
                # Retry-After said 7 s; then RateLimit-Reset was 30 s ahead of the real time,
                # 7 s of which the clock had already waited; the 502 a second.
                assert clock.slept[:3] == [7.0, pytest.approx(24.0, abs=2), 1.0]
                stopped = await store.get_backfill(endpoint.workspace_id, cut.run.id)
                assert stopped is not None and stopped.status == "failed"
                assert stopped.cursor["stage"] == "deployments"
                asked_before = len(history.requests)
                history.failing_after = None
                resumed = await _backfill(store, endpoint, api, "node-2")
                assert resumed.done and resumed.run.id == cut.run.id
                # From the cursor: the first page of deployments was not asked for again.
                again = history.requests[asked_before:]
                assert again[0] == f"{ROOT}/projects/acme%2Fweb"  # the project, by its path
                deployments = [r for r in again if r.startswith(f"{BASE}/deployments")]
                assert deployments and all("&page=" in r for r in deployments)
                events = await _events(store, endpoint.workspace_id)
                kinds = Counter(e.type.split(".")[0] for e in events)
                assert kinds == Counter(ITEMS)
                assert {e.origin.value for e in events} == {"backfill"}
                finished = await store.get_backfill(endpoint.workspace_id, cut.run.id)
                assert finished is not None and finished.status == "done"
                assert finished.events_added == TOTAL
                assert set(history.tokens) == {TOKEN}
                # A second run reads it all again and adds nothing.
                second = await _backfill(store, endpoint, api, "node-3")
                assert second.done and second.run.id != cut.run.id
                assert (second.progress.items, second.progress.events_added) == (TOTAL, 0)
                assert len(await _events(store, endpoint.workspace_id)) == len(events)
        finally:
            await store.close()

    asyncio.run(main())


def test_backfilled_events_are_the_webhooks_events_at_their_own_time(store: Store) -> None:
    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitLabApiServer(gitlab_history()) as api:
                assert (await _backfill(store, endpoint, api, "node-1")).done
            events = await _events(store, endpoint.workspace_id)
            deployed = sorted(
                (e for e in events if e.type == "deployment.success"),
                key=lambda e: e.occurred_at,
            )
            assert [(e.title, e.environment, e.occurred_at) for e in deployed] == [
                ("Deployment of main to production succeeded in acme/web", "production", D1_DONE),
                ("Deployment of main to staging succeeded in acme/web", "staging",
                 T0 + DAY + 3 * HOUR + 5 * MINUTE),
                ("Deployment of main to production succeeded in acme/web", "production", D4_DONE),
            ]  # fmt: skip
            assert {e.category.value for e in deployed} == {"deployment"}
            assert {e.service for e in events} == {"gitlab:acme/web"}
            failed = next(e for e in events if e.type == "deployment.failed")
            assert failed.outcome is not None and failed.outcome.value == "failure"
            assert all(e.received_at == e.occurred_at for e in deployed)
            pushes = sorted((e for e in events if e.type == "push"), key=lambda e: e.occurred_at)
            assert [e.title for e in pushes] == [
                "alice pushed 2 commits to main in acme/web",
                "alice pushed 2 commits to main in acme/web",
            ]
            assert [e.commits for e in pushes] == [
                (SHA[3], SHA[4]),
                (SHA[5], SHA[6]),
            ]
            (merged,) = [e for e in events if e.type == "merge_request.merge"]
            assert merged.title == "alice merged !5 Speed up checkout (5) into main in acme/web"
            assert merged.category.value == "change"
            assert merged.occurred_at == T0 + 2 * HOUR + 30 * MINUTE
            pipelines = sorted(
                (e.title, e.outcome.value if e.outcome else None, e.occurred_at)
                for e in events
                if e.type.startswith("pipeline.")
            )
            assert pipelines == [
                ("Pipeline #951 succeeded on main in acme/web", "success", PIPELINE_DONE),
                ("Pipeline #952 failed on main in acme/web", "failure", T0 + DAY + 12 * MINUTE),
            ]
            issues = sorted((e.type, e.occurred_at) for e in events if e.type.startswith("issue"))
            assert issues == sorted(
                [
                    ("issue.open", INCIDENT_OPENED),
                    ("issue.close", INCIDENT_CLOSED),
                    ("issue.open", T0 + 2 * HOUR),
                ]
            )
        finally:
            await store.close()

    asyncio.run(main())


def test_a_backfilled_item_names_the_same_thing_as_its_webhook() -> None:
    """The thing ids a backfill gives its items are those of GitLab's own webhooks."""

    async def main() -> list[str]:
        with GitLabApiServer(gitlab_history()) as api:
            from echodash.backfill.gitlab import GitLabHistory
            from echodash.backfill.http import ApiClient

            client = ApiClient(api.url, {}, FakeClock())
            reader = GitLabHistory(client, PROJECT_PATH, SINCE, __import__("re").compile("prod"))
            try:
                return [i.key async for page in reader.pages({}) for i in page.items]
            finally:
                await client.close()

    keys = set(asyncio.run(main()))
    source = GitLabSource()
    live = [
        deployment_hook(PROJECT_PATH, 15, 104, SHA[6], D4_DONE),
        push_hook(PROJECT_PATH, 15, SHA[4], 6, [5, 6]),
        issue_hook(PROJECT_PATH, 15, "open", None),
        issue_hook(PROJECT_PATH, 15, "close", INCIDENT_CLOSED),
        pipeline_hook(PROJECT_PATH, 15, 951, "success", PIPELINE_DONE),
    ]
    named = [source.thing_id({}, body) for body in live]
    assert named == [
        "gitlab:deployment:104:success",
        f"gitlab:push:15:refs/heads/main:{SHA[6]}",
        "gitlab:issue:open:7077",
        "gitlab:issue:close:7077",
        "gitlab:pipeline:951:success",
    ]
    assert set(named) <= keys
    # A running deployment or pipeline may be reported again: it names no thing.
    running = deployment_hook(PROJECT_PATH, 15, 105, SHA[6], D4_DONE, status="running")
    assert source.thing_id({}, running) is None
    assert source.thing_id({}, pipeline_hook(PROJECT_PATH, 15, 953, "running", T0)) is None


def test_a_token_without_read_api_stops_the_run_with_gitlabs_reason(store: Store) -> None:
    history = gitlab_history()
    history.faults[f"{ROOT}/projects/acme%2Fweb"] = ["403-scope"]

    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitLabApiServer(history) as api:
                refused = await _backfill(store, endpoint, api, "node-1")
            assert not refused.done
            assert refused.error == (
                "the API answered 403: The request requires higher privileges than provided "
                "by the access token."
            )
            assert len(history.requests) == 1  # not asked again: waiting would not help
            assert await _events(store, endpoint.workspace_id) == []
        finally:
            await store.close()

    asyncio.run(main())


def test_the_first_deployment_ever_ships_the_commits_of_the_30_days_before_it(
    store: Store,
) -> None:
    history = gitlab_history()
    history.deployments = [d for d in history.deployments if d["id"] != 100]  # no predecessor

    async def main() -> None:
        await store.open()
        try:
            endpoint = await _endpoint(store)
            with GitLabApiServer(history) as api:
                assert (await _backfill(store, endpoint, api, "node-1")).done
            asked = [r for r in history.requests if "/repository/commits" in r]
            assert len(asked) == 1 and f"ref_name={SHA[4]}" in asked[0]
            events = await _events(store, endpoint.workspace_id)
            pushes = sorted((e for e in events if e.type == "push"), key=lambda e: e.occurred_at)
            # c1 is 41 days older than D1, c2 only 10: the first push brings c2, c3 and c4
            # (oldest first); D4's is still the compare from D1.
            assert [e.commits for e in pushes] == [(SHA[2], SHA[3], SHA[4]), (SHA[5], SHA[6])]
        finally:
            await store.close()

    asyncio.run(main())
