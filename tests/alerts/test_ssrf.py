"""Notifications never reach the machine, its network or a metadata service by default."""

from __future__ import annotations

import asyncio
import ipaddress
import re

import pytest

from echodash.alerts.ssrf import Blocked, blocked_reason, parse_allow, resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "10.1.2.3",
        "172.20.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address checked, not bound)
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_private_loopback_link_local_cgnat_and_metadata_are_blocked(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_the_allow_list_opens_exactly_its_ranges() -> None:
    allow = parse_allow("127.0.0.1/32, 10.0.0.0/8 ,")
    assert blocked_reason(ipaddress.ip_address("127.0.0.1"), allow) is None
    assert blocked_reason(ipaddress.ip_address("10.9.9.9"), allow) is None
    assert blocked_reason(ipaddress.ip_address("127.0.0.2"), allow) is not None
    assert blocked_reason(ipaddress.ip_address("169.254.169.254"), allow) is not None
    with pytest.raises(ValueError, match=re.escape("'10.0.0.0/33' is not an address")):
        parse_allow("10.0.0.0/33")


def test_names_are_checked_after_resolution() -> None:
    with pytest.raises(
        Blocked,
        match=r"localhost resolves to (127\.0\.0\.1 is in 127\.0\.0\.0/8|::1 is in ::1/128)",
    ):
        asyncio.run(resolve("localhost", 80))
    with pytest.raises(Blocked, match=re.escape("169.254.169.254")):
        asyncio.run(resolve("169.254.169.254", 80))
    with pytest.raises(Blocked, match="does not resolve"):
        asyncio.run(resolve("no-such-host.invalid", 80))
    allowed = asyncio.run(resolve("localhost", 8080, parse_allow("127.0.0.0/8,::1/128")))
    assert allowed.address in ("127.0.0.1", "::1") and allowed.port == 8080
