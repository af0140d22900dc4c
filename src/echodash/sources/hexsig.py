"""Checking a header that carries a hex HMAC of the body (Sentry, Linear, Vercel, …)."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Sequence

from echodash.sources.base import Headers, SignatureError
from echodash.sources.digest import HashFactory, match_hex_hmac

log = logging.getLogger("echodash.sources")


@functools.cache
def _pattern(prefix: str, digits: int) -> re.Pattern[str]:
    return re.compile(f"(?:{re.escape(prefix)})?([0-9a-f]{{{digits}}})", re.I | re.ASCII)


def verify_hex_hmac(
    headers: Headers,
    header: str,
    label: str,
    body: bytes,
    secrets: Sequence[str],
    algorithm: HashFactory = hashlib.sha256,
    prefix: str = "",
) -> int:
    """Index of the active secret whose HMAC of `body` the `header` (lower-case name) carries,
    as hex after an optional `prefix`; SignatureError for anything else, never another error."""
    try:
        value = headers.get(header)
    except Exception:
        value = None
    if not isinstance(value, str) or not value.strip():
        raise SignatureError("missing_signature", f"the {label} header is missing")
    digits = algorithm().digest_size * 2
    found = _pattern(prefix, digits).fullmatch(value.strip())
    if found is None:
        raise SignatureError("malformed_signature", f"{label} is not {digits} hex digits")
    try:
        matched = match_hex_hmac(found.group(1), bytes(body), secrets, algorithm)
    except Exception:  # an odd secret or body: refused, never a 500
        log.debug("%s: signature check failed", label, exc_info=True)
        matched = None
    if matched is None:
        raise SignatureError("bad_signature", f"{label} does not match any active secret")
    return matched
