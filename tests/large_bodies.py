"""Large and deeply nested delivery bodies (valid JSON), as the security review sent them."""

from __future__ import annotations

import orjson

ITEMS = 100_000


def big_body() -> bytes:
    """About 4.8 MB: a batch of 100,000 small records, as an export or sync hook sends."""
    users = [{"id": n, "login": f"user-{n}", "active": n % 3 == 0} for n in range(ITEMS)]
    return orjson.dumps({"total": ITEMS, "users": users})


def nested_body(depth: int) -> bytes:
    """A JSON object nested `depth` levels deep (orjson re-dumps 254 levels at most)."""
    return b'{"level":' * (depth - 1) + b'{"bottom":true}' + b"}" * (depth - 1)
