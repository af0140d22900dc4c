"""The demo part of the Store contract: marks, and a removal that takes exactly the demo's
events, deliveries, endpoints, rules, alerts' feed items, tokens and metric facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from echodash.store.base import EventFilter, Store
from echodash.store.demo_sql import DEMO_WORKSPACE_NAME
from tests.store.contract.test_metrics import T0, custom, deployment, issue, push, store_all

pytestmark = pytest.mark.own_stores

RULE = {"name": "r", "match": {}, "condition": {"kind": "every"}, "actions": []}


def test_marks_are_kept_per_workspace(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        assert await store.demo_marks(ws) == {}
        await store.mark_demo(ws, "endpoint", "3")
        await store.mark_demo(ws, "endpoint", "3")  # once
        await store.mark_demo(ws, "endpoint", "12")
        await store.mark_demo(ws, "custom", "id:demo-ab-")
        assert await store.demo_marks(ws) == {"custom": ["id:demo-ab-"], "endpoint": ["12", "3"]}
        assert await store.demo_marks(other) == {}

    run(check)


def test_removal_takes_the_demo_records_and_keeps_the_users(run: Callable[..., Any]) -> None:
    async def check(store: Store) -> None:
        ws = await store.ensure_default_workspace()
        other = await store.create_workspace("Other")
        await store.rename_workspace(ws, DEMO_WORKSPACE_NAME)
        await store.mark_demo(ws, "name", "Platform team")
        mine = await store.create_endpoint(ws, "github", "mine", "slug-mine", {}, "s1")
        demo = await store.create_endpoint(ws, "github", "demo", "slug-demo", {}, "s2")
        shared = await store.create_endpoint(ws, "custom", "Custom events", "slug-c", {}, None)
        elsewhere = await store.create_endpoint(other, "github", "x", "slug-x", {}, "s3")
        await store.mark_demo(ws, "endpoint", str(demo.id))
        # A mark naming another workspace's endpoint takes nothing from it.
        await store.mark_demo(ws, "endpoint", str(elsewhere.id))
        await store.mark_demo(ws, "custom", "id:demo-ab-")
        await store_all(store, mine, [
            ("u-push", "push", push("b2", 30, [("a1", 0), ("b2", 10)]), 30),
            ("u-deploy", "deployment_status.created", deployment(1, 60, "b2"), 60),
        ])  # fmt: skip
        await store_all(store, demo, [
            ("d-push", "push", push("d2", 130, [("c1", 100), ("d2", 110)]), 130),
            ("d-deploy", "deployment_status.created", deployment(2, 160, "d2"), 160),
            ("d-issue", "issues.opened", issue("opened", 170), 170),
        ])  # fmt: skip
        await store_all(store, shared, [
            ("id:u1", "signup", custom("u1", "signup", "alice", 5), 5),
            ("id:demo-ab-1", "signup", custom("demo-ab-1", "signup", "bob", 6, 9), 6),
        ])  # fmt: skip
        await store_all(store, elsewhere, [("x-deploy", "deployment_status.created",
                                             deployment(3, 60, "e1"), 60)])  # fmt: skip
        demo_rule = await store.create_rule(ws, "demo rule", RULE)
        user_rule = await store.create_rule(ws, "user rule", RULE)
        await store.mark_demo(ws, "rule", str(demo_rule.id))
        demo_token = await store.create_api_token(ws, "demo", "hash-demo", "member")
        await store.create_api_token(ws, "mine", "hash-mine", "admin")
        await store.mark_demo(ws, "token", str(demo_token.id))

        removed = await store.remove_demo(ws)

        assert (removed.events, removed.deliveries) == (4, 4)
        assert (removed.endpoints, removed.rules, removed.tokens) == (1, 1, 1)
        # The deployment, 2 commits, the push head, the incident, the sign-up.
        assert removed.facts == 6
        events = await store.list_events(ws, EventFilter(), 50)
        assert sorted(e.title for e in events) == ["id:u1", "u-deploy", "u-push"]
        assert len(await store.list_events(other, EventFilter(), 50)) == 1
        end = T0 + timedelta(days=1)
        assert [d.key for d in await store.metric_deployments(ws, end)] == ["github:1"]
        assert [d.key for d in await store.metric_deployments(other, end)] == ["github:3"]
        assert await store.metric_incidents(ws, end) == []
        commits = {c.sha for p in await store.metric_pushes(ws, T0, end) for c in p.commits}
        assert commits == {"a1", "b2"}
        activity = await store.metric_activity(ws, None, end, None)
        assert [a.distinct_id for a in activity] == ["alice"]
        assert [e.name for e in await store.list_endpoints(ws)] == ["mine", "Custom events"]
        assert [e.name for e in await store.list_endpoints(other)] == ["x"]
        assert [r.name for r in await store.list_rules(ws)] == [user_rule.name]
        assert await store.find_api_token("hash-demo") is None
        assert await store.find_api_token("hash-mine") is not None
        assert (await store.get_workspace(ws)).name == "Platform team"  # type: ignore[union-attr]
        assert await store.demo_marks(ws) == {}
        # Nothing is left to remove.
        again = await store.remove_demo(ws)
        assert (again.events, again.endpoints, again.rules) == (0, 0, 0)

    run(check)
