"""The backfill part of the Store contract: runs, cursors, leases; and one event per thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from echodash.events import EventDraft, Origin
from echodash.store.base import BackfillProgress, Store
from tests.store.contract import delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores

PARAMS = {"repo": "acme/web", "since": "2026-09-01T00:00:00Z", "api_url": "http://x"}
LEASE = timedelta(minutes=5)


def test_a_run_resumes_from_its_cursor_and_forgets_its_token(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        created = await store.create_backfill(ws, endpoint.id, "github", PARAMS, "sealed", False)
        assert (created.status, created.items, created.cursor) == ("running", 0, {})
        mine = await store.claim_backfill("cli-1", LEASE, created.id)
        assert mine is not None and mine.node == "cli-1"
        # Held: neither another process nor the server's job takes it.
        assert await store.claim_backfill("cli-2", LEASE, created.id) is None
        assert await store.claim_backfill("node-a", LEASE) is None  # not a background run
        progress = BackfillProgress({"stage": "deployments", "page": 3}, 250, 240, 10)
        assert await store.save_backfill_progress(created.id, "cli-1", progress, LEASE)
        assert not await store.save_backfill_progress(created.id, "cli-2", progress, LEASE)
        await store.finish_backfill(created.id, "cli-1", "failed", "GitHub answered 502")
        stopped = await store.get_backfill(ws, created.id)
        assert stopped is not None
        assert stopped.to_json() == {
            "id": created.id,
            "endpoint_id": endpoint.id,
            "status": "failed",
            "items": 250,
            "events_added": 240,
            "duplicates": 10,
            "error": "GitHub answered 502",
        }
        # The same request finds the stopped run, and takes it up where it stopped.
        again = await store.resumable_backfill(ws, endpoint.id, "github", dict(PARAMS))
        assert again is not None and again.id == created.id
        assert again.cursor == {"stage": "deployments", "page": 3}
        assert again.token_sealed == "sealed"
        other = {**PARAMS, "repo": "acme/api"}
        assert await store.resumable_backfill(ws, endpoint.id, "github", other) is None
        resumed = await store.claim_backfill("cli-2", LEASE, created.id)
        assert resumed is not None and (resumed.status, resumed.error) == ("running", None)
        await store.finish_backfill(created.id, "cli-2", "done")
        done = await store.get_backfill(ws, created.id)
        assert done is not None and (done.status, done.token_sealed) == ("done", None)
        assert await store.resumable_backfill(ws, endpoint.id, "github", PARAMS) is None
        # Other workspaces do not see it.
        elsewhere = await store.create_workspace("other")
        assert await store.get_backfill(elsewhere, created.id) is None

    run(check)


def test_one_node_takes_a_background_run_and_another_takes_it_over(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        first = await store.create_backfill(ws, endpoint.id, "github", PARAMS, None, True)
        second = await store.create_backfill(ws, endpoint.id, "github", PARAMS, None, True)
        a = await store.claim_backfill("node-a", LEASE)
        b = await store.claim_backfill("node-b", LEASE)
        assert (a and a.id, b and b.id) == (first.id, second.id)
        assert await store.claim_backfill("node-c", LEASE) is None
        # node-a dies: once its lease has run out, node-c takes the run over.
        expired = BackfillProgress({"page": 2}, 5, 5, 0)
        assert await store.save_backfill_progress(first.id, "node-a", expired, -LEASE)
        taken = await store.claim_backfill("node-c", LEASE)
        assert taken is not None and (taken.id, taken.cursor) == (first.id, {"page": 2})
        assert not await store.save_backfill_progress(first.id, "node-a", expired, LEASE)

    run(check)


def test_a_thing_has_one_event_across_webhook_and_backfill(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        other = await store.create_endpoint(
            endpoint.workspace_id, "github", "acme/api", "slug-other", {}, "sealed-1"
        )
        draft = EventDraft(type="deployment_status.success", title="deployed")
        live = (Origin.WEBHOOK, endpoint)
        sent = [
            (live, "webhook-guid", "deployment_status:77"),
            ((Origin.BACKFILL, endpoint), "deployment_status:77", "deployment_status:77"),
            # A second webhook of the same thing keeps the webhooks' own rule (its own event).
            (live, "another-guid", "deployment_status:77"),
            (live, "unrelated", None),
            ((Origin.WEBHOOK, other), "elsewhere", "deployment_status:77"),
            # The other order: a backfill first, then the webhook.
            ((Origin.BACKFILL, endpoint), "deployment_status:88", "deployment_status:88"),
            (live, "late-guid", "deployment_status:88"),
        ]
        for (origin, where), key, _ in sent:
            await store.append_delivery(replace(delivery_of(where, key), origin=origin))
        pending = await store.pending_deliveries(10)
        marked = [replace(d, thing=s[2]) for d, s in zip(pending, sent, strict=True)]
        first = await store.save_events([(marked[0], [draft])])
        rest = await store.save_events([(d, [draft]) for d in marked[1:]])
        assert [e.delivery_id for e in first] == [pending[0].id]
        assert [e.delivery_id for e in rest] == [pending[i].id for i in (2, 3, 4, 5)]
        assert await store.pending_deliveries(10) == []
        assert await store.deliveries_with_events([d.id for d in pending]) == 5

    run(check)


def test_a_backfilled_delivery_keeps_its_origin(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        await store.append_delivery(
            replace(delivery_of(endpoint, "deployment_status:5"), origin=Origin.BACKFILL)
        )
        (pending,) = await store.pending_deliveries(10)
        (event,) = await store.save_events([(pending, [EventDraft(type="x", title="x")])])
        assert event.origin is Origin.BACKFILL
        assert event.to_json()["origin"] == "backfill"

    run(check)
