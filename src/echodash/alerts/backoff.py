"""When to try a notification again: the schedule in specs/reliability.md, with jitter."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

# After the first attempt fails: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then it is given up.
SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.1  # each wait is stretched or shrunk by up to 10 %, so retries do not march together


def next_attempt(failures: int, now: datetime, rng: random.Random | None = None) -> datetime | None:
    """When to try again after `failures` failed attempts (1 after the first), or None when
    the schedule is spent and the notification is given up."""
    if failures < 1 or failures > len(SCHEDULE):
        return None
    wait = SCHEDULE[failures - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return now + timedelta(seconds=wait * (1 + spread))
