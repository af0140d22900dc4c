"""Stripe backfill throughput: items a second a Stripe backfill stores (customers and
subscriptions with their invoices, read from a local server that answers like Stripe's API,
rebuilt into subscription events, parsed by the Stripe source, kept with their metric facts)
into a fresh store.

    .venv/bin/python bench/backfill_stripe.py [--subscriptions 300] [--runs 3] [--database URL]

Each subscription is bought, upgraded mid-period with prorations, and renewed monthly for
about seven months (the tests' scripted account and local API, repeated). Prints items, API
requests, seconds and items per second (median of --runs).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from echodash.backfill.base import RealClock
from echodash.backfill.providers import stripe_params, stripe_reader
from echodash.backfill.runner import LEASE, run_backfill
from echodash.store import open_store
from tests.backfill.stripe_account import Account, price
from tests.backfill.stripe_server import FakeStripe, StripeApiServer

KEY = "rk_test_bench"
DAY = timedelta(days=1)


def account(subscriptions: int, now: datetime) -> Account:
    found = Account(prices={"basic": price("basic", 4900), "pro": price("pro", 9900)})
    start = now - 210 * DAY
    for n in range(subscriptions):
        at = start + n * (30 * DAY / subscriptions)
        found.advance(at)
        found.subscribe(f"sub_{n}", f"cus_{n}", at, [("basic", 1)])
    for n in range(subscriptions):
        at = start + 45 * DAY + n * (30 * DAY / subscriptions)
        found.advance(at)
        found.change(f"sub_{n}", at, [("pro", 2)])
    found.advance(now)
    return found


async def one_run(url: str, database: str) -> tuple[int, float]:
    store = open_store(database)
    await store.open()
    try:
        workspace = await store.ensure_default_workspace()
        endpoint = await store.create_endpoint(workspace, "stripe", "billing", "bench-s", {}, "x")
        params = stripe_params("365d", url)
        run = await store.create_backfill(workspace, endpoint.id, "stripe", params, None, False)
        claimed = await store.claim_backfill("bench", LEASE, run.id)
        assert claimed is not None
        settings = await store.get_metric_settings(workspace)
        reading = stripe_reader(claimed, KEY, RealClock(), settings)
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
    parser.add_argument("--subscriptions", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    now = datetime.now(UTC)
    fake = FakeStripe(account(args.subscriptions, now), now=int(now.timestamp()))
    rates = []
    with StripeApiServer(fake, KEY) as api:
        for n in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                database = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
                asked = len(fake.requests)
                items, took = asyncio.run(one_run(api.url, database))
                rates.append(items / took)
                print(f"run {n + 1}: {items:,} items, {len(fake.requests) - asked:,} requests, "
                      f"{took:.2f} s, {items / took:,.0f} items/s")  # fmt: skip
    print(f"median: {statistics.median(rates):,.0f} items/s")


if __name__ == "__main__":
    main()
