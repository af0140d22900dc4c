"""Signature checks every sender shares: the secret loop, hex HMACs in a header, shared
tokens compared in constant time, and timestamp windows.

A sender's `signed_with` (see `Source`) reads its headers and returns a `SecretTest`: given
one of the endpoint's secrets, does it sign this delivery? The base (`Source.verify`) tries
every active secret with it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping

from echodash.sources.kit.digest import HashFactory, hmac_digest

log = logging.getLogger("echodash.sources")

Headers = Mapping[str, str]  # header names arrive lower-cased; values are the raw text
SecretTest = Callable[[str], bool]


class SignatureError(Exception):
    """A delivery failed verification. `reason` is a short code shown on the endpoint."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason.replace("_", " ")


def header_value(headers: Headers, name: str, label: str) -> str:
    """The stripped value of a header that must be there; `missing_signature` if it is not."""
    value = headers.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SignatureError("missing_signature", f"the {label} header is missing")
    return value.strip()


@functools.cache
def _hex_digits(algorithm: HashFactory) -> int:
    return int(algorithm().digest_size) * 2


@functools.cache
def _hex_pattern(prefix: str, digits: int, optional: bool) -> re.Pattern[str]:
    start = f"(?:{re.escape(prefix)})?" if optional else re.escape(prefix)
    return re.compile(f"{start}([0-9a-f]{{{digits}}})", re.I | re.ASCII)


def hex_hmac_test(
    value: str,
    label: str,
    message: bytes,
    algorithm: HashFactory = hashlib.sha256,
    prefix: str = "",
    prefix_optional: bool = False,
) -> SecretTest:
    """A test for a header carrying the hex HMAC of `message` after `prefix` (`sha256=` for
    GitHub; Vercel's `sha1=` is `prefix_optional`); `malformed_signature` when it is not."""
    digits = _hex_digits(algorithm)
    found = _hex_pattern(prefix, digits, prefix_optional).fullmatch(value)
    if found is None:
        raise SignatureError("malformed_signature", f"{label} is not {digits} hex digits")
    received = bytes.fromhex(found.group(1))

    def signs(secret: str) -> bool:
        key = secret.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(hmac_digest(key, message, algorithm), received)

    return signs


def token_test(value: str, label: str) -> SecretTest:
    """A test for a header that carries the shared secret itself (Cloudflare, GitLab)."""
    try:
        presented = value.encode("utf-8", "surrogatepass")
    except UnicodeError:
        raise SignatureError("bad_signature", f"{label} is not readable") from None
    return lambda secret: hmac.compare_digest(presented, secret.encode("utf-8", "surrogatepass"))


def check_window(moment: float, tolerance: float, label: str = "signed at") -> None:
    """`stale_timestamp` unless `moment` (Unix seconds) is within ±`tolerance` of now."""
    if abs(time.time() - moment) > tolerance:
        raise SignatureError("stale_timestamp", f"{label} {moment:.0f}, outside ±{tolerance:.0f} s")


def digest_test(
    received: bytes, message: bytes, algorithm: HashFactory = hashlib.sha256
) -> SecretTest:
    """A test for a raw HMAC digest a sender sent in any encoding the caller decoded (hex,
    base64…): does the secret's HMAC of `message` equal it (constant time)?"""

    def signs(secret: str) -> bool:
        key = secret.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(hmac_digest(key, message, algorithm), received)

    return signs
