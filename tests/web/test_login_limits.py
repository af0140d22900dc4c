"""The sign-in limits' arithmetic, without passwords (the HTTP attacks are in
test_attack_sign_in.py): which tries count against what, and for whom."""

from __future__ import annotations

import time

import pytest

from echodash.web import login_limits
from echodash.web.login_limits import (
    MAX_FAILURES,
    MAX_FAILURES_PER_ACCOUNT,
    LoginLimiter,
    SignInAttempt,
    SignInLimits,
    address_key,
)


def _fail(limits: SignInLimits, attempt: SignInAttempt, times: int) -> None:
    for _ in range(times):
        assert limits.wait_seconds(attempt) == 0
        limits.failed(attempt)


def test_one_address_cannot_lock_an_account_for_other_new_browsers() -> None:
    limits = SignInLimits()
    _fail(limits, SignInAttempt("ada@example.com", "203.0.113.7"), MAX_FAILURES)
    assert limits.wait_seconds(SignInAttempt("ada@example.com", "203.0.113.7")) > 0
    assert limits.wait_seconds(SignInAttempt("ada@example.com", "198.51.100.9")) == 0


def test_guessing_from_many_addresses_locks_new_browsers_but_not_known_ones() -> None:
    limits = SignInLimits()
    addresses = [f"192.0.2.{n}" for n in range(MAX_FAILURES_PER_ACCOUNT // MAX_FAILURES)]
    for address in addresses:
        _fail(limits, SignInAttempt("ada@example.com", address), MAX_FAILURES)
    assert limits.wait_seconds(SignInAttempt("ada@example.com", "198.51.100.9")) > 0
    assert limits.wait_seconds(SignInAttempt("bob@example.com", "198.51.100.9")) == 0
    owner = SignInAttempt("ada@example.com", addresses[0], device="ada-laptop")
    assert limits.wait_seconds(owner) == 0
    # The known browser's own wrong passwords still count, against it alone.
    _fail(limits, owner, MAX_FAILURES)
    assert limits.wait_seconds(owner) > 0
    assert limits.wait_seconds(SignInAttempt("ada@example.com", "x", device="ada-phone")) == 0


def test_signing_in_to_ones_own_account_buys_no_guesses_at_others() -> None:
    limits = SignInLimits()
    address = "203.0.113.7"
    for n in range(login_limits.MAX_FAILURES_PER_ADDRESS):
        attempt = SignInAttempt(f"user{n % 9}@example.com", address)
        limits.failed(attempt)
        if n % 9 == 8:
            limits.succeeded(SignInAttempt("mallory@example.com", address))
    assert limits.wait_seconds(SignInAttempt("bob@example.com", address)) > 0


def test_an_ipv6_host_counts_with_its_whole_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1" == address_key("192.0.2.1")
    assert address_key("not an address") == "not an address"


def test_a_flood_of_made_up_keys_does_not_wipe_live_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(login_limits, "_MAX_KEYS", 100)
    limiter = LoginLimiter(max_failures=3, window=0.2)
    for n in range(90):
        limiter.failed(f"old-{n}")
    time.sleep(0.3)  # those are past their window now
    limiter.failed("ada", "ada", "ada")
    for n in range(20):
        limiter.failed(f"made-up-{n}")
    # Room was made from the expired counts: the live lock stays.
    assert len(limiter._failures) == 21
    assert limiter.wait_seconds("ada") > 0
    for n in range(1000):
        limiter.failed(f"flood-{n}")
    assert len(limiter._failures) <= 100  # bounded, whatever comes
