"""The lifecycle part of the Store contract: opening, reopening, health, instance facts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from echodash.store.base import Store
from tests.store.contract import STORES, delivery_of, endpoint_in

pytestmark = pytest.mark.own_stores


def test_tokens_by_hash_and_reopening_keeps_everything(backend: str, tmp_path: Path) -> None:
    async def first() -> int:
        store = STORES[backend](tmp_path)
        await store.open()
        ws = await store.ensure_default_workspace()
        await store.create_api_token(ws, "ci", "hash-1", "member")
        endpoint = await endpoint_in(store)
        await store.append_delivery(delivery_of(endpoint, "kept"))
        await store.close()
        return int(endpoint.id)

    async def second(endpoint_id: int) -> None:
        store = STORES[backend](tmp_path)
        await store.open()  # migrations are not applied twice
        token = await store.find_api_token("hash-1")
        assert token is not None and token.role == "member"
        assert await store.find_api_token("hash-2") is None
        assert [d.key for d in await store.pending_deliveries(10)] == ["kept"]
        assert (await store.get_endpoint_by_slug("slug-github-1")).id == endpoint_id  # type: ignore[union-attr]
        await store.close()

    endpoint_id = asyncio.run(first())
    asyncio.run(second(endpoint_id))


def test_instance_facts_are_kept_and_replaced(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        assert await store.ping()
        assert await store.get_meta("base_url") is None
        await store.set_meta("base_url", "https://a.example")
        await store.set_meta("base_url", "https://b.example")
        assert await store.get_meta("base_url") == "https://b.example"

    run(check)


def test_each_commit_of_a_delivery_reports_its_duration(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        durations: list[float] = []
        store.observe_commits(durations.append)
        endpoint = await endpoint_in(store)
        await store.append_delivery(delivery_of(endpoint, "timed"))
        assert durations and all(0 <= d < 60 for d in durations)

    run(check)
