"""The providers a backfill can read, and how a run's reader is built from what it keeps.

A provider is a function from (run, token, clock) to its HistoryReader and the client to close
afterwards: the runner, the command line and the server's job know nothing more of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from echodash import __version__
from echodash.backfill.base import Clock, HistoryReader, parse_since
from echodash.backfill.github import GitHubHistory
from echodash.backfill.gitlab import GitLabHistory
from echodash.backfill.http import ApiClient
from echodash.backfill.stripe import StripeHistory
from echodash.backfill.stripe_api import STRIPE_API, StripeApi
from echodash.metrics.settings import MetricSettings
from echodash.store.base import BackfillRun

GITHUB_API = "https://api.github.com"
GITLAB_API = "https://gitlab.com/api/v4"
_REPO = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
# GROUP/NAME, or GROUP/SUBGROUP/…/NAME, or the project's number.
_PROJECT = re.compile(r"[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){1,20}|[0-9]{1,12}")


class Closing(Protocol):
    async def close(self) -> None: ...


@dataclass
class Reading:
    reader: HistoryReader
    client: Closing


Build = Callable[..., Reading]


# How far back a run reads when no `since` is given, per endpoint kind.
DEFAULT_DAYS = {"github": 90, "gitlab": 90, "stripe": 365}


def _api_root(api_url: str | None, default: str) -> str:
    url = (api_url or default).rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ValueError("api_url must be an http(s) URL")
    return url


def _since(kind: str, since: str | None) -> str:
    return (since or f"{DEFAULT_DAYS[kind]}d").strip()


def github_params(repo: str | None, since: str | None, api_url: str | None) -> dict[str, Any]:
    """A GitHub run's parameters as kept (and matched, to resume); ValueError if unusable."""
    if not repo or not _REPO.fullmatch(repo):
        raise ValueError("repo must be OWNER/NAME")
    url = _api_root(api_url, GITHUB_API)
    return {"repo": repo, "since": _since("github", since), "api_url": url}


def github_reader(
    run: BackfillRun,
    token: str | None,
    clock: Clock,
    settings: MetricSettings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Reading:
    assert run.created_at is not None
    since = parse_since(run.params.get("since"), DEFAULT_DAYS["github"], run.created_at)
    headers = {
        "accept": "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": f"EchoDash/{__version__} (backfill)",
    }
    if token:
        headers["authorization"] = f"Bearer {token}"
    client = ApiClient(run.params["api_url"], headers, clock, transport=transport)
    production = re.compile(settings.production)
    return Reading(GitHubHistory(client, run.params["repo"], since, production), client)


def stripe_params(since: str | None, api_url: str | None) -> dict[str, Any]:
    """A Stripe run's parameters as kept (and matched, to resume); ValueError if unusable."""
    url = _api_root(api_url, STRIPE_API)
    return {"since": _since("stripe", since), "api_url": url}


def stripe_reader(
    run: BackfillRun,
    token: str | None,
    clock: Clock,
    settings: MetricSettings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Reading:
    assert run.created_at is not None
    since = parse_since(run.params.get("since"), DEFAULT_DAYS["stripe"], run.created_at)
    # Without a key (a run resumed after its key was forgotten), Stripe's refusal stops it.
    api = StripeApi(run.params["api_url"], token or "", clock, transport)
    return Reading(StripeHistory(api, since, run.created_at), api)


def gitlab_params(project: str | None, since: str | None, api_url: str | None) -> dict[str, Any]:
    """A GitLab run's parameters as kept (and matched, to resume); ValueError if unusable."""
    if not project or not _PROJECT.fullmatch(project) or len(project) > 255:
        raise ValueError("project must be GROUP/NAME (or the project's number)")
    url = _api_root(api_url, GITLAB_API)
    return {"project": project, "since": _since("gitlab", since), "api_url": url}


def gitlab_reader(
    run: BackfillRun,
    token: str | None,
    clock: Clock,
    settings: MetricSettings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Reading:
    assert run.created_at is not None
    since = parse_since(run.params.get("since"), DEFAULT_DAYS["gitlab"], run.created_at)
    headers = {"accept": "application/json", "user-agent": f"EchoDash/{__version__} (backfill)"}
    if token:
        headers["private-token"] = token
    client = ApiClient(run.params["api_url"], headers, clock, transport=transport)
    production = re.compile(settings.production)
    return Reading(GitLabHistory(client, run.params["project"], since, production), client)


def params_for(
    kind: str, repo: str | None, since: str | None, api_url: str | None
) -> dict[str, Any]:
    """A run's parameters for an endpoint of `kind`; ValueError if unusable."""
    if kind == "stripe":
        return stripe_params(since, api_url)
    if kind == "gitlab":  # `repo` carries the project's GROUP/NAME
        return gitlab_params(repo, since, api_url)
    return github_params(repo, since, api_url)


PROVIDERS: dict[str, Build] = {
    "github": github_reader,
    "gitlab": gitlab_reader,
    "stripe": stripe_reader,
}
