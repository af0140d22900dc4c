"""The endpoints part of the Store contract: endpoints, secrets, counts, workspaces apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from echodash.events import EventDraft, utcnow
from echodash.store.base import EndpointChanges, EventFilter, Store
from tests.store.contract import delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores


def test_workspaces_never_see_each_other(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        mine = await endpoint_in(store)
        other_ws = await store.create_workspace("Other")
        theirs = await endpoint_in(store, other_ws)
        await store.append_delivery(delivery_of(theirs, "secret-stuff"))
        (pending,) = await store.pending_deliveries(10)
        (event,) = await store.save_events([(pending, [EventDraft(type="x", title="theirs")])])
        ws = mine.workspace_id
        assert await store.list_events(ws, EventFilter(), 10) == []
        assert await store.get_event(ws, event.id) is None
        assert await store.get_delivery(ws, pending.id) is None
        assert await store.get_endpoint(ws, theirs.id) is None
        assert [e.id for e in await store.list_endpoints(ws)] == [mine.id]
        assert await store.update_endpoint(ws, theirs.id, EndpointChanges(name="mine")) is None
        assert not await store.delete_endpoint(ws, theirs.id)
        assert await store.add_secret(ws, theirs.id, "sealed", None) is None
        assert (await store.get_endpoint(other_ws, theirs.id)).name == "acme/web"  # type: ignore[union-attr]

    run(check)


def test_secret_rotation_and_rejection_counts(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        ws = endpoint.workspace_id
        cutoff = utcnow() + timedelta(minutes=5)
        rotated = await store.add_secret(ws, endpoint.id, "sealed-2", cutoff)
        assert rotated is not None
        old, new = rotated.secrets
        assert old.expires_at is not None and abs((old.expires_at - cutoff).total_seconds()) < 0.01
        assert new.expires_at is None and new.sealed == "sealed-2"
        at = utcnow()
        await store.record_rejections({(endpoint.id, "bad_signature"): (3, at)})
        await store.record_rejections(
            {(endpoint.id, "bad_signature"): (2, at), (endpoint.id, "missing_signature"): (1, at)}
        )
        stats = await store.endpoint_stats(ws, endpoint.id)
        assert stats.rejections == {"bad_signature": 5, "missing_signature": 1}

    run(check)


def test_refused_deliveries_are_listed_and_charted_within_their_workspace(
    run: Callable[..., Any],
) -> None:
    async def fn(store: Store) -> None:
        endpoint = await endpoint_in(store)
        other = await endpoint_in(store, await store.create_workspace("Other"))
        now = utcnow()
        start = now - timedelta(hours=3)
        await store.record_rejections(
            {
                (endpoint.id, "bad_signature"): (3, now - timedelta(minutes=150)),
                (endpoint.id, "too_old"): (1, now - timedelta(minutes=10)),
                (other.id, "bad_signature"): (9, now - timedelta(minutes=10)),
            }
        )
        await store.record_rejections({(endpoint.id, "bad_signature"): (2, now)})
        listed = await store.refusals(endpoint.workspace_id, endpoint.id, 10)
        assert [(r.reason, r.count) for r in listed] == [
            ("bad_signature", 2),
            ("too_old", 1),
            ("bad_signature", 3),
        ]
        assert listed[0].at > listed[1].at > listed[2].at
        assert [r.reason for r in await store.refusals(endpoint.workspace_id, endpoint.id, 1)] == [
            "bad_signature"
        ]
        # Another workspace's endpoint id shows nothing here.
        assert await store.refusals(endpoint.workspace_id, other.id, 10) == []
        volume = await store.refusal_volume(endpoint.workspace_id, start, timedelta(hours=1), 4)
        assert volume == {endpoint.id: [3, 0, 1, 2]}  # 150 and 10 min ago, and now
        # The totals per reason still add up.
        stats = await store.endpoint_stats(endpoint.workspace_id, endpoint.id)
        assert stats.rejections == {"bad_signature": 5, "too_old": 1}

    run(fn)
