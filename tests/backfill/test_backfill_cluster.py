"""Two nodes on one PostgreSQL database: a history import asked of either runs on exactly one
of them, once, and its events are there once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backfill.github_api import REPO, GitHubApiServer
from tests.backfill.history import SINCE, github_history
from tests.backfill.test_backfill_api import TOKEN, _wait_done
from tests.http.metric_events import iso
from tests.http.test_cluster import _node
from tests.support import Server

pytestmark = pytest.mark.own_stores


@pytest.fixture
def nodes(pg_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    allow = {"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}
    a = _node(tmp_path, "node-a", pg_url, **allow).start()
    b = _node(tmp_path, "node-b", pg_url, **allow).start()
    yield a, b
    a.stop()
    b.stop()


def test_one_node_reads_the_history_once(nodes: tuple[Server, Server]) -> None:
    a, b = nodes
    endpoint = a.create_endpoint("github", name=REPO)
    history = github_history()
    history.max_per_page = 1
    with GitHubApiServer(history) as api:
        body = {"since": iso(SINCE), "api_url": api.url, "token": TOKEN}
        with a.client() as c:
            started = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=body)
        assert started.status_code == 202, started.text
        # Asked again, of the other node, while it runs: the same import.
        with b.client() as c:
            again = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=body)
        assert again.json() == started.json()
        done = _wait_done(b, started.json()["id"])
        assert (done["status"], done["events_added"], done["duplicates"]) == ("done", 13, 0)
    # Every page was read once: the repository once per run, each list's pages once.
    assert history.requests.count(f"/repos/{REPO}/deployments/104/statuses") == 1
    assert len(a.all_events(endpoint=endpoint["id"])) == 13
    started_on = [n for n in (a, b) if "started backfill" in n.log()]
    assert len(started_on) == 1, [n.log()[-2000:] for n in (a, b)]
