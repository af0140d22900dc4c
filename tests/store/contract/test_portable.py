"""The portable part of the Store contract: a workspace exported from a store and restored
into another workspace keeps its endpoints, deliveries and events as they were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from echodash.events import Category, EventDraft, Origin, Outcome, utcnow
from echodash.store.base import EventFilter, Store
from tests.store.contract import delivery_of, endpoint_in, saved

pytestmark = pytest.mark.own_stores


def test_deliveries_are_exported_in_pages_with_whether_they_were_parsed(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        endpoint = await endpoint_in(store)
        other = await endpoint_in(store, await store.create_workspace("Other"))
        await saved(store, endpoint, [EventDraft(type="push", title="parsed one")])
        await store.append_delivery(delivery_of(endpoint, "unparsed", b"\xff\x00raw"))
        await store.append_delivery(delivery_of(other, "theirs"))
        ws = endpoint.workspace_id
        first = await store.export_deliveries(ws, 0, 1)
        rest = await store.export_deliveries(ws, first[-1][0].id, 10)
        assert [(d.key, done) for d, done in first + rest] == [
            ("saved-0-parsed one", True),
            ("unparsed", False),
        ]
        assert rest[0][0].body == b"\xff\x00raw"
        assert await store.export_deliveries(ws, rest[-1][0].id, 10) == []

    run(check)


def test_a_restored_workspace_keeps_its_endpoints_deliveries_and_events(
    run: Callable[..., Any],
) -> None:
    async def check(store: Store) -> None:
        source = await endpoint_in(store)
        ws = source.workspace_id
        await store.add_secret(ws, source.id, "sealed-2", utcnow() + timedelta(hours=1))
        (event,) = await saved(
            store,
            source,
            [
                EventDraft(
                    type="push",
                    title="moved zebra",
                    tags=("main",),
                    fields={"n": 1},
                    category=Category.CHANGE,
                    service="github:acme/web",
                    environment="production",
                    outcome=Outcome.SUCCESS,
                    commits=("a1b2c3d",),
                )
            ],
        )
        await store.append_delivery(delivery_of(source, "unparsed"))
        exported = await store.export_deliveries(ws, 0, 10)
        original = await store.get_endpoint(ws, source.id)
        assert original is not None

        target = await store.create_workspace("Target")
        with pytest.raises(ValueError, match="already exists"):
            await store.restore_endpoint(target, original)  # receive URLs stay unique
        restored = await store.restore_endpoint(target, replace(original, slug="moved-slug"))
        assert (restored.workspace_id, restored.slug, restored.kind) == (
            target,
            "moved-slug",
            "github",
        )
        assert [(s.sealed, s.created_at, s.expires_at) for s in restored.secrets] == [
            (s.sealed, s.created_at, s.expires_at) for s in original.secrets
        ]

        # The first came through `echodash import`: restored, it still says so.
        items = [
            (
                replace(d, endpoint_id=restored.id, origin=Origin.IMPORT if i == 0 else d.origin),
                done,
            )
            for i, (d, done) in enumerate(exported)
        ]
        ids = await store.restore_deliveries(target, items)
        assert sorted(ids) == sorted(d.id for d, _ in exported)
        assert await store.restore_deliveries(target, items) == ids  # present: the same rows
        copy = await store.get_delivery(target, ids[exported[0][0].id])
        assert copy is not None
        assert (copy.key, copy.body, copy.headers, copy.received_at) == (
            exported[0][0].key,
            exported[0][0].body,
            exported[0][0].headers,
            exported[0][0].received_at,
        )
        assert copy.origin == Origin.IMPORT
        pending = await store.pending_deliveries(10)
        assert [(d.key, d.origin) for d in pending if d.workspace_id == target] == [
            ("unparsed", Origin.WEBHOOK)
        ]

        assert event.delivery_id is not None
        moved = replace(
            event, endpoint_id=restored.id, delivery_id=ids[event.delivery_id], origin=Origin.IMPORT
        )
        assert await store.restore_events(target, [moved]) == 1
        (found,) = await store.list_events(target, EventFilter(q="zebra"), 10)
        assert (found.title, found.tags, found.fields, found.severity) == (
            event.title,
            event.tags,
            event.fields,
            event.severity,
        )
        assert (found.occurred_at, found.received_at) == (event.occurred_at, event.received_at)
        assert (
            found.category,
            found.service,
            found.environment,
            found.outcome,
            found.commits,
            found.origin,
        ) == (
            Category.CHANGE,
            "github:acme/web",
            "production",
            Outcome.SUCCESS,
            ("a1b2c3d",),
            Origin.IMPORT,
        )
        assert (found.endpoint_id, found.delivery_id) == (restored.id, ids[event.delivery_id])
        assert len(await store.list_events(ws, EventFilter(), 10)) == 1  # the source stays

    run(check)
