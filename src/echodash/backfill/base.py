"""The interface of one provider's history: pages of webhook-shaped items, resumable."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

from echodash.events import utcnow


class Clock(Protocol):
    """Time as a backfill sees it: injected, so tests never really wait."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class BackfillError(Exception):
    """The provider cannot be read now (it keeps failing, or refuses): the run stops early
    and the next one resumes from its cursor."""


class BackfillRefused(BackfillError):
    """A request that will not work by trying again (a bad token, an unknown repository)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One thing from the provider's history, shaped as the webhook that reports it."""

    key: str  # the provider's own id of the thing: the delivery's dedup key
    headers: dict[str, str]
    body: bytes
    at: datetime  # when it happened: the delivery is kept at that moment


@dataclass(frozen=True, slots=True)
class Page:
    """Items read together, and the cursor to resume from once they are stored."""

    items: list[Item]
    cursor: dict[str, Any]
    stage: str = ""  # what is being read, for the progress line
    pages: int | None = None  # how many pages this stage has, when the API says


@dataclass(frozen=True, slots=True)
class Request:
    """What to backfill: the `params` a run keeps (never the token)."""

    since: datetime
    api_url: str
    options: dict[str, Any] = field(default_factory=dict)  # provider's own: {"repo": …}


class HistoryReader(ABC):
    """One provider's history (GitHub, Stripe…), read page by page from a cursor."""

    provider: ClassVar[str]  # the endpoint kind it fills, e.g. "github"

    @abstractmethod
    def pages(self, cursor: dict[str, Any]) -> AsyncIterator[Page]:
        """The pages after `cursor` ({} to start), oldest work first; BackfillError when
        the provider cannot be read."""


# The commits shipped by the first deployment ever read: those of this many days before it.
FIRST_DEPLOY_LOOKBACK = timedelta(days=30)


def push_moment(
    created: datetime | None, deployed: datetime, previous: datetime | None
) -> datetime:
    """When a deployment's commits count as pushed (the metric assigns commits to deployments
    by that moment): when the deployment was created, after the previous deployment and by
    the time of this one."""
    pushed = created or deployed
    if previous is not None and pushed <= previous:
        pushed = previous + timedelta(seconds=1)
    return min(pushed, deployed)


_RELATIVE = re.compile(r"(\d{1,5})d")


def parse_since(text: str | None, default_days: int, now: datetime) -> datetime:
    """`--since`: `90d` (days back from now) or an ISO-8601 date or time (UTC if no zone)."""
    if text is None or not text.strip():
        return now - timedelta(days=default_days)
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return now - timedelta(days=int(relative.group(1)))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"since must be like 90d or an ISO-8601 date, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
