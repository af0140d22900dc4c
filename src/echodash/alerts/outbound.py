"""HTTP to the outside world for notifications: guarded, unredirected, bounded.

Every connection goes through `GuardedBackend`, which resolves the name, refuses blocked
addresses (see ssrf.py) and connects to the very address it checked; TLS still verifies the
certificate for the name in the URL. Redirects are never followed (a receiver cannot bounce a
notification to the metadata service), proxies from the environment are ignored (they would
connect on EchoDash's behalf, unchecked), and each attempt has a time limit.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable, Sequence

import httpcore
import httpx

from echodash.alerts.ssrf import Network, resolve

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_ANSWER = 2000  # characters of a receiver's answer kept with the attempt


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses: the check and the connection use one resolution."""

    def __init__(self, allow: Sequence[Network] = ()) -> None:
        self.allow = tuple(allow)
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        destination = await resolve(host, port, self.allow)
        return await self.inner.connect_tcp(
            destination.address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("notifications do not use Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool on the guarded backend."""

    def __init__(self, allow: Sequence[Network] = ()) -> None:
        super().__init__(trust_env=False)
        # The pool httpx builds is replaced by one on the guarded backend; the SSRF tests
        # count connections at a listening socket, so a change in httpx cannot go unseen.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=20,
            max_keepalive_connections=0,
            network_backend=GuardedBackend(allow),
        )


def guarded_client(allow: Sequence[Network] = ()) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=GuardedTransport(allow),
        follow_redirects=False,
        timeout=TIMEOUT,
        trust_env=False,
        headers={"user-agent": "EchoDash-Notifications/1"},
    )
