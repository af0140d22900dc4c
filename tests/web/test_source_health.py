"""Which connected tools stand out: quiet for a day, or having their deliveries refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from echodash.store.base import EndpointStats
from echodash.web.source_health import health_of

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def stats(
    delivered: timedelta | None, refused: timedelta | None = None, reason: str = "bad_signature"
) -> EndpointStats:
    return EndpointStats(
        deliveries=0 if delivered is None else 10,
        duplicates=0,
        last_delivery_at=None if delivered is None else NOW - delivered,
        rejections={} if refused is None else {reason: 3, "too_old": 1},
        last_rejection_at=None if refused is None else NOW - refused,
    )


def test_a_tool_delivering_lately_is_fine() -> None:
    health = health_of(stats(timedelta(minutes=5)), NOW)
    assert (health.state, health.stands_out) == ("ok", False)


def test_a_new_endpoint_waits_without_alarm() -> None:
    health = health_of(stats(None), NOW)
    assert (health.state, health.note, health.stands_out) == ("new", "no delivery yet", False)


def test_a_day_of_silence_after_deliveries_is_quiet() -> None:
    health = health_of(stats(timedelta(days=3, hours=2)), NOW)
    assert (health.state, health.note, health.stands_out) == (
        "quiet",
        "quiet: nothing for 3 days",
        True,
    )
    assert health_of(stats(timedelta(hours=23)), NOW).state == "ok"
    assert health_of(stats(timedelta(hours=24)), NOW).note == "quiet: nothing for 1 day"


def test_recent_refusals_with_nothing_accepted_since_mean_refusing() -> None:
    health = health_of(stats(timedelta(hours=2), refused=timedelta(minutes=3)), NOW)
    assert health.state == "refusing" and health.stands_out
    assert health.note == "its deliveries are being refused (bad signature)"  # the main reason
    # Never a delivery accepted, refusals coming in: refusing (a wrong secret from the start).
    assert health_of(stats(None, refused=timedelta(minutes=1)), NOW).state == "refusing"


def test_refusals_followed_by_accepted_deliveries_or_long_ago_do_not_alarm() -> None:
    # A forged request now and then, while the real sender gets through.
    assert health_of(stats(timedelta(minutes=1), refused=timedelta(minutes=5)), NOW).state == "ok"
    # Refusals two days ago, and quiet since then: quiet, not refusing.
    old = health_of(stats(timedelta(days=2, hours=1), refused=timedelta(days=2)), NOW)
    assert old.state == "quiet"
