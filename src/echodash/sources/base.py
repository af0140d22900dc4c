"""The Source interface: how one kind of sender is verified, identified and parsed."""

from __future__ import annotations

import secrets as _secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from echodash.events import EventDraft
from echodash.sources.digest import sha256_hex

# Header names arrive lower-cased; values are the raw header text.
Headers = Mapping[str, str]


class SignatureError(Exception):
    """A delivery failed verification. `reason` is a short code shown on the endpoint."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Handshake:
    """A sender's set-up request, answered at once (before any real delivery).

    Slack checks a new URL by sending a challenge it wants back; Notion hands over the
    verification token it will sign with. Neither is an event of the tool itself.
    """

    # The JSON answer the sender expects (e.g. Slack's challenge echoed back).
    answer: dict[str, Any]
    # A secret the sender hands over in the clear (Notion's verification token). It becomes
    # the endpoint's secret, but only while the endpoint has none: a second, unsigned
    # handshake could otherwise replace the secret of a working endpoint.
    secret: str | None = None
    # Keep the request as a delivery too, so the feed shows that it came.
    keep: bool = False
    # What is kept of the body when `keep`: with `secret` taken out, so that the secret lives
    # only sealed, as the endpoint's secret (never in the delivery, its events or an export).
    # None keeps the body as received; EchoDash then keeps nothing that still holds `secret`.
    kept_body: bytes | None = None


class Source(ABC):
    """One kind of sender. Instances are built per endpoint with that endpoint's options."""

    kind: ClassVar[str]
    name: ClassVar[str]
    # Header names (lower case) that carry credentials: dropped before a delivery is stored.
    # Like `requires_secret`, an instance may set its own from its endpoint's options.
    secret_headers: frozenset[str] = frozenset()
    # Whether deliveries must be verified with one of the endpoint's secrets.
    requires_secret: bool = True
    # The sender makes the secret and hands it over in a handshake (Notion): endpoints of this
    # kind start without one.
    secret_from_handshake: ClassVar[bool] = False

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: Mapping[str, Any] = options or {}

    @abstractmethod
    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Check the delivery against the active secrets; return the matching index or raise.

        -1 means the delivery was accepted without a secret (an endpoint that needs none)."""

    @abstractmethod
    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        """The sender's unique id for this delivery (the dedup key), if it sends one."""

    @abstractmethod
    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """Turn a verified delivery into events. Pure: bytes and headers in, drafts out."""

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """The sender's set-up request this delivery is, if it is one (checked before
        `verify`; a handshake that must be signed checks its signature itself)."""
        return None

    def generate_secret(self) -> str:
        """A strong secret for a new endpoint, in the form this sender expects."""
        return _secrets.token_urlsafe(32)

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Check an endpoint's options; raise ValueError with a readable message."""
        if options:
            raise ValueError(f"the {cls.kind} source takes no options")
        return {}


def body_hash_key(body: bytes) -> str:
    """A dedup key for senders that send no delivery id."""
    return "sha256:" + sha256_hex(body)
