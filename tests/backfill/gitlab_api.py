"""A local HTTP server that answers like GitLab's REST API (v4) under a self-managed API root
(`/api/v4`) for one project: the lists a backfill reads, paginated with `page`/`per_page` and
both `Link` and `X-Next-Page`/`X-Total-Pages` headers (or only the latter, like GitLab's
keyset-less large lists), and scripted answers — a 429 with `Retry-After`, a 429 with only
`RateLimit-Reset`, a 502, a request held until the test lets it go. The objects follow the
shapes in GitLab's API docs (projects, deployments, repository compare and commits, merge
requests, pipelines, issues)."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.http.metric_events import iso

ROOT = "/api/v4"
PROJECT_PATH = "acme/web"
WEB = "https://gitlab.example.com"
USER = {
    "id": 1,
    "username": "alice",
    "name": "Alice Liddell",
    "state": "active",
    "avatar_url": None,
    "web_url": f"{WEB}/alice",
}


def project(path: str = PROJECT_PATH, number: int = 15) -> dict[str, Any]:
    group, name = path.rsplit("/", 1)
    return {
        "id": number,
        "description": None,
        "name": name,
        "name_with_namespace": f"{group} / {name}",
        "path": name,
        "path_with_namespace": path,
        "created_at": "2024-01-02T03:04:05.000Z",
        "default_branch": "main",
        "ssh_url_to_repo": f"git@gitlab.example.com:{path}.git",
        "http_url_to_repo": f"{WEB}/{path}.git",
        "web_url": f"{WEB}/{path}",
        "avatar_url": None,
        "namespace": {"id": 3, "name": group, "path": group, "kind": "group", "full_path": group},
        "visibility": "private",
    }


def commit(sha: str, at: datetime, title: str, parent: str | None) -> dict[str, Any]:
    return {
        "id": sha,
        "short_id": sha[:8],
        "created_at": iso(at),
        "parent_ids": [parent] if parent else [],
        "title": title,
        "message": title + "\n",
        "author_name": "Alice Liddell",
        "author_email": "alice@example.com",
        "authored_date": iso(at),
        "committer_name": "Alice Liddell",
        "committer_email": "alice@example.com",
        "committed_date": iso(at),
        "web_url": f"{WEB}/{PROJECT_PATH}/-/commit/{sha}",
    }


def pipeline(number: int, sha: str, status: str, created: datetime, updated: datetime) -> Any:
    """A pipeline as the pipelines list gives it (no duration, no end)."""
    return {
        "id": number,
        "iid": number - 900,
        "project_id": 15,
        "sha": sha,
        "ref": "main",
        "status": status,
        "source": "push",
        "created_at": iso(created),
        "updated_at": iso(updated),
        "web_url": f"{WEB}/{PROJECT_PATH}/-/pipelines/{number}",
    }


def deployment(
    number: int,
    sha: str,
    created: datetime,
    finished: datetime,
    status: str = "success",
    env: str = "production",
) -> dict[str, Any]:
    return {
        "id": number,
        "iid": number - 100,
        "ref": "main",
        "sha": sha,
        "created_at": iso(created),
        "updated_at": iso(finished),
        "finished_at": iso(finished) if status in ("success", "failed", "canceled") else None,
        "status": status,
        "user": USER,
        "environment": {
            "id": 9 if env == "production" else 10,
            "name": env,
            "slug": env,
            "external_url": f"https://{env}.acme.example.com",
            "tier": env,
        },
        "deployable": {
            "id": number * 10,
            "status": status,
            "stage": "deploy",
            "name": f"deploy-{env}",
            "ref": "main",
            "tag": False,
            "created_at": iso(created),
            "started_at": iso(created),
            "finished_at": iso(finished),
            "user": USER,
            "commit": {"id": sha, "short_id": sha[:8], "title": "change"},
        },
    }


@dataclass
class FakeGitLab:
    """The project's history, and what to answer when."""

    project: dict[str, Any] = field(default_factory=project)
    commits: list[Any] = field(default_factory=list)  # oldest first, one line of history
    deployments: list[Any] = field(default_factory=list)
    merge_requests: list[Any] = field(default_factory=list)
    pipelines: list[Any] = field(default_factory=list)
    issues: list[Any] = field(default_factory=list)
    # Path prefix -> answers for the next requests to it: "429", "429-reset", "502",
    # "403-scope" (a token without read_api), "hold"
    # (wait until `release` is set, then answer), "fail" (502, kept).
    faults: dict[str, list[str]] = field(default_factory=dict)
    failing_after: int | None = None  # every request after this many answers 502
    max_per_page: int = 100
    link_header: bool = True  # False: only X-Next-Page / X-Total-Pages
    requests: list[str] = field(default_factory=list)  # raw paths and queries, as sent
    tokens: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        encoded = self.project["path_with_namespace"].replace("/", "%2F")
        if path == f"{ROOT}/projects/{encoded}":
            return 200, self.project
        base = f"{ROOT}/projects/{self.project['id']}"
        if path == f"{base}/deployments":
            assert (query.get("order_by"), query.get("sort")) == ("id", "desc")
            return 200, sorted(self.deployments, key=lambda d: d["id"], reverse=True)
        if path == f"{base}/repository/compare":
            shas = [c["id"] for c in self.commits]
            listed = self.commits[shas.index(query["from"]) + 1 : shas.index(query["to"]) + 1]
            head = listed[-1] if listed else None
            web_url = f"{WEB}/{PROJECT_PATH}/-/compare/{query['from']}...{query['to']}"
            document = {"commit": head, "commits": listed, "diffs": [], "web_url": web_url,
                        "compare_timeout": False, "compare_same_ref": False}  # fmt: skip
            return 200, document
        if path == f"{base}/repository/commits":
            shas = [c["id"] for c in self.commits]
            upto = self.commits[: shas.index(query["ref_name"]) + 1]
            listed = [
                c
                for c in reversed(upto)
                if query.get("since", "") <= c["committed_date"] <= query.get("until", "~")
            ]
            return 200, listed
        if path == f"{base}/merge_requests":
            listed = [
                m
                for m in self.merge_requests
                if m["state"] == query.get("state")
                and m["target_branch"] == query.get("target_branch")
                and m["updated_at"] >= query.get("updated_after", "")
            ]
            return 200, sorted(listed, key=lambda m: m["updated_at"], reverse=True)
        if path == f"{base}/pipelines":
            after = query.get("updated_after", "")
            listed = [p for p in self.pipelines if p["updated_at"] >= after]
            return 200, sorted(listed, key=lambda p: p["updated_at"], reverse=True)
        if path == f"{base}/issues":
            after = query.get("updated_after", "")
            listed = [i for i in self.issues if i["updated_at"] >= after]
            if query.get("with_labels_details") != "true":
                listed = [{**i, "labels": [x["name"] for x in i["labels"]]} for i in listed]
            return 200, sorted(listed, key=lambda i: i["updated_at"], reverse=True)
        return 404, {"message": "404 Project Not Found"}

    def fault(self, path: str, sent: str) -> str | None:
        with self.lock:
            self.requests.append(sent)
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
        api.tokens.append(self.headers.get("private-token"))
        fault = api.fault(parts.path, self.path)
        if fault == "hold":
            api.held.set()
            api.release.wait(30)
        if fault in ("502", "fail"):
            self._send(502, {"message": "502 Bad Gateway"})
            return
        if fault == "403-scope":
            refusal = {"error": "insufficient_scope", "error_description": "The request "
                       "requires higher privileges than provided by the access token.",
                       "scope": "api read_api"}  # fmt: skip
            self._send(403, refusal)
            return
        if fault == "429":
            self._send(429, {"message": "Retry later"}, {"retry-after": "7"})
            return
        if fault == "429-reset":
            reset = str(int(time.time()) + 30)
            limits = {"ratelimit-limit": "600", "ratelimit-remaining": "0",
                      "ratelimit-reset": reset}  # fmt: skip
            self._send(429, {"message": "Retry later"}, limits)
            return
        status, document = api.answer(parts.path, query)
        headers: dict[str, str] = {}
        if isinstance(document, list):
            document, headers = self._page(parts.path, query, document)
        self._send(status, document, headers)

    def _page(
        self, path: str, query: dict[str, str], listed: list[Any]
    ) -> tuple[Any, dict[str, str]]:
        api = self.server.api
        per_page = min(int(query.get("per_page", "20")), api.max_per_page)
        page = int(query.get("page", "1"))
        last = max(1, -(-len(listed) // per_page))
        sliced = copy.deepcopy(listed[(page - 1) * per_page : page * per_page])
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-total": str(len(listed)),
            "x-total-pages": str(last),
            "x-next-page": str(page + 1) if page < last else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
        }
        if api.link_header:
            origin = f"http://127.0.0.1:{self.server.server_port}{path}"
            links = [f'<{origin}?{urlencode({**query, "page": 1})}>; rel="first"',
                     f'<{origin}?{urlencode({**query, "page": last})}>; rel="last"']  # fmt: skip
            if page < last:
                links.insert(0, f'<{origin}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            headers["link"] = ", ".join(links)
        return sliced, headers

    def _send(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: FakeGitLab) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class GitLabApiServer:
    """The fake API on a loopback port, in a thread; `url` is its API root."""

    def __init__(self, api: FakeGitLab) -> None:
        self.api = api
        self._server = _Server(api)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{ROOT}"

    def __enter__(self) -> GitLabApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.release.set()
        self._server.shutdown()
        self._server.server_close()
