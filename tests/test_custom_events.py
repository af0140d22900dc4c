"""Custom events as the API and `echodash import` check them (pure: no server)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from echodash.custom_events import (
    MAX_DEPTH,
    InvalidCustomEvent,
    nests_deeper,
    parse_custom_event,
)
from echodash.events import EARLIEST, utcnow


def nested(levels: int) -> dict[str, Any]:
    """An object `levels` deep: {"a": {"a": … {}}}."""
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("value", "levels"),
    [
        (1, 0),
        ({}, 1),
        ([], 1),
        ({"a": [1, {"b": "c"}]}, 3),
        ([[[]], {}], 3),
        (nested(1000), 1000),
    ],
)
def test_nests_deeper_counts_objects_and_lists(value: Any, levels: int) -> None:
    assert not nests_deeper(value, levels)
    assert nests_deeper(value, levels - 1) is (levels > 0)


def test_values_nested_to_the_limit_are_stored_and_deeper_ones_refused() -> None:
    deepest = parse_custom_event({"event": "x", "values": nested(MAX_DEPTH)}, utcnow())
    assert orjson.loads(deepest.body())["values"] == nested(MAX_DEPTH)
    # 300 levels: orjson reads them but cannot write them back (its limit is 254).
    for levels in (MAX_DEPTH + 1, 300):
        with pytest.raises(InvalidCustomEvent, match="at most 64 levels deep"):
            parse_custom_event({"event": "x", "properties": nested(levels)}, utcnow())


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC: no datetime can hold it
        "0001-01-01T23:59:59.999999Z",
    ],
)
def test_a_timestamp_before_the_earliest_time_is_refused(timestamp: str) -> None:
    with pytest.raises(InvalidCustomEvent, match="must be from 0001-01-02 to an hour from now"):
        parse_custom_event({"event": "x", "timestamp": timestamp}, utcnow())


def test_timestamps_at_the_edges() -> None:
    now = utcnow()
    earliest = parse_custom_event({"event": "x", "timestamp": "0001-01-02T00:00:00Z"}, now)
    assert earliest.timestamp == EARLIEST
    # Past year 9999 once in UTC: in the future all the same.
    with pytest.raises(InvalidCustomEvent, match="to an hour from now"):
        parse_custom_event({"event": "x", "timestamp": "9999-12-31T23:00:00-05:00"}, now)


def test_the_vocabulary_fields_are_kept_in_the_stored_body() -> None:
    event = parse_custom_event(
        {
            "event": "Deployed",
            "category": "deployment",
            "service": " web-app ",
            "environment": "production",
            "outcome": "failure",
            "commits": ["9f2c1ab", "9f2c1ab"],
        },
        utcnow(),
    )
    stored = orjson.loads(event.body())
    assert {k: stored[k] for k in ("category", "service", "environment", "outcome")} == {
        "category": "deployment",
        "service": "web-app",
        "environment": "production",
        "outcome": "failure",
    }
    assert stored["commits"] == ["9f2c1ab"]
    plain = orjson.loads(parse_custom_event({"event": "x"}, utcnow()).body())
    assert not {"category", "service", "environment", "outcome", "commits"} & set(plain)


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (
            {"event": "x", "category": "deploy"},
            "`category` must be one of deployment, change, review, release, config, build, "
            "incident, alert, issue, payment, subscription, signup, activity, other ('deploy')",
        ),
        ({"event": "x", "category": 3}, "`category` must be one of deployment"),
        (
            {"event": "x", "outcome": "ok"},
            "`outcome` must be one of started, success, failure, cancelled, skipped ('ok')",
        ),
        ({"event": "x", "commits": "9f2c1ab"}, "`commits` must be a list"),
        ({"event": "x", "commits": ["a"] * 101}, "at most 100"),
        ({"event": "x", "commits": ["ok", ""]}, "`commits[1]` must be 1 to 100 characters"),
        ({"event": "x", "commits": [7]}, "`commits[0]`"),
        ({"event": "x", "service": ""}, "`service` must be 1 to 200 characters"),
        ({"event": "x", "environment": {"name": "prod"}}, "`environment` must be text"),
    ],
)
def test_vocabulary_fields_outside_the_vocabulary_are_refused(
    doc: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidCustomEvent) as refused:
        parse_custom_event(doc, utcnow())
    assert problem in str(refused.value)
