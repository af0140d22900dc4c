"""The custom source: stored custom events become feed lines with the vocabulary they set."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from echodash.custom_events import parse_custom_event
from echodash.events import Category, Outcome, Severity
from echodash.sources import SignatureError, source_class
from echodash.sources.custom import CustomSource
from tests.sources.custom.samples import NOW, SAMPLES


def parsed(event: dict[str, object]) -> bytes:
    return parse_custom_event(event, NOW).body()


def test_registered_under_its_kind_and_refuses_its_receive_url() -> None:
    assert source_class("custom") is CustomSource
    with pytest.raises(SignatureError) as refused:
        CustomSource().verify({}, b'{"event": "x"}', ["secret"])
    assert refused.value.reason == "use_the_api"
    assert CustomSource().delivery_id({}, b"{}") is None


def test_a_product_event_reads_as_who_did_what() -> None:
    [draft] = CustomSource().parse({}, SAMPLES[1][1])
    assert draft.type == "Upgraded plan"
    assert draft.title == "u_1001 Upgraded plan"
    assert draft.actor == "u_1001"
    assert draft.occurred_at == datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
    assert draft.tags == ("custom",)
    assert draft.fields == {
        "distinct_id": "u_1001",
        "plan": "business",
        "seats": 12,
        "billing.interval": "year",
    }
    assert draft.category is Category.ACTIVITY
    assert (draft.service, draft.environment, draft.outcome, draft.commits) == (
        None,
        None,
        None,
        (),
    )


def test_severity_and_link_come_from_values() -> None:
    [draft] = CustomSource().parse({}, SAMPLES[2][1])
    assert draft.severity is Severity.ERROR
    assert draft.url == "https://app.example.com/x/1"
    assert (draft.service, draft.environment) == ("exporter", "production")


def test_the_event_sets_its_own_vocabulary() -> None:
    body = parsed(
        {
            "event": "Deployed",
            "category": "deployment",
            "service": "web-app",
            "environment": "staging",
            "outcome": "success",
            "commits": ["9f2c1ab", "9f2c1ab", "4e1d0c2"],
        }
    )
    [draft] = CustomSource().parse({}, body)
    assert draft.title == "Deployed"
    assert draft.category is Category.DEPLOYMENT
    assert draft.service == "web-app"
    assert draft.environment == "staging"
    assert draft.outcome is Outcome.SUCCESS
    assert draft.commits == ("9f2c1ab", "4e1d0c2")


@pytest.mark.parametrize(
    ("body", "title", "event_type"),
    [
        (b"", "Custom events sent a delivery that is not JSON", "unknown"),
        (b"[1]", "Custom events sent a delivery that is not a JSON object", "unknown"),
        (b"{}", "A custom event without a name", "unknown"),
        (b'{"event": "   "}', "A custom event without a name", "unknown"),
    ],
)
def test_odd_bodies_still_make_a_line(body: bytes, title: str, event_type: str) -> None:
    [draft] = CustomSource().parse({}, body)
    assert (draft.type, draft.title) == (event_type, title)


def test_a_stored_category_it_does_not_know_falls_back_to_activity() -> None:
    body = orjson.dumps({"event": "Old", "category": "weather", "outcome": "maybe"})
    [draft] = CustomSource().parse({}, body)
    assert draft.category is Category.ACTIVITY
    assert draft.outcome is None
