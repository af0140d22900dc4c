"""Token buckets keyed by endpoint or API token: bounded resources per sender."""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, rate: float, burst_seconds: float = 2.0) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * burst_seconds)
        self._buckets: dict[object, tuple[float, float]] = {}

    def allow(self, key: object) -> bool:
        if self.rate <= 0:
            return True
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        if len(self._buckets) > 100_000:
            self._buckets.clear()
        self._buckets[key] = (tokens - 1.0, now)
        return True

    def retry_after(self) -> int:
        return max(1, int(1 / self.rate + 0.999)) if self.rate > 0 else 1
