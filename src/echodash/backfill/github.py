"""GitHub's history through its REST API: deployments and their statuses, the commits each
production deployment shipped, pull requests merged to the default branch, workflow runs,
releases, and issues — in stages, each page resumable from the cursor.

A deployment's commits are the compare from the previous successful production deployment
of the same environment (read even when it lies before `since`) to its SHA; the first ever
brings the commits of the 30 days before it (specs/metrics.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from echodash.backfill import github_payloads as shape
from echodash.backfill.base import FIRST_DEPLOY_LOOKBACK, HistoryReader, Item, Page, push_moment
from echodash.backfill.http import ApiClient
from echodash.events import iso

PER_PAGE = "100"
STAGES = ("deployments", "changes", "pulls", "runs", "releases", "issues")
# Pages of deployments read past `since` while looking for the predecessors of the window's
# first production deployments.
PAGES_BEFORE_SINCE = 10
_SHA = re.compile(r"[0-9a-f]{7,40}")


class GitHubHistory(HistoryReader):
    provider = "github"

    def __init__(
        self, client: ApiClient, repo: str, since: datetime, production: re.Pattern[str]
    ) -> None:
        self._client = client
        self._repo_name = repo
        self._since = since
        self._production = production
        self._repo: dict[str, Any] = {}

    @property
    def _base(self) -> str:
        return f"/repos/{self._repo_name}"

    async def pages(self, cursor: dict[str, Any]) -> AsyncIterator[Page]:
        self._repo = (await self._client.get(self._base)).document
        if not isinstance(self._repo, dict) or "full_name" not in self._repo:
            raise ValueError(f"{self._repo_name} did not answer as a repository")
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
        params = None if state.get("url") else {"per_page": PER_PAGE}
        total: int | None = None
        while url:
            answer = await self._client.get(url, params)
            params = None
            items: list[Item] = []
            oldest: datetime | None = None
            for deployment in answer.items():
                created = shape.when(deployment.get("created_at"))
                if created is not None and (oldest is None or created < oldest):
                    oldest = created
                items += await self._statuses(deployment, successes)
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

    async def _statuses(
        self, deployment: dict[str, Any], successes: list[dict[str, Any]]
    ) -> list[Item]:
        items: list[Item] = []
        first_success: dict[str, Any] | None = None
        async for _url, answer in self._client.pages(
            f"{self._base}/deployments/{deployment.get('id')}/statuses", {"per_page": PER_PAGE}
        ):
            for status in answer.items():
                at = shape.when(status.get("created_at"))
                if at is None:
                    continue
                if at >= self._since:
                    built = shape.deployment_status(status, deployment, self._repo)
                    if built is not None:
                        items.append(built)
                environment = status.get("environment") or deployment.get("environment")
                if (
                    status.get("state") == "success"
                    and isinstance(environment, str)
                    and self._production.search(environment)
                    and (first_success is None or iso(at) < first_success["at"])
                ):
                    first_success = {
                        "id": deployment.get("id"),
                        "sha": deployment.get("sha"),
                        "ref": deployment.get("ref"),
                        "environment": environment,
                        "at": iso(at),
                        "created_at": deployment.get("created_at"),
                        "creator": (deployment.get("creator") or {}).get("login"),
                    }
        if first_success is not None:
            successes.append(first_success)
        return items

    # ---- the commits each production deployment shipped -----------------------------

    async def _changes(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        successes = sorted(state.get("successes", []), key=lambda s: (s["at"], str(s["id"])))
        since = iso(self._since)
        start = int(state.get("index", 0))
        for index in range(start, len(successes)):
            deployment = successes[index]
            items: list[Item] = []
            if deployment["at"] >= since and deployment.get("sha"):
                previous = next(
                    (
                        s
                        for s in reversed(successes[:index])
                        if s["environment"] == deployment["environment"]
                    ),
                    None,
                )
                built = await self._shipped(deployment, previous)
                items = [built] if built is not None else []
            cursor = {"stage": "changes", "index": index + 1, "successes": successes}
            yield Page(items, cursor, "commits shipped", len(successes))

    async def _shipped(
        self, deployment: dict[str, Any], previous: dict[str, Any] | None
    ) -> Item | None:
        head = str(deployment["sha"])
        at = shape.when(deployment["at"])
        assert at is not None
        commits: list[dict[str, Any]] = []
        if previous is not None:
            if previous.get("sha") == head:
                return None  # the same commit deployed again: nothing new shipped
            path = f"{self._base}/compare/{previous['sha']}...{head}"
            async for _url, answer in self._client.pages(path, {"per_page": PER_PAGE}):
                commits += answer.items("commits")
        else:
            params = {
                "sha": head,
                "since": iso(at - FIRST_DEPLOY_LOOKBACK),
                "until": iso(at),
                "per_page": PER_PAGE,
            }
            async for _url, answer in self._client.pages(f"{self._base}/commits", params):
                commits += answer.items()
            commits.reverse()  # newest first from the API; a push lists them oldest first
        if not commits:
            return None
        # Pushed after the previous deployment and by the time of this one (the metric
        # assigns commits to deployments by when they were pushed).
        earliest = shape.when(previous["at"]) if previous is not None else None
        pushed = push_moment(shape.when(deployment.get("created_at")), at, earliest)
        return shape.push(
            self._repo,
            self._branch(deployment.get("ref")),
            None if previous is None else str(previous["sha"]),
            head,
            commits,
            pushed,
            {"login": deployment.get("creator")} if deployment.get("creator") else None,
        )

    def _branch(self, ref: Any) -> str:
        name = str(ref or "").removeprefix("refs/heads/")
        if not name or _SHA.fullmatch(name.lower()) or name.startswith("refs/"):
            return str(self._repo.get("default_branch") or "main")
        return name

    # ---- pull requests, runs, releases, issues ----------------------------------------

    async def _listing(
        self,
        state: dict[str, Any],
        path: str,
        params: dict[str, str],
        key: str | None = None,
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
            yield answer.items(key), {"stage": state["stage"], "url": url}, total

    async def _pulls(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "state": "closed",
            "base": str(self._repo.get("default_branch") or "main"),
            "sort": "updated",
            "direction": "desc",
            "per_page": PER_PAGE,
        }
        async for pulls, cursor, total in self._listing(state, f"{self._base}/pulls", params):
            items = [
                built
                for pull in pulls
                if (merged := shape.when(pull.get("merged_at"))) and merged >= self._since
                if (built := shape.merged_pull_request(pull, self._repo)) is not None
            ]
            if pulls and self._before_since(pulls[-1].get("updated_at")):
                cursor = {**cursor, "url": None}  # sorted by update: the rest is older
            yield Page(items, cursor, "pull requests", total)
            if cursor["url"] is None:
                return

    async def _runs(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "status": "completed",
            "created": ">=" + self._since.date().isoformat(),
            "per_page": PER_PAGE,
        }
        path = f"{self._base}/actions/runs"
        async for runs, cursor, total in self._listing(state, path, params, "workflow_runs"):
            items = [
                built
                for run in runs
                if not self._before_since(run.get("created_at"))
                if (built := shape.completed_run(run, self._repo)) is not None
            ]
            yield Page(items, cursor, "workflow runs", total)

    async def _releases(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {"per_page": PER_PAGE}
        async for releases, cursor, total in self._listing(state, f"{self._base}/releases", params):
            items = [
                built
                for release in releases
                if not self._before_since(release.get("published_at"))
                if (built := shape.published_release(release, self._repo)) is not None
            ]
            if releases and all(self._before_since(r.get("created_at")) for r in releases):
                cursor = {**cursor, "url": None}  # newest first: the rest is older
            yield Page(items, cursor, "releases", total)
            if cursor["url"] is None:
                return

    async def _issues(self, state: dict[str, Any]) -> AsyncIterator[Page]:
        params = {
            "state": "all",
            "since": iso(self._since),
            "sort": "updated",
            "direction": "desc",
            "per_page": PER_PAGE,
        }
        async for issues, cursor, total in self._listing(state, f"{self._base}/issues", params):
            items = [
                built
                for issue in issues
                if "pull_request" not in issue  # the issues list also holds pull requests
                for built in shape.issue_changes(issue, self._repo, self._since)
            ]
            yield Page(items, cursor, "issues", total)

    def _before_since(self, value: Any) -> bool:
        moment = shape.when(value)
        return moment is not None and moment < self._since
