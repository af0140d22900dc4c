"""Old home of the hex-HMAC header check, kept while senders move to their folders."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from echodash.sources.kit.digest import HashFactory
from echodash.sources.kit.signatures import (
    Headers,
    header_value,
    hex_hmac_test,
    match_secret,
)


def verify_hex_hmac(
    headers: Headers,
    header: str,
    label: str,
    body: bytes,
    secrets: Sequence[str],
    algorithm: HashFactory = hashlib.sha256,
    prefix: str = "",
) -> int:
    """Index of the active secret whose HMAC of `body` the `header` carries."""
    value = header_value(headers, header, label)
    return match_secret(
        secrets,
        hex_hmac_test(value, label, bytes(body), algorithm, prefix, prefix_optional=True),
        label,
    )
