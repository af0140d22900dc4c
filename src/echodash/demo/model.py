"""What the demo's generator produces: deliveries as each sender would send them, with the
sender's own time, and the product's custom events. Pure values; sending is send.py's job."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# The senders the demo company uses, each with one endpoint of its own.
SOURCES = ("github", "stripe", "notion", "linear", "sentry", "cloudflare", "slack")


@dataclass(frozen=True, slots=True)
class Sending:
    """One delivery: `source` is the endpoint kind, `at` the sender's time, `event` what the
    sender names in a header (GitHub's event, Sentry's resource), `key` its delivery id
    (GitHub, Linear, Sentry send one in a header; the others' is in the body)."""

    source: str
    at: datetime
    body: dict[str, Any]
    event: str = ""
    key: str = ""


@dataclass(slots=True)
class Company:
    """Everything the demo sends: webhook deliveries and custom events, oldest first."""

    deliveries: list[Sending] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)

    def sorted(self) -> Company:
        self.deliveries.sort(key=lambda s: s.at)
        self.custom.sort(key=lambda e: str(e["timestamp"]))
        return self


class Ids:
    """Ids drawn from the seeded generator, so the same seed gives the same company."""

    def __init__(self, rng: random.Random, base: int = 0, numbers: int = 0) -> None:
        self.rng = rng
        # Added to the counters of ids (`next`): the live trickle's never meet the history's.
        self.base = base
        # Added to the numbers people read (`number`: pull requests, issues).
        self.numbers = numbers
        self._counters: dict[str, int] = {}

    def sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def hex(self, digits: int = 24) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"

    def next(self, name: str, first: int = 1) -> int:
        value = self._counters.get(name, self.base + first - 1) + 1
        self._counters[name] = value
        return value

    def number(self, name: str, first: int = 1) -> int:
        value = self._counters.get(name, self.numbers + first - 1) + 1
        self._counters[name] = value
        return value
