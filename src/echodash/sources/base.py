"""The sender interface's old home, kept while senders move to their folders (see _base)."""

from __future__ import annotations

from collections.abc import Sequence

from echodash.events import EventDraft
from echodash.sources import _base
from echodash.sources._base import Guide, Handshake, Headers, SignatureError, body_hash_key
from echodash.sources.kit.payload import PayloadReader
from echodash.sources.kit.signatures import SecretTest


class Source(_base.Source):
    """A sender written before the folder layout: it implements `verify` and `parse` itself."""

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest | None:
        raise NotImplementedError("this sender verifies in its own verify()")  # pragma: no cover

    def read(self, headers: Headers, body: bytes) -> PayloadReader | None:
        return None  # pragma: no cover (this sender parses in its own parse())

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        raise NotImplementedError  # pragma: no cover

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        raise NotImplementedError  # pragma: no cover


__all__ = ["Guide", "Handshake", "Headers", "SignatureError", "Source", "body_hash_key"]
