"""Slows password guessing without letting anyone lock the owner out (per process; each node
of a cluster counts its own).

A browser that signed in to the account before (it shows a known-device cookie, see
known_devices.py) counts only its own wrong passwords: nobody else's guessing, from anywhere,
can refuse the owner on their own browser. Every other browser counts against three limits:
its address with that account, the account, and its address.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from dataclasses import dataclass

MAX_FAILURES = 10
# Over every address: guessing spread over many addresses stays bounded, yet one address
# alone (10) cannot refuse the account to every other new browser.
MAX_FAILURES_PER_ACCOUNT = 30
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
        now = time.monotonic()
        if len(self._failures) > _MAX_KEYS:
            self._make_room(now)
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def _make_room(self, now: float) -> None:
        """A flood of made-up keys must not grow memory forever, nor wipe every live limit:
        counts past their window go first, then the oldest keys."""
        for key in [k for k, times in self._failures.items() if now - times[-1] > self._window]:
            del self._failures[key]
        while len(self._failures) > _MAX_KEYS * 3 // 4:
            del self._failures[next(iter(self._failures))]

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


def address_key(host: str) -> str:
    """What one client's address counts as: an IPv6 host has a whole /64 to itself."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """One try at one account: what its wrong password counts against."""

    account: str  # the e-mail as typed, lower-cased
    address: str  # see address_key
    device: str | None = None  # this browser's known-device id for the account, if any


class SignInLimits:
    """The limits every password check goes through (see the module's docstring)."""

    def __init__(self) -> None:
        self._device = LoginLimiter(MAX_FAILURES)
        self._pair = LoginLimiter(MAX_FAILURES)
        self._account = LoginLimiter(MAX_FAILURES_PER_ACCOUNT)
        self._address = LoginLimiter(MAX_FAILURES_PER_ADDRESS)

    def _counters(self, attempt: SignInAttempt) -> list[tuple[LoginLimiter, str]]:
        if attempt.device is not None:
            return [(self._device, f"{attempt.device}\n{attempt.account}")]
        return [
            (self._pair, f"{attempt.address}\n{attempt.account}"),
            (self._account, attempt.account),
            (self._address, attempt.address),
        ]

    def wait_seconds(self, attempt: SignInAttempt) -> int:
        """0 when this attempt may check a password; else how long until it may."""
        return max(limiter.wait_seconds(key) for limiter, key in self._counters(attempt))

    def failed(self, attempt: SignInAttempt) -> None:
        for limiter, key in self._counters(attempt):
            limiter.failed(key)

    def succeeded(self, attempt: SignInAttempt) -> None:
        for limiter, key in self._counters(attempt):
            # The address keeps its count: signing in to one's own account must not buy
            # more guesses at other people's.
            if limiter is not self._address:
                limiter.succeeded(key)
