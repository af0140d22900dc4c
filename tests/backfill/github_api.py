"""A local HTTP server that answers like GitHub's REST API for one repository: the list
endpoints a backfill reads, with `Link` pagination (`per_page`, `page`), and scripted
answers — a primary rate limit, a secondary one, a 502, a dropped connection, a request held
until the test lets it go. The objects are those the published API returns (the webhook
fixtures embed the same representations; commits follow the REST `commit` schema)."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.http.metric_events import fixture, iso

REPO = "acme/web"


def repository() -> dict[str, Any]:
    """The repository object (the push fixture's: its id is what live pushes carry)."""
    repo: dict[str, Any] = fixture("push/payload.json")["repository"]
    repo.update(full_name=REPO, name="web", default_branch="main")
    repo["owner"]["login"] = "acme"
    repo["html_url"] = f"https://github.com/{REPO}"
    repo.pop("pushed_at", None)
    return repo


def commit(sha: str, at: datetime, message: str = "change", parent: str | None = None) -> Any:
    person = {"name": "Mona", "email": "mona@example.com", "date": iso(at)}
    return {
        "sha": sha,
        "node_id": "C_" + sha[:10],
        "commit": {
            "author": person,
            "committer": person,
            "message": message,
            "tree": {"sha": "f" * 40, "url": "https://api.github.com/tree"},
            "comment_count": 0,
        },
        "url": f"https://api.github.com/repos/{REPO}/commits/{sha}",
        "html_url": f"https://github.com/{REPO}/commit/{sha}",
        "author": {"login": "mona", "id": 1},
        "committer": {"login": "mona", "id": 1},
        "parents": [{"sha": parent}] if parent else [],
    }


def deployment(number: int, sha: str, created: datetime, env: str = "production") -> Any:
    found: dict[str, Any] = fixture("deployment_status/payload.json")["deployment"]
    found.update(id=number, sha=sha, ref="main", environment=env, created_at=iso(created))
    found["original_environment"] = env
    return found


def status(number: int, state: str, at: datetime, env: str = "production") -> Any:
    found: dict[str, Any] = fixture("deployment_status/payload.json")["deployment_status"]
    found.update(id=number, state=state, environment=env, created_at=iso(at), updated_at=iso(at))
    return found


@dataclass
class FakeGitHub:
    """The repository's history, and what to answer when."""

    repo: dict[str, Any] = field(default_factory=repository)
    commits: list[Any] = field(default_factory=list)  # oldest first, one line of history
    deployments: list[tuple[Any, list[Any]]] = field(default_factory=list)  # newest first
    pulls: list[Any] = field(default_factory=list)
    runs: list[Any] = field(default_factory=list)
    releases: list[Any] = field(default_factory=list)
    issues: list[Any] = field(default_factory=list)
    # Path prefix -> answers for the next requests to it: "primary", "secondary", "502",
    # "drop", "hold" (wait until `release` is set, then answer), "fail" (502, kept).
    faults: dict[str, list[str]] = field(default_factory=dict)
    failing_after: int | None = None  # every request after this many answers 502
    max_per_page: int = 100  # GitHub's cap; smaller, for more pages
    requests: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        base = f"/repos/{REPO}"
        if path == base:
            return 200, self.repo
        if path == f"{base}/deployments":
            return 200, [d for d, _ in self.deployments]
        if path.startswith(f"{base}/deployments/") and path.endswith("/statuses"):
            number = int(path.split("/")[-2])
            statuses = next(s for d, s in self.deployments if d["id"] == number)
            return 200, sorted(statuses, key=lambda s: s["created_at"], reverse=True)
        if path.startswith(f"{base}/compare/"):
            base_sha, head_sha = path.rsplit("/", 1)[1].split("...")
            shas = [c["sha"] for c in self.commits]
            listed = self.commits[shas.index(base_sha) + 1 : shas.index(head_sha) + 1]
            return 200, {"status": "ahead", "ahead_by": len(listed), "commits": listed}
        if path == f"{base}/commits":
            shas = [c["sha"] for c in self.commits]
            upto = self.commits[: shas.index(query["sha"]) + 1]
            listed = [
                c
                for c in reversed(upto)
                if query.get("since", "") <= c["commit"]["committer"]["date"]
                and c["commit"]["committer"]["date"] <= query.get("until", "~")
            ]
            return 200, listed
        if path == f"{base}/pulls":
            listed = [p for p in self.pulls if p["base"]["ref"] == query.get("base")]
            return 200, sorted(listed, key=lambda p: p["updated_at"], reverse=True)
        if path == f"{base}/actions/runs":
            return 200, {"total_count": len(self.runs), "workflow_runs": self.runs}
        if path == f"{base}/releases":
            return 200, self.releases
        if path == f"{base}/issues":
            since = query.get("since", "")
            listed = [i for i in self.issues if i["updated_at"] >= since]
            return 200, sorted(listed, key=lambda i: i["updated_at"], reverse=True)
        return 404, {"message": "Not Found"}

    def fault(self, path: str) -> str | None:
        with self.lock:
            self.requests.append(path)
            if self.failing_after is not None and len(self.requests) > self.failing_after:
                return "fail"
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    return queue.pop(0)
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        api = self.server.api
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.server.authorizations.append(self.headers.get("authorization"))
        fault = api.fault(parts.path)
        if fault == "drop":
            self.connection.close()
            return
        if fault == "hold":
            api.held.set()
            api.release.wait(30)
        if fault in ("502", "fail"):
            self._send(502, {"message": "Server Error"})
            return
        if fault == "primary":
            reset = int(time.time()) + 30
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
            self._send(403, {"message": "API rate limit exceeded"}, headers)
            return
        if fault == "secondary":
            message = {"message": "You have exceeded a secondary rate limit."}
            self._send(403, message, {"retry-after": "7"})
            return
        status, document = api.answer(parts.path, query)
        headers = {"x-ratelimit-remaining": "4999", "x-ratelimit-reset": str(int(time.time()))}
        if isinstance(document, list) or (isinstance(document, dict) and "commits" in document):
            document, links = self._page(parts.path, query, document)
            if links:
                headers["link"] = links
        self._send(status, document, headers)

    def _page(self, path: str, query: dict[str, str], document: Any) -> tuple[Any, str]:
        per_page = min(int(query.get("per_page", "30")), self.server.api.max_per_page)
        page = int(query.get("page", "1"))
        listed = document["commits"] if isinstance(document, dict) else document
        last = max(1, -(-len(listed) // per_page))
        sliced = copy.deepcopy(listed[(page - 1) * per_page : page * per_page])
        links = []
        origin = f"http://127.0.0.1:{self.server.server_port}{path}"
        if page < last:
            links.append(f'<{origin}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{origin}?{urlencode({**query, "page": last})}>; rel="last"')
        if isinstance(document, dict):
            return {**document, "commits": sliced}, ", ".join(links)
        return sliced, ", ".join(links)

    def _send(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(document).encode()
        if status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            headers = {**(headers or {}), "etag": etag}
            if self.headers.get("if-none-match") == etag:
                self.server.not_modified += 1
                status, body = 304, b""
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeGitHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.authorizations: list[str | None] = []
        self.not_modified = 0


class GitHubApiServer:
    """The fake API on a loopback port, in a thread."""

    def __init__(self, api: FakeGitHub) -> None:
        self.api = api
        self._server = _Server(api)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def not_modified(self) -> int:
        """How many answers were 304 Not Modified (an ETag matched)."""
        return self._server.not_modified

    @property
    def authorizations(self) -> list[str | None]:
        return self._server.authorizations

    def __enter__(self) -> GitHubApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.release.set()
        self._server.shutdown()
        self._server.server_close()
