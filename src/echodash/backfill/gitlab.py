"""GitLab's history through its REST API (v4): deployments, the commits each production
deployment shipped, merge requests merged to the default branch, finished pipelines and
issues — in stages, each page resumable from the cursor. GitLab.com or a self-managed
instance (its own API root).

A deployment's commits are the compare from the previous successful production deployment
to the same environment (read even when it lies before `since`) to its SHA; the first ever
brings the commits of the 30 days before it (specs/metrics.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from echodash.backfill import gitlab_payloads as shape
from echodash.backfill.base import FIRST_DEPLOY_LOOKBACK, HistoryReader, Item, Page, push_moment
from echodash.backfill.http import ApiClient
from echodash.events import iso

PER_PAGE = "100"
STAGES = ("deployments", "changes", "merge_requests", "pipelines", "issues")
# Pages of deployments read past `since` while looking for the predecessors of the window's
# first production deployments.
PAGES_BEFORE_SINCE = 10


class GitLabHistory(HistoryReader):
    provider = "gitlab"

    def __init__(
        self, client: ApiClient, project: str, since: datetime, production: re.Pattern[str]
    ) -> None:
        self._client = client
        self._path = project
        self._since = since
        self._production = production
        self._project: dict[str, Any] = {}

    @property
    def _base(self) -> str:
        return f"/projects/{self._project['id']}"

    async def pages(self, cursor: dict[str, Any]) -> AsyncIterator[Page]:
        found = (await self._client.get(f"/projects/{quote(self._path, safe='')}")).document
        if not isinstance(found, dict) or not isinstance(found.get("id"), int):
            raise ValueError(f"{self._path} did not answer as a GitLab project")
        self._project = found
        stage = cursor.get("stage", STAGES[0])
        if stage not in STAGES:
            return  # every stage was read
        successes: list[Any] = list(cursor.get("successes", []))
        for index in range(STAGES.index(stage), len(STAGES)):
            name = STAGES[index]
            state = cursor if cursor.get("stage") == name else {"stage": name}
            async for page in getattr(self, f"_{name}")({**state, "successes": successes}):
                successes = page.cursor.get("successes", successes)
                yield page
            # The stage is over: a run stopped from here on resumes at the next one. Which
            # deployments succeeded is kept until their commits are read.
            following = STAGES[index + 1] if index + 1 < len(STAGES) else "end"
            kept = successes if following == "changes" else []
            yield Page([], {"stage": following, "successes": kept}, name)

    # ---- deployments -----------------------------------------------------------------

    async def _deployments(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        url = state.get("url") or f"{self._base}/deployments"
        successes: list[dict[str, Any]] = list(state.get("successes", []))
        past_since = int(state.get("past_since", 0))
        params = (
            None if state.get("url") else {"order_by": "id", "sort": "desc", "per_page": PER_PAGE}
        )
        total: int | None = None
        while url:
            answer = await self._client.get(url, params)
            params = None
            items: list[Item] = []
            oldest: datetime | None = None
            for deployed in answer.items():
                created = shape.when(deployed.get("created_at"))
                if created is not None and (oldest is None or created < oldest):
                    oldest = created
                items += self._deployment(deployed, successes)
            if oldest is not None and oldest < self._since:
                past_since += 1
            url = answer.next_url
            if url and self._enough(successes, past_since):
                url = None
            cursor = {
                "stage": "deployments",
                "url": url,
                "successes": successes,
                "past_since": past_since,
            }
            total = answer.last_page or total
            yield Page(items, cursor, "deployments", total)

    def _deployment(self, deployed: dict[str, Any], successes: list[dict[str, Any]]) -> list[Item]:
        at = shape.finished(deployed)
        if at is None:
            return []
        items = []
        if at >= self._since:
            built = shape.deployment(deployed, self._project)
            if built is not None:
                items.append(built)
        environment = (deployed.get("environment") or {}).get("name")
        if (
            deployed.get("status") == "success"
            and isinstance(environment, str)
            and self._production.search(environment)
            and deployed.get("sha")
        ):
            successes.append(
                {
                    "id": deployed.get("id"),
                    "sha": deployed.get("sha"),
                    "ref": deployed.get("ref"),
                    "environment": environment,
                    "at": iso(at),
                    "created_at": deployed.get("created_at"),
                    "user": shape.user_hook(deployed.get("user")),
                }
            )
        return items

    def _enough(self, successes: list[dict[str, Any]], past_since: int) -> bool:
        """Whether the pages read reach past `since` far enough: each production environment
        deployed to in the window has a successful deployment before it, or the search
        for one has gone on long enough."""
        if past_since == 0:
            return False
        if past_since > PAGES_BEFORE_SINCE:
            return True
        since = iso(self._since)
        inside = {s["environment"] for s in successes if s["at"] >= since}
        before = {s["environment"] for s in successes if s["at"] < since}
        return inside <= before

    # ---- the commits each production deployment shipped -----------------------------

    async def _changes(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        successes = sorted(state.get("successes", []), key=lambda s: (s["at"], str(s["id"])))
        since = iso(self._since)
        start = int(state.get("index", 0))
        for index in range(start, len(successes)):
            deployed = successes[index]
            items: list[Item] = []
            if deployed["at"] >= since:
                previous = next(
                    (
                        s
                        for s in reversed(successes[:index])
                        if s["environment"] == deployed["environment"]
                    ),
                    None,
                )
                built = await self._shipped(deployed, previous)
                items = [built] if built is not None else []
            cursor = {"stage": "changes", "index": index + 1, "successes": successes}
            yield Page(items, cursor, "commits shipped", len(successes))

    async def _shipped(
        self, deployed: dict[str, Any], previous: dict[str, Any] | None
    ) -> Item | None:
        head = str(deployed["sha"])
        at = shape.when(deployed["at"])
        assert at is not None
        commits: list[dict[str, Any]] = []
        if previous is not None:
            if previous.get("sha") == head:
                return None  # the same commit deployed again: nothing new shipped
            params = {"from": str(previous["sha"]), "to": head, "straight": "false"}
            answer = await self._client.get(f"{self._base}/repository/compare", params)
            listed = answer.document.get("commits") if isinstance(answer.document, dict) else None
            commits = [c for c in listed or [] if isinstance(c, dict)]
        else:
            params = {
                "ref_name": head,
                "since": iso(at - FIRST_DEPLOY_LOOKBACK),
                "until": iso(at),
                "per_page": PER_PAGE,
            }
            async for _url, page in self._client.pages(f"{self._base}/repository/commits", params):
                commits += page.items()
            commits.reverse()  # newest first from the API; a push lists them oldest first
        if not commits:
            return None
        # Pushed after the previous deployment and by the time of this one (the metric
        # assigns commits to deployments by when they were pushed).
        earliest = shape.when(previous["at"]) if previous is not None else None
        pushed = push_moment(shape.when(deployed.get("created_at")), at, earliest)
        return shape.push(
            self._project,
            self._branch(deployed.get("ref")),
            None if previous is None else str(previous["sha"]),
            head,
            commits,
            pushed,
            deployed.get("user"),
        )

    def _branch(self, ref: Any) -> str:
        name = str(ref or "").removeprefix("refs/heads/")
        if not name or name.startswith("refs/"):
            return str(self._project.get("default_branch") or "main")
        return name

    # ---- merge requests and issues ---------------------------------------------------

    async def _listing(
        self, state: dict[str, Any], path: str, params: dict[str, str]
    ) -> AsyncIterator[tuple[list[dict[str, Any]], dict[str, Any], int | None]]:
        """A list's pages from the cursor's URL on, with the cursor after each and the
        list's page count (when the API says)."""
        url = state.get("url") or path
        first_params: dict[str, str] | None = None if state.get("url") else params
        total: int | None = None
        while url:
            answer = await self._client.get(url, first_params)
            first_params = None
            url = answer.next_url
            total = answer.last_page or total
            yield answer.items(), {"stage": state["stage"], "url": url}, total

    async def _merge_requests(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "state": "merged",
            "target_branch": str(self._project.get("default_branch") or "main"),
            "updated_after": iso(self._since),
            "order_by": "updated_at",
            "sort": "desc",
            "per_page": PER_PAGE,
        }
        path = f"{self._base}/merge_requests"
        async for merges, cursor, total in self._listing(state, path, params):
            items = [
                built
                for merge in merges
                if (merged := shape.when(merge.get("merged_at"))) and merged >= self._since
                if (built := shape.merged_merge_request(merge, self._project)) is not None
            ]
            yield Page(items, cursor, "merge requests", total)

    async def _pipelines(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "updated_after": iso(self._since),
            "order_by": "updated_at",
            "sort": "desc",
            "per_page": PER_PAGE,
        }
        path = f"{self._base}/pipelines"
        async for pipelines, cursor, total in self._listing(state, path, params):
            items = [
                built
                for pipeline in pipelines
                if (built := shape.finished_pipeline(pipeline, self._project)) is not None
                if built.at >= self._since
            ]
            yield Page(items, cursor, "pipelines", total)

    async def _issues(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "scope": "all",
            "updated_after": iso(self._since),
            "order_by": "updated_at",
            "sort": "desc",
            "with_labels_details": "true",
            "per_page": PER_PAGE,
        }
        async for issues, cursor, total in self._listing(state, f"{self._base}/issues", params):
            items = [
                built
                for issue in issues
                for built in shape.issue_changes(issue, self._project, self._since)
            ]
            yield Page(items, cursor, "issues", total)
