"""The sender plugin API: what `docs/writing-a-source.md` uses, and nothing else.

A sender is a `Source` subclass registered under the `echodash.sources` entry-point group
(its entry-point name is its `kind`); EchoDash's own senders are registered the same way.
This list is pinned by tests/sources/test_public_api.py: it changes only on purpose.
"""

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources._base import Guide, Handshake, Headers, Source, body_hash_key
from echodash.sources._registry import UnknownSourceError, source_class, source_classes
from echodash.sources.kit.keyfacts import KeyFacts, key_facts
from echodash.sources.kit.payload import (
    PayloadReader,
    dig,
    line,
    link,
    load_json,
    parse_time,
    text,
)
from echodash.sources.kit.signatures import (
    SecretTest,
    SignatureError,
    check_window,
    header_value,
    hex_hmac_test,
    token_test,
)
from echodash.sources.kit.titles import TitleBook

__all__ = [
    "Category",
    "EventDraft",
    "FieldValue",
    "Guide",
    "Handshake",
    "Headers",
    "KeyFacts",
    "Outcome",
    "PayloadReader",
    "SecretTest",
    "Severity",
    "SignatureError",
    "Source",
    "TitleBook",
    "UnknownSourceError",
    "body_hash_key",
    "check_window",
    "dig",
    "header_value",
    "hex_hmac_test",
    "key_facts",
    "line",
    "link",
    "load_json",
    "parse_time",
    "source_class",
    "source_classes",
    "text",
    "token_test",
]
