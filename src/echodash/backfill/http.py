"""The one client a backfill reads an API with: `Link` pagination for every list, ETags,
and patience — the primary rate limit (`X-RateLimit-Remaining: 0` → wait for
`X-RateLimit-Reset`), secondary limits (`403`/`429` with `Retry-After`), and `5xx` answers and
dropped connections retried with growing waits. What keeps failing stops the run
(BackfillError): its cursor is kept, and the next run resumes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from echodash.backfill.base import BackfillError, BackfillRefused, Clock

log = logging.getLogger("echodash.backfill")

ATTEMPTS = 6  # tries of one request through 5xx answers and dropped connections
FIRST_WAIT = 1.0  # seconds before the first retry; doubled each time
LONGEST_WAIT = 60.0
# The longest a rate limit is waited out; a reset further away stops the run (resumable).
LONGEST_LIMIT_WAIT = 3600.0
SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" when it names no time
LIMIT_WAITS = 20  # rate-limit waits in a row before the run stops
# Answers kept for `If-None-Match` (a 304 costs no rate limit): the last few, not a whole
# run's pages in memory.
ETAGS_KEPT = 32


@dataclass(frozen=True, slots=True)
class Answer:
    """One page of an API's answer: its JSON and the next page's URL (from `Link`)."""

    document: Any
    next_url: str | None
    last_page: int | None = None  # the list's page count, from `Link: …; rel="last"`

    def items(self, key: str | None = None) -> list[dict[str, Any]]:
        """The objects the page lists (under `key` when the list is wrapped in an object);
        anything else the page holds is left out."""
        document = self.document
        listed = document.get(key) if key and isinstance(document, dict) else document
        return [x for x in listed if isinstance(x, dict)] if isinstance(listed, list) else []


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class ApiClient:
    """GET with pagination, ETags, rate limits and retries; `sleep` and `now` come from the
    injected clock."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._clock = clock
        self._client = httpx.AsyncClient(
            headers=dict(headers), timeout=timeout, transport=transport, follow_redirects=True
        )
        self._etags: dict[str, tuple[str, Any]] = {}
        self._exhausted_until: float | None = None  # epoch seconds of the primary reset
        self.requests = 0

    async def close(self) -> None:
        await self._client.aclose()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self._base + path

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        """One page; the next one's URL when the answer is paginated."""
        request = self._client.build_request("GET", self.url(path), params=params)
        key = str(request.url)
        limit_waits = 0
        failures = 0
        while True:
            await self._respect_primary_limit()
            cached = self._etags.get(key)
            if cached is not None:
                request.headers["if-none-match"] = cached[0]
            try:
                self.requests += 1
                response = await self._client.send(request)
            except httpx.TransportError as exc:
                failures += 1
                await self._back_off(failures, f"connection failed ({type(exc).__name__})")
                continue
            self._note_primary_limit(response)
            status = response.status_code
            if status == 304 and cached is not None:
                return Answer(cached[1], *_links(response))
            if status < 300:
                try:
                    document = orjson.loads(response.content)
                except orjson.JSONDecodeError:
                    failures += 1
                    await self._back_off(failures, "the answer was not JSON")
                    continue
                etag = response.headers.get("etag")
                if etag:
                    self._etags.pop(key, None)
                    self._etags[key] = (etag, document)
                    while len(self._etags) > ETAGS_KEPT:
                        del self._etags[next(iter(self._etags))]
                return Answer(document, *_links(response))
            wait = self._limit_wait(response)
            if wait is not None:
                limit_waits += 1
                if limit_waits > LIMIT_WAITS or wait > LONGEST_LIMIT_WAIT:
                    raise BackfillError(f"rate limited by {request.url.host}; resume later")
                log.info("rate limited; waiting %.0f s", wait)
                await self._clock.sleep(wait)
                continue
            if status >= 500:
                failures += 1
                await self._back_off(failures, f"the API answered {status}")
                continue
            raise BackfillRefused(_refusal(status, response))

    async def pages(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[tuple[str, Answer]]:
        """Every page of a list, in the API's order: (the page's URL, its answer)."""
        url: str | None = self.url(path)
        first = True
        while url is not None:
            answer = await self.get(url, params if first else None)
            yield url, answer
            first = False
            url = answer.next_url

    async def _back_off(self, failures: int, why: str) -> None:
        if failures >= ATTEMPTS:
            raise BackfillError(f"{why}, {failures} times in a row; resume later")
        wait = min(FIRST_WAIT * 2 ** (failures - 1), LONGEST_WAIT)
        log.info("%s; trying again in %.0f s", why, wait)
        await self._clock.sleep(wait)

    def _note_primary_limit(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = _seconds(response.headers.get("x-ratelimit-reset"))
        self._exhausted_until = reset if remaining == "0" and reset is not None else None

    async def _respect_primary_limit(self) -> None:
        if self._exhausted_until is None:
            return
        wait = self._exhausted_until - self._clock.now().timestamp() + 1
        self._exhausted_until = None
        if wait > LONGEST_LIMIT_WAIT:
            raise BackfillError("the API's rate limit resets too far ahead; resume later")
        if wait > 0:
            log.info("rate limit reached; waiting %.0f s for its reset", wait)
            await self._clock.sleep(wait)

    def _limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait before asking again, when the answer is a rate limit."""
        if response.status_code not in (403, 429):
            return None
        retry_after = _seconds(response.headers.get("retry-after"))
        if retry_after is not None:
            return max(retry_after, 0.0)
        # GitHub names its limit `X-RateLimit-…`; GitLab (and the IETF draft) `RateLimit-…`.
        for prefix in ("x-ratelimit-", "ratelimit-"):
            if response.headers.get(prefix + "remaining") != "0":
                continue
            reset = _seconds(response.headers.get(prefix + "reset"))
            if reset is not None:
                self._exhausted_until = None
                return max(reset - self._clock.now().timestamp() + 1, 0.0)
        if response.status_code == 429 or b"rate limit" in response.content[:2000].lower():
            return SECONDARY_DEFAULT_WAIT
        return None


def _links(response: httpx.Response) -> tuple[str | None, int | None]:
    """The next page's URL, and the number of the last page: from `Link`, else from GitLab's
    `X-Next-Page` and `X-Total-Pages` (which it sends on every paginated list)."""
    links = response.links
    found = links.get("next", {}).get("url")
    last = links.get("last", {}).get("url")
    page = httpx.URL(last).params.get("page") if last else None
    page = page or response.headers.get("x-total-pages")
    following = (response.headers.get("x-next-page") or "").strip()
    if not found and following.isdigit():
        found = str(response.request.url.copy_set_param("page", following))
    return (str(found) if found else None), (int(page) if page and page.isdigit() else None)


def _refusal(status: int, response: httpx.Response) -> str:
    try:
        document = orjson.loads(response.content)
        # GitHub and GitLab say it in `message`; GitLab's token checks in `error_description`.
        message = document.get("message") or document.get("error_description")
    except (orjson.JSONDecodeError, AttributeError):
        message = None
    said = f": {str(message)[:200]}" if message else ""
    if status == 401:
        return f"the token was refused (401){said}"
    if status == 404:
        return f"not found, or not visible to this token (404 for {response.url.path}){said}"
    return f"the API answered {status}{said}"


def epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())
