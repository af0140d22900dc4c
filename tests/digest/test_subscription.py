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
        "severity": "error+",
        "outcomes": ["failure"],
        "replays": True,
    }
    sub = Subscription.from_json(doc)
    assert sub == Subscription(
        "weekly",
        ("github",),
        ("github:push", "stripe:charge.failed"),
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "error+",
        ("failure",),
        True,
    )
    assert sub.to_json() == doc
    # A document saved before these choices existed reads as "any severity, any outcome,
    # no replays".
    old = Subscription.from_json({"frequency": "daily", "sources": [], "types": []})
    assert (old.severity, old.outcomes, old.replays) == ("", (), False)


def test_the_choices_narrow_the_same_way_for_every_list() -> None:
    failures = Subscription("daily", ("github",), (), None, "error+", ("failure",))
    assert failures.wants("github", "workflow_run", "error", "failure", "webhook")
    assert failures.wants("github", "workflow_run", "critical", "failure", "webhook")
    assert not failures.wants("github", "workflow_run", "warning", "failure", "webhook")
    assert not failures.wants("github", "workflow_run", "error", "success", "webhook")
    assert not failures.wants("github", "push", "error", "", "webhook")  # no outcome at all
    assert not failures.wants("stripe", "charge.failed", "error", "failure", "webhook")
    assert not failures.wants("github", "workflow_run", "error", "failure", "replay")
    replays_too = Subscription("daily", replays=True)
    assert replays_too.wants("github", "push", "info", "", "replay")
    # Nothing ticked, no floor: every event but replays.
    everything = Subscription("daily")
    assert everything.wants("stripe", "charge.succeeded", "info", "", "backfill")
    assert not everything.wants("stripe", "charge.succeeded", "info", "", "replay")


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"frequency": "daily", "severity": "loud"}, "severity choice"),
        ({"frequency": "daily", "outcomes": ["exploded"]}, "no outcome 'exploded'"),
        ({"frequency": "daily", "outcomes": "failure"}, "outcomes must be a list"),
        ({"frequency": "daily", "replays": "yes"}, "replays choice"),
    ],
)
def test_bad_choices_are_refused(doc: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Subscription.from_json(doc)


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
