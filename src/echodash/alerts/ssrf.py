"""Where notifications may connect: never to the machine itself, its network or a cloud's
metadata service, unless the self-hoster allows a range (ECHODASH_OUTBOUND_ALLOW).

Addresses are checked after DNS resolution, and the connection is made to the address that
was checked (`resolve`), so a name that answers differently the second time (DNS rebinding)
cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges no notification goes to by default.
BLOCKED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this" network
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::ffff:0:0/96",  # IPv4-mapped: checked as the IPv4 address it maps
        "64:ff9b::/96",  # NAT64: may reach any IPv4 address
        "100::/64",  # discard
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local (includes AWS's fd00:ec2::254 metadata)
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)


class Blocked(Exception):
    """A destination EchoDash will not connect to; the message says which address and why."""


def parse_allow(setting: str) -> tuple[Network, ...]:
    """ECHODASH_OUTBOUND_ALLOW: comma-separated CIDRs (or single addresses)."""
    found = []
    for part in setting.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"ECHODASH_OUTBOUND_ALLOW: {part!r} is not an address or a CIDR range"
            ) from None
    return tuple(found)


def blocked_reason(address: Address, allow: Sequence[Network] = ()) -> str | None:
    """Why `address` is refused, or None when notifications may go there."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return blocked_reason(address.ipv4_mapped, allow)
    if any(address.version == n.version and address in n for n in allow):
        return None
    for network in BLOCKED:
        if address.version == network.version and address in network:
            return f"{address} is in {network}, a private, local or reserved range"
    return None


@dataclass(frozen=True, slots=True)
class Destination:
    host: str
    port: int
    address: str  # the checked address to connect to


async def resolve(host: str, port: int, allow: Sequence[Network] = ()) -> Destination:
    """The address to connect to for `host`: every address the name resolves to must be
    allowed (a name with one private answer among public ones is refused)."""
    try:
        literal: Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses: Iterable[Address] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise Blocked(f"{host} does not resolve: {error}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    addresses = list(dict.fromkeys(addresses))
    if not addresses:
        raise Blocked(f"{host} has no address")
    for address in addresses:
        reason = blocked_reason(address, allow)
        if reason:
            raise Blocked(f"{host} resolves to {reason}; ECHODASH_OUTBOUND_ALLOW can allow it")
    return Destination(host, port, str(addresses[0]))
