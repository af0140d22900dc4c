"""Backfill throughput: items a second a GitHub backfill stores (read from a local server
that answers like GitHub's REST API, parsed by the GitHub source, kept with their metric
facts) into a fresh store.

    .venv/bin/python bench/backfill.py [--deployments 500] [--per-page 100] [--database URL]

The history has, per deployment, one success status, one merged pull request, one workflow
run and one issue; every deployment ships two commits (one compare each). Prints items, API
requests, seconds and items per second (median of --runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from echodash.backfill.base import RealClock
from echodash.backfill.providers import github_params, github_reader
from echodash.backfill.runner import LEASE, run_backfill
from echodash.store import open_store

REPO = "acme/web"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def history(deployments: int) -> dict[str, Any]:
    """Lists the local API answers with, newest first, and the commits (oldest first)."""
    start = datetime.now(UTC) - timedelta(days=80)
    step = timedelta(days=75) / deployments
    who = {"login": "mona", "id": 1}
    commits, listed, statuses, pulls, runs, issues = [], [], {}, [], [], []
    for n in range(deployments):
        at = start + n * step
        for k in (0, 1):
            sha = f"{2 * n + k + 1:040x}"
            person = {"name": "Mona", "email": "m@example.com", "date": _when(at)}
            commits.append({"sha": sha, "commit": {"author": person, "committer": person,
                                                   "message": f"change {n}.{k}"},
                            "html_url": f"https://github.com/{REPO}/commit/{sha}",
                            "author": who})  # fmt: skip
        deployed = at + timedelta(minutes=30)
        listed.append({"id": n + 1, "sha": commits[-1]["sha"], "ref": "main",
                       "environment": "production", "creator": who,
                       "created_at": _when(deployed)})  # fmt: skip
        statuses[n + 1] = [{"id": 10 * (n + 1), "state": "success", "environment": "production",
                            "creator": who, "created_at": _when(deployed)}]  # fmt: skip
        pulls.append({"id": n + 1, "number": n + 1, "title": f"PR {n}", "user": who,
                      "merged_at": _when(at), "updated_at": _when(at), "state": "closed",
                      "base": {"ref": "main"}, "head": {"ref": f"b{n}"},
                      "html_url": f"https://github.com/{REPO}/pull/{n + 1}"})  # fmt: skip
        runs.append({"id": n + 1, "name": "CI", "status": "completed", "conclusion": "success",
                     "run_attempt": 1, "head_branch": "main", "actor": who,
                     "created_at": _when(at), "updated_at": _when(at)})  # fmt: skip
        issues.append({"id": n + 1, "number": n + 1, "title": f"Issue {n}", "user": who,
                       "labels": [], "state": "open", "created_at": _when(at),
                       "updated_at": _when(at), "closed_at": None})  # fmt: skip
    repo = {"id": 1, "full_name": REPO, "name": "web", "default_branch": "main",
            "html_url": f"https://github.com/{REPO}", "owner": who}  # fmt: skip
    return {"repo": repo, "commits": commits, "deployments": listed[::-1], "statuses": statuses,
            "pulls": pulls[::-1], "runs": runs[::-1], "issues": issues[::-1]}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: _Api

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        data, base = self.server.data, f"/repos/{REPO}"
        path = parts.path
        self.server.requests += 1
        found: Any
        if path == base:
            found = data["repo"]
        elif path.endswith("/statuses"):
            found = data["statuses"][int(path.split("/")[-2])]
        elif "/compare/" in path:
            head = path.rsplit("...", 1)[1]
            shas = [c["sha"] for c in data["commits"]]
            found = {
                "commits": data["commits"][max(0, shas.index(head) - 1) : shas.index(head) + 1]
            }
        elif path == f"{base}/commits":
            shas = [c["sha"] for c in data["commits"]]
            found = data["commits"][: shas.index(query["sha"]) + 1][::-1][:2]
        elif path == f"{base}/actions/runs":
            found = {"workflow_runs": data["runs"]}
        else:
            found = data.get(path.removeprefix(base + "/"), [])
        self._send(found, query, path)

    def _send(self, found: Any, query: dict[str, str], path: str) -> None:
        key = "workflow_runs" if isinstance(found, dict) and "workflow_runs" in found else None
        listed = found[key] if key else found
        link = ""
        if isinstance(listed, list):
            size, page = int(query.get("per_page", "30")), int(query.get("page", "1"))
            if page * size < len(listed):
                origin = f"http://127.0.0.1:{self.server.server_port}{path}"
                link = f'<{origin}?{urlencode({**query, "page": page + 1})}>; rel="next"'
            listed = listed[(page - 1) * size : page * size]
            found = {key: listed} if key else listed
        body = json.dumps(found).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        if link:
            self.send_header("link", link)
        self.end_headers()
        self.wfile.write(body)


class _Api(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.data = data
        self.requests = 0


async def one_run(api: _Api, database: str) -> tuple[int, float]:
    store = open_store(database)
    await store.open()
    try:
        workspace = await store.ensure_default_workspace()
        endpoint = await store.create_endpoint(workspace, "github", REPO, "bench-bf", {}, "x")
        url = f"http://127.0.0.1:{api.server_port}"
        params = github_params(REPO, "90d", url)
        run = await store.create_backfill(workspace, endpoint.id, "github", params, None, False)
        claimed = await store.claim_backfill("bench", LEASE, run.id)
        assert claimed is not None
        settings = await store.get_metric_settings(workspace)
        reading = github_reader(claimed, None, RealClock(), settings)
        started = time.perf_counter()
        outcome = await run_backfill(store, claimed, reading.reader, "bench")
        took = time.perf_counter() - started
        await reading.client.close()
        assert outcome.done, outcome.error
        return outcome.progress.items, took
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    api = _Api(history(args.deployments))
    threading.Thread(target=api.serve_forever, daemon=True).start()
    rates = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            database = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
            asked = api.requests
            items, took = asyncio.run(one_run(api, database))
            rates.append(items / took)
            print(f"run {n + 1}: {items:,} items, {api.requests - asked:,} requests, "
                  f"{took:.2f} s, {items / took:,.0f} items/s")  # fmt: skip
    print(f"median: {statistics.median(rates):,.0f} items/s")
    api.shutdown()


if __name__ == "__main__":
    main()
