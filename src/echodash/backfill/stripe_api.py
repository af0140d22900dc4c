"""The Stripe API through the official `stripe` package: its auto-pagination
(`has_more`/`starting_after`) over plain JSON objects, and an HTTP client of EchoDash's own
under it — Stripe's `429`s waited out, `5xx` answers and dropped connections retried with
growing waits on the injected clock; what keeps failing stops the run (resumable)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import httpx
import stripe

from echodash.backfill.base import BackfillError, BackfillRefused, Clock
from echodash.backfill.http import ATTEMPTS, FIRST_WAIT, LIMIT_WAITS, LONGEST_WAIT

log = logging.getLogger("echodash.backfill")

STRIPE_API = "https://api.stripe.com"
PAGE = 100  # Stripe's largest page
# Subscriptions handed on together: each needs a few more requests (its invoices), so a run
# stopped half-way reads at most this many again.
SUBSCRIPTIONS_TOGETHER = 25
LIMITED_WAIT = 2.0  # seconds before asking again after a 429, doubled each time


class _PatientClient(stripe.HTTPClient):
    """The stripe package's HTTP client: httpx with EchoDash's patience."""

    name = "echodash"

    def __init__(self, clock: Clock, transport: httpx.AsyncBaseTransport | None) -> None:
        super().__init__()
        self._clock = clock
        self._http = httpx.AsyncClient(timeout=30.0, transport=transport)
        self.requests = 0

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        failures = limited = 0
        while True:
            self.requests += 1
            try:
                response = await self._http.request(
                    method, url, headers=dict(headers), content=post_data or None
                )
            except httpx.TransportError as exc:
                failures += 1
                await self._back_off(failures, f"connection failed ({type(exc).__name__})")
                continue
            status = response.status_code
            if status == 429:
                limited += 1
                if limited > LIMIT_WAITS:
                    raise BackfillError("rate limited by Stripe; resume later")
                wait = min(LIMITED_WAIT * 2 ** (limited - 1), LONGEST_WAIT)
                log.info("rate limited by Stripe; waiting %.0f s", wait)
                await self._clock.sleep(wait)
                continue
            if status >= 500:
                failures += 1
                await self._back_off(failures, f"Stripe answered {status}")
                continue
            return response.content, status, response.headers

    async def _back_off(self, failures: int, why: str) -> None:
        if failures >= ATTEMPTS:
            raise BackfillError(f"{why}, {failures} times in a row; resume later")
        wait = min(FIRST_WAIT * 2 ** (failures - 1), LONGEST_WAIT)
        log.info("%s; trying again in %.0f s", why, wait)
        await self._clock.sleep(wait)

    async def close_async(self) -> None:
        await self._http.aclose()

    def sleep_async(self, secs: float) -> Awaitable[None]:
        return self._clock.sleep(secs)


def _dig(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document.get(part) if isinstance(document, dict) else None
    return document


def _plain(obj: Any) -> dict[str, Any]:
    found: dict[str, Any] = obj.to_dict(for_json=True)
    return found


class StripeApi:
    """What a Stripe backfill reads, as plain JSON objects (never the key in a message)."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = _PatientClient(clock, transport)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_url.rstrip("/")},
            http_client=self._http,
            max_network_retries=0,
        )

    @property
    def requests(self) -> int:
        return self._http.requests

    async def close(self) -> None:
        await self._http.close_async()

    async def _paged(
        self,
        first: Callable[[], Awaitable[Any]],
        together: int = PAGE,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of a list, followed by the package's auto-pagination."""
        batch: list[dict[str, Any]] = []
        listed = await _call(first)
        iterator = listed.auto_paging_iter().__aiter__()
        while True:
            try:
                obj = await _call(iterator.__anext__)
            except StopAsyncIteration:
                break
            batch.append(_plain(obj))
            if len(batch) == together:
                yield batch
                batch = []
        if batch:
            yield batch

    def customers(self, after: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        params: stripe.params.CustomerListParams = {"limit": PAGE}
        if after:
            params["starting_after"] = after
        return self._paged(lambda: self._client.v1.customers.list_async(params))

    def subscriptions(self, after: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        params: stripe.params.SubscriptionListParams = {
            "limit": PAGE,
            "status": "all",
            "expand": ["data.discounts"],
        }
        if after:
            params["starting_after"] = after
        return self._paged(
            lambda: self._client.v1.subscriptions.list_async(params), SUBSCRIPTIONS_TOGETHER
        )

    async def invoices(self, subscription: str) -> list[dict[str, Any]]:
        """A subscription's invoices, each with all its lines."""
        params: stripe.params.InvoiceListParams = {"limit": PAGE, "subscription": subscription}
        found: list[dict[str, Any]] = []
        async for page in self._paged(lambda: self._client.v1.invoices.list_async(params)):
            for invoice in page:
                lines = invoice.get("lines") or {}
                if lines.get("has_more") or not isinstance(lines.get("data"), list):
                    invoice["lines"] = {**lines, "data": await self._lines(invoice["id"])}
                found.append(invoice)
        return found

    async def pending_items(self, customer: str, subscription: str) -> list[dict[str, Any]]:
        """The subscription's invoice items not yet invoiced: the prorations of a change
        made since its last invoice."""
        params: stripe.params.InvoiceItemListParams = {
            "limit": PAGE,
            "customer": customer,
            "pending": True,
        }
        service = self._client.v1.invoice_items
        return [
            item
            async for page in self._paged(lambda: service.list_async(params))
            for item in page
            if (item.get("subscription") or _dig(item, "parent.subscription_details.subscription"))
            == subscription
        ]

    async def _lines(self, invoice: str) -> list[dict[str, Any]]:
        params: stripe.params.InvoiceLineItemListParams = {"limit": PAGE}
        service = self._client.v1.invoices.line_items
        return [
            line
            for page in [p async for p in self._paged(lambda: service.list_async(invoice, params))]
            for line in page
        ]

    async def price(self, price: str) -> dict[str, Any]:
        return _plain(await _call(lambda: self._client.v1.prices.retrieve_async(price)))

    async def coupon(self, coupon: str) -> dict[str, Any]:
        return _plain(await _call(lambda: self._client.v1.coupons.retrieve_async(coupon)))

    async def events_readable(self) -> bool:
        """Whether the key may read events (a restricted key may not): without them, the
        history is rebuilt from the objects up to now."""
        try:
            await self._client.v1.events.list_async({"limit": 1})
        except stripe.PermissionError:
            return False
        except stripe.StripeError:
            await _call(lambda: self._client.v1.events.list_async({"limit": 1}))
        return True

    def events(self, since: int, after: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        params: stripe.params.EventListParams = {"limit": PAGE, "created": {"gte": since}}
        if after:
            params["starting_after"] = after
        return self._paged(lambda: self._client.v1.events.list_async(params))


async def _call(request: Callable[[], Awaitable[Any]]) -> Any:
    """One call through the package, its refusals as BackfillRefused (the key never named)."""
    try:
        return await request()
    except stripe.AuthenticationError:
        raise BackfillRefused("the Stripe API key was refused (401)") from None
    except stripe.PermissionError:
        raise BackfillRefused("the Stripe API key may not read this (403)") from None
    except stripe.StripeError as exc:
        raise BackfillRefused(f"Stripe answered {exc.http_status}: {exc.user_message}") from None
