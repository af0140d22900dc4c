"""`may_have_facts`, the ingest path's cheap test, never turns away an event `facts_of`
would find facts in: checked on every published GitHub example (labelled as incidents too),
and on the other sources' kinds of fact."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from echodash.metrics.facts import facts_of, may_have_facts
from tests.alerts.events import event
from tests.support import GITHUB_FIXTURES, STRIPE_RESOURCES

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _github_type(path: Path, body: Any) -> str:
    kind = path.parent.name
    action = body.get("action") if isinstance(body, dict) else None
    return f"{kind}.{action}" if isinstance(action, str) else kind


@pytest.mark.parametrize(
    "path", sorted(GITHUB_FIXTURES.glob("*/*.payload.json")), ids=lambda p: p.parent.name
)
def test_every_github_example_with_facts_passes_the_precheck(path: Path) -> None:
    body = json.loads(path.read_bytes())
    if isinstance(body.get("issue"), dict):
        body["issue"]["labels"] = [{"name": "incident"}]
    kind = _github_type(path, body)
    found = facts_of(event(kind, source="github", at=T0), body)
    if found:
        assert may_have_facts("github", kind, orjson.dumps(body)), kind


def test_the_other_sources_kinds_of_fact_pass_and_others_do_not() -> None:
    subscription = json.loads(STRIPE_RESOURCES.read_text())["resources"]["subscription"]
    stripe_body = {"id": "evt_1", "created": 1_700_000_000, "data": {"object": subscription}}
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("stripe", "customer.subscription.updated", stripe_body),
        ("cloudflare", "http_alert", {"alert_correlation_id": "c1", "alert_event": "START"}),
        ("custom", "Signed up", {"event": "Signed up", "distinct_id": "u1"}),
        ("custom", "deployment", {"event": "deployment", "source": "api",
                                  "values": {"status": "success", "environment": "prod"}}),
        ("custom", "incident", {"event": "incident", "source": "api",
                                "values": {"status": "opened", "id": "i1"}}),
        ("gitlab", "push", {"object_kind": "push", "ref": "refs/heads/main", "after": "a" * 40,
                            "project": {"path_with_namespace": "acme/web"}, "commits": []}),
    ]  # fmt: skip
    for source, kind, body in cases:
        assert facts_of(event(kind, source=source, at=T0), body), (source, kind)
        assert may_have_facts(source, kind, orjson.dumps(body)), (source, kind)
    assert not may_have_facts("stripe", "invoice.paid", b"{}")
    assert not may_have_facts("custom", "Build", b'{"event": "Build"}')
    assert not may_have_facts("sentry", "issue.created", b'{"distinct_id": "u1"}')
    assert not may_have_facts("github", "star.created", b"{}")
