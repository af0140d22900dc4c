"""A raw-socket SSE client for the live-stream suites: it can stop reading (a stalled viewer),
and it sees every byte the server sends, comments and the end of the response included."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support import Server


@dataclass
class Message:
    event: str
    id: int | None
    data: Any


@dataclass
class RawStream:
    server: Server
    path: str = "/api/v1/stream"
    headers: dict[str, str] = field(default_factory=dict)
    sock: socket.socket = field(init=False)
    buffer: bytes = b""  # raw bytes of the chunked body not yet de-chunked
    body: list[bytes] = field(default_factory=list)
    ended: bool = False  # the server ended the response (or closed the connection)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", self.server.port))
        head = {"Host": "x", "Authorization": f"Bearer {self.server.token}", **self.headers}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items() if v)
        self.sock.sendall(f"GET {self.path} HTTP/1.1\r\n{lines}\r\n".encode())
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(65536)
        status, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.status = int(status.split(b" ", 2)[1])

    def _read(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            self.ended = True
            raise EOFError("the server closed the connection")
        self.buffer += data
        self._dechunk()

    def _dechunk(self) -> None:
        """Move whole chunks from the raw buffer to the body."""
        while not self.ended:
            size_line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                return
            size = int(size_line, 16)
            if size == 0:
                self.ended = True
                return
            if len(rest) < size + 2:
                return
            self.body.append(rest[:size])
            self.buffer = rest[size + 2 :]

    def text(self, timeout: float = 10.0, until: bytes | None = None) -> str:
        """Read until `until` is in the body (or the response ends); the body so far."""
        deadline = time.monotonic() + timeout
        self._dechunk()
        while not self.ended and (until is None or until not in b"".join(self.body[-3:])):
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited for {until!r}; got {b''.join(self.body)[-500:]!r}")
            try:
                self._read()
            except EOFError:
                break
        return b"".join(self.body).decode()

    def messages(self, timeout: float = 10.0, until: bytes | None = None) -> list[Message]:
        found = []
        for block in self.text(timeout, until).split("\n\n"):
            fields: dict[str, list[str]] = {}
            for line in block.split("\n"):
                if line and not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields.setdefault(name, []).append(value)
            if "data" in fields:
                found.append(
                    Message(
                        fields.get("event", ["message"])[0],
                        int(fields["id"][0]) if "id" in fields else None,
                        json.loads("\n".join(fields["data"])),
                    )
                )
        return found

    def close(self) -> None:
        self.sock.close()
