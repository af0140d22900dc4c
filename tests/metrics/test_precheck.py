"""`may_have_facts`, the ingest path's cheap test, never turns away an event `facts_of`
would find facts in: checked on every published GitHub example (issues labelled as incidents)
and on GitLab's documented deliveries, each with the type the real parser gives it, and on the
other sources' kinds of fact."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from echodash.metrics.facts import facts_of, may_have_facts
from tests.alerts.events import event
from tests.sources.github import helpers as github
from tests.sources.gitlab import samples as gitlab
from tests.support import GITHUB_FIXTURES, STRIPE_RESOURCES

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "path", sorted(GITHUB_FIXTURES.glob("*/*.payload.json")), ids=lambda p: p.parent.name
)
def test_every_github_example_with_facts_passes_the_precheck(path: Path) -> None:
    body = json.loads(path.read_bytes())
    if isinstance(body.get("issue"), dict):
        body["issue"]["labels"] = [{"name": "incident"}]
    raw = orjson.dumps(body)
    for draft in github.SOURCE.parse(github.headers_for(path.parent.name, raw), raw):
        if facts_of(event(draft.type, source="github", at=T0), body):
            assert may_have_facts("github", draft.type, raw), draft.type


def test_gitlab_deliveries_with_facts_pass_the_precheck() -> None:
    labelled = gitlab.issue("close", closed_at="2024-06-03T11:00:00Z")
    labelled["labels"] = [{"title": "incident"}]
    documents = [gitlab.push(), gitlab.deployment("success"), labelled]
    for document in documents:
        draft = gitlab.parse_one(document)
        raw = orjson.dumps(document)
        assert facts_of(event(draft.type, source="gitlab", at=T0), document), draft.type
        assert may_have_facts("gitlab", draft.type, raw), draft.type


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
