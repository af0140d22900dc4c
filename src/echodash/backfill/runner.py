"""Runs a backfill: each page's items stored as deliveries (origin `backfill`) through the
path every delivery takes, parsed by the sender's own parser, then the cursor kept.

An item's delivery key is the provider's id of the thing it reports, so a second run adds
nothing; the processor's thing ids make a backfilled item and the live webhook for the same
thing one event, in either order. Events sit at the item's own time (the delivery is kept at
that moment), are not pushed to live viewers and fire no alert rule (their origin says so);
their metric facts count like any others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from echodash.backfill.base import BackfillError, HistoryReader, Item, Page
from echodash.bus.memory import MemoryBus
from echodash.events import Delivery, Origin
from echodash.pipeline.processor import Processor
from echodash.store.base import BackfillProgress, BackfillRun, Store
from echodash.store.base.backfill import DONE, FAILED, RUNNING

log = logging.getLogger("echodash.backfill")

# Items stored and parsed together. A whole page (100) at once held the writer and the event
# loop long enough to raise the receive path's 202 p99 from 3 ms to 24 ms at 200 deliveries/s;
# in slices of 10 it is 7 ms, for an import 10 % slower (bench/backfill_ingest.py).
SLICE = 10
LEASE = timedelta(minutes=2)  # renewed after every page; a dead process loses it this soon


class LeaseLost(BackfillError):
    """Another process took the run over (this one was too slow to renew its lease)."""


@dataclass
class Outcome:
    """Where a run ended: done, or stopped early with the reason (the next run resumes)."""

    run: BackfillRun
    progress: BackfillProgress
    done: bool
    error: str | None = None


Report = Callable[[BackfillProgress, Page], None]


def _delivery(run: BackfillRun, item: Item) -> Delivery:
    return Delivery(
        endpoint_id=run.endpoint_id,
        workspace_id=run.workspace_id,
        source=run.provider,
        key=item.key[:200],
        headers=item.headers,
        body=item.body,
        received_at=item.at,
        secret_id=None,
        origin=Origin.BACKFILL,
    )


async def _store_page(
    store: Store, processor: Processor, run: BackfillRun, page: Page
) -> tuple[int, int]:
    """(events added, duplicates) for the page, all of it parsed when this returns."""
    added: list[int] = []
    for start in range(0, len(page.items), SLICE):
        # A slice appended together (the store commits it in one group, not one commit each)
        # and parsed in batches of its size: the live deliveries arriving meanwhile share the
        # writer and the event loop with no more than a slice at a time.
        results = await asyncio.gather(
            *(
                store.append_delivery(_delivery(run, item))
                for item in page.items[start : start + SLICE]
            )
        )
        added += [r.delivery_id for r in results if not r.duplicate]
        while await processor.process_pending(SLICE):
            pass
    with_events = await store.deliveries_with_events(added) if added else 0
    return with_events, len(page.items) - with_events


async def run_backfill(
    store: Store,
    run: BackfillRun,
    reader: HistoryReader,
    node: str,
    report: Report | None = None,
    lease: timedelta = LEASE,
    processor: Processor | None = None,
) -> Outcome:
    """Read `reader` from the run's cursor to its end, or until it fails; the run is left
    done, or failed with the reason (and its cursor, to resume from). Inside the server,
    `processor` is the server's own (live deliveries it parses on the way reach live viewers
    as always); the command line parses with its own."""
    progress = BackfillProgress(run.cursor, run.items, run.events_added, run.duplicates)
    processor = processor or Processor(store, MemoryBus())
    held = asyncio.Event()  # set when the lease was lost (to another process)

    async def keep_lease() -> None:
        # A page can take long (a rate limit waited out): the lease is renewed meanwhile.
        while True:
            await asyncio.sleep(lease.total_seconds() / 4)
            if not await store.save_backfill_progress(run.id, node, progress, lease):
                held.set()
                return

    heartbeat = asyncio.create_task(keep_lease())
    try:
        async for page in reader.pages(dict(run.cursor)):
            if held.is_set():
                raise LeaseLost("another process took this backfill over")
            added, duplicates = await _store_page(store, processor, run, page)
            progress = BackfillProgress(
                page.cursor,
                progress.items + len(page.items),
                progress.events_added + added,
                progress.duplicates + duplicates,
            )
            if not await store.save_backfill_progress(run.id, node, progress, lease):
                raise LeaseLost("another process took this backfill over")
            if report is not None:
                report(progress, page)
    except LeaseLost as exc:
        return Outcome(run, progress, False, str(exc))
    except (BackfillError, ValueError) as exc:
        await store.finish_backfill(run.id, node, FAILED, str(exc))
        return Outcome(run, progress, False, str(exc))
    except asyncio.CancelledError:
        # The server stops: the run stays running, free for the next node (or start) to
        # take up from its cursor.
        await asyncio.shield(store.finish_backfill(run.id, node, RUNNING))
        raise
    except BaseException:
        # Interrupted (Ctrl-C) or a bug: the cursor stands, the next run resumes.
        await store.finish_backfill(run.id, node, FAILED, "interrupted; resume to continue")
        raise
    finally:
        heartbeat.cancel()
    await store.finish_backfill(run.id, node, DONE)
    return Outcome(run, progress, True)
