"""A real SMTP server on localhost (aiosmtpd) that keeps what it is sent."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


@contextmanager
def local_smtp(**options: Any) -> Iterator[tuple[Inbox, int]]:
    """(inbox, port) of a server on 127.0.0.1; retried, as another xdist worker may take
    the free port first."""
    inbox = Inbox()
    for attempt in range(5):
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        try:
            controller.start()
        except Exception:
            if attempt == 4:
                raise
            continue
        break
    try:
        yield inbox, port
    finally:
        controller.stop()
