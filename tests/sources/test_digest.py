"""The GIL-friendly HMAC equals the standard library's for every key and body shape."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from echodash.sources.kit.digest import hmac_digest, sha256_hex


@given(
    key=st.binary(min_size=0, max_size=300),
    body=st.binary(min_size=0, max_size=9000),
    algorithm=st.sampled_from([hashlib.sha1, hashlib.sha256, hashlib.sha512]),
)
def test_hmac_matches_the_standard_library(key: bytes, body: bytes, algorithm: object) -> None:
    assert hmac_digest(key, body, algorithm) == hmac.new(key, body, algorithm).digest()  # type: ignore[arg-type]


def test_github_vector() -> None:
    digest = hmac_digest(b"It's a Secret to Everybody", b"Hello, World!")
    assert digest.hex() == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


@given(body=st.binary(max_size=10_000))
def test_sha256_matches_the_standard_library(body: bytes) -> None:
    assert sha256_hex(body) == hashlib.sha256(body).hexdigest()
