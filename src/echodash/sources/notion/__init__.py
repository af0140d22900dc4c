"""Notion: an integration's webhook subscription, and the verification-token handshake."""

from echodash.sources.notion.reader import REDACTED, TOKEN_FIELD, VERIFICATION_TYPE
from echodash.sources.notion.source import (
    VERIFICATION_TITLE,
    NotionSource,
    redacted_fields,
    redacted_handshake,
)

__all__ = [
    "REDACTED",
    "TOKEN_FIELD",
    "VERIFICATION_TITLE",
    "VERIFICATION_TYPE",
    "NotionSource",
    "redacted_fields",
    "redacted_handshake",
]
