"""The connection's writes of one loop turn leave as one send, in order; a close sends what
is held first; big writes are not gathered; an aborted or closed connection drops them."""

from __future__ import annotations

import asyncio
from typing import Any

from echodash.web.http_protocol import CORK_LIMIT, CorkedTransport


class Wire(asyncio.Transport):
    """What reached the socket, one entry per send."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: list[bytes] = []
        self.events: list[str] = []
        self.closing = False

    def write(self, data: Any) -> None:
        assert not self.closing, "written after close"
        self.sends.append(bytes(data))

    def close(self) -> None:
        self.events.append("close")
        self.closing = True

    def abort(self) -> None:
        self.events.append("abort")
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 7


async def _turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def test_a_head_and_body_written_together_leave_in_one_send() -> None:
    asyncio.run(_a_head_and_body_written_together_leave_in_one_send())


async def _a_head_and_body_written_together_leave_in_one_send() -> None:
    wire = Wire()
    corked = CorkedTransport(wire, asyncio.get_running_loop())
    corked.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n")
    corked.write(b"{}")
    assert wire.sends == []
    await _turn()
    assert wire.sends == [b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}"]
    corked.write(b"next")
    await _turn()
    assert wire.sends[1:] == [b"next"]


def test_close_sends_what_is_held_first_and_abort_drops_it() -> None:
    asyncio.run(_close_sends_what_is_held_first_and_abort_drops_it())


async def _close_sends_what_is_held_first_and_abort_drops_it() -> None:
    loop = asyncio.get_running_loop()
    wire = Wire()
    corked = CorkedTransport(wire, loop)
    corked.writelines([b"a", b"b"])
    corked.close()
    assert wire.sends == [b"ab"] and wire.events == ["close"]
    await _turn()  # the scheduled flush finds nothing held and sends nothing after the close
    assert wire.sends == [b"ab"]

    cut = Wire()
    corked = CorkedTransport(cut, loop)
    corked.write(b"never")
    corked.abort()
    await _turn()
    assert cut.sends == [] and cut.events == ["abort"]


def test_writes_past_the_limit_leave_at_once() -> None:
    asyncio.run(_writes_past_the_limit_leave_at_once())


async def _writes_past_the_limit_leave_at_once() -> None:
    wire = Wire()
    corked = CorkedTransport(wire, asyncio.get_running_loop())
    chunk = b"x" * (CORK_LIMIT // 2)
    corked.write(chunk)
    corked.write(chunk)
    assert wire.sends == []
    corked.write(b"y")
    assert wire.sends == [chunk + chunk + b"y"]


def test_a_connection_closed_under_it_gets_nothing_more() -> None:
    asyncio.run(_a_connection_closed_under_it_gets_nothing_more())


async def _a_connection_closed_under_it_gets_nothing_more() -> None:
    wire = Wire()
    corked = CorkedTransport(wire, asyncio.get_running_loop())
    corked.write(b"late")
    wire.closing = True  # the peer went away before the loop turned
    await _turn()
    assert wire.sends == []
    assert corked.is_closing() and corked.get_write_buffer_size() == 7
