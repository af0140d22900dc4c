"""Slows password guessing: after a few wrong passwords for one e-mail, or from one address,
sign-in is refused for a while (per process; each node of a cluster counts its own)."""

from __future__ import annotations

import time
from collections import deque

MAX_FAILURES = 10
# One address may be a whole office behind one NAT: it gets more tries than one account.
MAX_FAILURES_PER_ADDRESS = 50
WINDOW_SECONDS = 15 * 60
_MAX_KEYS = 50_000


class LoginLimiter:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and now - found[0] > self._window:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def wait_seconds(self, *keys: str) -> int:
        """0 when sign-in may be tried; else how long until it may."""
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            recent = self._recent(key, now)
            if len(recent) >= self._max:
                wait = max(wait, self._window - (now - recent[0]))
        return int(wait) + 1 if wait else 0

    def failed(self, *keys: str) -> None:
        if len(self._failures) > _MAX_KEYS:
            self._failures.clear()  # a flood of made-up keys must not grow memory forever
        now = time.monotonic()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
