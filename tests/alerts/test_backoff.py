"""Retries follow the schedule in specs/reliability.md, spread a little, then stop."""

from __future__ import annotations

import random
from datetime import timedelta

from echodash.alerts.backoff import SCHEDULE, next_attempt
from tests.alerts.events import T0


def test_retries_follow_the_schedule_within_ten_percent_then_stop() -> None:
    rng = random.Random(1)
    assert SCHEDULE == (5, 300, 1800, 7200, 18000, 36000, 36000)
    for failures, wait in enumerate(SCHEDULE, start=1):
        at = next_attempt(failures, T0, rng)
        assert at is not None
        assert timedelta(seconds=wait * 0.9) <= at - T0 <= timedelta(seconds=wait * 1.1)
    assert next_attempt(len(SCHEDULE) + 1, T0, rng) is None


def test_retries_do_not_march_together() -> None:
    rng = random.Random(2)
    assert len({next_attempt(3, T0, rng) for _ in range(20)}) == 20
