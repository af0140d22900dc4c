"""Local HTTP receivers for notification tests: real sockets that count every connection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Receiver:
    """Answers each request with the next of `answers` (status, extra headers), the last one
    forever after; keeps every request it got and counts every connection."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=lambda: [(200, {})])
    connections: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0
    server: asyncio.Server | None = None

    async def __aenter__(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((lines[0], headers, body))
            status, extra = self.answers[min(len(self.requests), len(self.answers)) - 1]
            extra_lines = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
            head = f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n"
            writer.write(f"{head}{extra_lines}\r\nok".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
