"""The subscription document: strict parsing and when a digest is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from echodash.digest.subscription import Subscription, is_due, period

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_round_trip_keeps_every_field() -> None:
    doc = {
        "frequency": "weekly",
        "sources": ["github"],
        "types": ["github:push", "stripe:charge.failed"],
        "last_sent_at": "2026-11-20T09:00:00.000Z",
    }
    sub = Subscription.from_json(doc)
    assert sub == Subscription(
        "weekly",
        ("github",),
        ("github:push", "stripe:charge.failed"),
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    assert sub.to_json() == doc


def test_optional_fields_default_to_everything_never_sent() -> None:
    assert Subscription.from_json({"frequency": "daily"}) == Subscription("daily", (), (), None)


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        (None, "JSON object"),
        (["daily"], "JSON object"),
        ({"frequency": "hourly"}, "daily, weekly or off"),
        ({}, "daily, weekly or off"),
        ({"frequency": "daily", "sources": "github"}, "sources must be a list"),
        ({"frequency": "daily", "sources": [1]}, "sources must be a list"),
        ({"frequency": "daily", "types": ["push"]}, "source:type"),
        ({"frequency": "daily", "last_sent_at": "yesterday"}, "not an ISO-8601 time"),
        ({"frequency": "daily", "last_sent_at": "2026-11-20T09:00:00"}, "no time zone"),
        ({"frequency": "daily", "last_sent_at": 1700000000}, "ISO-8601 time or null"),
        ({"frequency": "daily", "colour": "blue"}, "no field colour"),
    ],
)
def test_bad_documents_are_refused_with_a_sentence(doc: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says) as caught:
        Subscription.from_json(doc)
    assert str(caught.value)[0].isupper() and str(caught.value).endswith(".")


def test_periods() -> None:
    assert period("daily") == timedelta(days=1)
    assert period("weekly") == timedelta(days=7)
    with pytest.raises(ValueError, match="no period"):
        period("off")


def test_never_sent_is_due_and_off_never_is() -> None:
    assert is_due(Subscription("daily"), NOW)
    assert is_due(Subscription("weekly"), NOW)
    assert not is_due(Subscription("off"), NOW)
    assert not is_due(Subscription("off", last_sent_at=NOW - timedelta(days=30)), NOW)


@pytest.mark.parametrize(
    ("frequency", "ago", "due"),
    [
        ("daily", timedelta(hours=1), False),
        ("daily", timedelta(hours=23, minutes=54), False),
        # Within the 5-minute slack: a job checking every 5 minutes must not slip a day.
        ("daily", timedelta(hours=23, minutes=55), True),
        ("daily", timedelta(hours=23, minutes=58), True),
        ("daily", timedelta(days=3), True),
        ("weekly", timedelta(days=6), False),
        ("weekly", timedelta(days=7) - timedelta(minutes=2), True),
    ],
)
def test_due_after_a_period_less_the_slack(frequency: str, ago: timedelta, due: bool) -> None:
    assert is_due(Subscription(frequency, last_sent_at=NOW - ago), NOW) is due


def test_wants_filters_by_source_and_fingerprint() -> None:
    everything = Subscription("daily")
    assert everything.wants("github", "push") and everything.wants("stripe", "charge.failed")
    stripe = Subscription("daily", sources=("stripe",))
    assert stripe.wants("stripe", "charge.failed") and not stripe.wants("github", "push")
    pushes = Subscription("daily", types=("github:push",))
    assert pushes.wants("github", "push") and not pushes.wants("github", "star.created")
