"""The Source base: how one kind of sender is verified, identified, parsed and presented.

A sender is one folder, `sources/<kind>/`, with the same files for every sender: `source.py`
(its `Source` subclass: everything EchoDash shows or needs about the sender), `reader.py`
(its `PayloadReader`) and `titles.py` (its title builders, in a `TitleBook`). This base owns
what every sender would otherwise write again: the secret loop of `verify`, and the cascade
of `parse` — the sender's own builder, else a generic line, else a minimal one — so no
delivery is ever lost to a parser, and no sender holds a catch-all `except`.
"""

from __future__ import annotations

import logging
import secrets as _secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from echodash.events import EventDraft
from echodash.sources.kit.digest import sha256_hex
from echodash.sources.kit.payload import (
    PayloadReader,
    line,
    load_json_quietly,
    not_an_object,
    read_object,
)
from echodash.sources.kit.signatures import Headers, SecretTest, SignatureError
from echodash.sources.kit.titles import TitleBook

log = logging.getLogger("echodash.sources")

# A plain mark (a rounded square) for senders that bring no icon of their own.
PLAIN_ICON = '<rect x="2" y="2" width="20" height="20" rx="6" fill="currentColor"/>'


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


@dataclass(frozen=True, slots=True)
class Guide:
    """Copy-paste set-up steps for a sender, shown on its endpoint's page."""

    # Where the tool's webhook settings live, as a person would click to them.
    where: str
    # Steps; "{url}" and "{secret}" are shown as copyable values on the page.
    steps: tuple[str, ...]
    # True when the tool makes the signing secret itself and it must be pasted into EchoDash.
    tool_makes_secret: bool = False
    paste_hint: str = ""


class Source(ABC):
    """One kind of sender. Instances are built per endpoint with that endpoint's options."""

    # Who it is
    kind: ClassVar[str]  # the endpoint kind and entry-point name: lower case, e.g. "github"
    name: ClassVar[str]  # the label shown everywhere, e.g. "GitHub"
    order: ClassVar[int] = 500  # place in the "connect a tool" picker: lower comes first
    # Its mark: SVG inside a 24x24 symbol, drawn in currentColor (the sender's colour) with
    # any glyph stroked in var(--src-ink), so it reads in both themes.
    icon: ClassVar[str] = PLAIN_ICON
    colour: ClassVar[tuple[str, str]] = ("#64748b", "#a3b1c4")  # (light theme, dark theme)
    guide: ClassVar[Guide | None] = None  # set-up steps on the endpoint's page
    # Headers its signature and delivery id arrive in (lower case), for docs and tests.
    signature_headers: ClassVar[tuple[str, ...]] = ()

    # How it authenticates
    # Header names (lower case) that carry credentials: dropped before a delivery is stored.
    # Like `requires_secret`, an instance may set its own from its endpoint's options.
    secret_headers: frozenset[str] = frozenset()
    # Whether deliveries must be verified with one of the endpoint's secrets.
    requires_secret: bool = True
    # The sender makes the secret and hands it over in a handshake (Notion): endpoints of this
    # kind start without one.
    secret_from_handshake: ClassVar[bool] = False

    # How it reads
    # Its PayloadReader, built from the delivery's JSON object (the default `read`).
    reader: ClassVar[Callable[..., PayloadReader] | None] = None
    titles: ClassVar[TitleBook[Any]] = TitleBook()
    # What a delivery is called in the line for one that is not a JSON object.
    delivery_noun: ClassVar[str] = "a delivery"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A sender (a class that names its `kind`) must say how it reads: a `reader`, or
        its own `read`. Refused when the class is defined, not when a delivery comes."""
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__ and cls.reader is None and cls.read is Source.read:
            raise TypeError(f"{cls.__name__} sets neither `reader` nor its own read()")

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: Mapping[str, Any] = options or {}

    # Verification
    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """The index of the active secret that signs the delivery; SignatureError if none.

        -1 means the delivery was accepted without a secret (an endpoint that needs none)."""
        test = self.signed_with(headers, body)
        if test is None:
            return -1
        matched = self.match(secrets, test)
        self.check_fresh(headers, body)
        return matched

    def match(self, secrets: Sequence[str], test: SecretTest) -> int:
        """The secret loop: the index of the active secret `test` accepts (see match_secret)."""
        return match_secret(secrets, test, self.signature_label)

    @abstractmethod
    def signed_with(self, headers: Headers, body: bytes) -> SecretTest | None:
        """What to test each secret with: reads (and checks) the signature headers; raises
        SignatureError when they are missing or malformed. None: no secret is needed."""

    @property
    def signature_label(self) -> str:
        """How refusals name the signature (e.g. "X-Hub-Signature-256")."""
        return self.signature_headers[0] if self.signature_headers else "the signature"

    def check_fresh(self, headers: Headers, body: bytes) -> None:  # noqa: B027 (optional hook)
        """After a secret matched: refuse a delivery signed too long ago (stale_timestamp)."""

    def handshake(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> Handshake | None:
        """The sender's set-up request this delivery is, if it is one (checked before
        `verify`; a handshake that must be signed checks its signature itself)."""
        return None

    @abstractmethod
    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        """The sender's unique id for this delivery (the dedup key), if it sends one."""

    def thing_id(self, headers: Headers, body: bytes) -> str | None:
        """The sender's own id for the thing this delivery reports (a deployment status, a
        merged pull request), the same in its webhook and in what a backfill builds from its
        API: one event per thing on an endpoint, whichever comes first. None: no such id."""
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

    # Parsing
    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """The delivery's events; never raises, whatever the bytes and headers. The sender's
        builder for its type, else its generic line, else a minimal line: every verified
        delivery becomes at least one readable event."""
        try:
            reader = self.read(headers, body)
        except Exception:
            log.debug("%s: the delivery could not be read", self.kind, exc_info=True)
            reader = None
        if reader is None:
            return [self.unreadable(headers, body)]
        for step in (self.events, self.generic):
            try:
                drafts = step(reader)
            except Exception:  # an unexpected payload shape: the next step still shows it
                log.debug("%s: %s failed", self.kind, step.__name__, exc_info=True)
                continue
            if drafts:
                return drafts
        return [self.minimal(reader)]

    def read(self, headers: Headers, body: bytes) -> PayloadReader | None:
        """The delivery as this sender's reader; None when it is not something it can read
        (a body that is not a JSON object, say). By default: `reader` over the JSON object."""
        reader = type(self).reader
        return None if reader is None else read_object(headers, body, reader)

    def events(self, reader: PayloadReader) -> list[EventDraft]:
        """The sender's own events for the delivery: its title builder for the type."""
        builder = self.titles.find(reader.keys())
        if builder is None:
            return []
        built = builder(reader)
        return list(built) if isinstance(built, list) else [built]

    def generic(self, reader: PayloadReader) -> list[EventDraft]:
        """The line for a type without a builder (or whose builder failed): the title book's
        fallback, else "<who> sent <type>"."""
        fallback = self.titles.fallback
        if fallback is not None:
            built = fallback(reader)
            return list(built) if isinstance(built, list) else [built]
        return [reader.draft(f"{reader.who} sent {reader.type}{reader.where}")]

    def minimal(self, reader: PayloadReader) -> EventDraft:
        """The last resort: what is certain about the delivery."""
        kind = line(getattr(reader, "type", None), 100) or "unknown"
        return EventDraft(type=kind, title=f"{self.name} sent {kind}")

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        """A verified delivery this sender cannot read (not a JSON object): kept and shown
        all the same."""
        return not_an_object(self.name, load_json_quietly(headers, body), self.delivery_noun)


def match_secret(secrets: Sequence[str], test: SecretTest, label: str) -> int:
    """The index of the first active secret `test` accepts; SignatureError when none does.

    Every active secret is tried — all of them, so the time taken never tells which one
    matched — and anything a test raises is "no match": a verifier never lets an odd delivery
    through or answers 500.

    A test may raise SignatureError to say why a secret cannot be used at all (a Standard
    Webhooks secret that is not a whsec_ key); when no secret matches, the first such reason
    is given instead of a plain "bad_signature"."""
    matched: int | None = None
    reason: SignatureError | None = None
    for index, secret in enumerate(secrets):
        if not isinstance(secret, str) or not secret.strip():
            continue  # an empty secret would accept anyone's signature
        try:
            accepted = test(secret)
        except SignatureError as refused:
            reason = reason or refused
            accepted = False
        except Exception:  # an odd secret or body: no match, never an error
            log.debug("%s: signature check failed", label, exc_info=True)
            accepted = False
        if accepted and matched is None:
            matched = index
    if matched is None:
        raise reason or SignatureError("bad_signature", f"{label} does not match any active secret")
    return matched


def body_hash_key(body: bytes) -> str:
    """A dedup key for senders that send no delivery id."""
    return "sha256:" + sha256_hex(body)


__all__ = ["Guide", "Handshake", "Headers", "SignatureError", "Source", "body_hash_key"]
