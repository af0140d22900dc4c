"""Custom events: one `POST /api/v1/events` batch of 10,000 events (target: stored ≤ 2 s).

Measures the call itself (the 202 comes only after every event is durable), and separately
how long until all of them are feed events (parsed after the answer, off the request path).

.venv/bin/python bench/custom_events.py [--events 10000] [--runs 5] [--database postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson

from serving import EchoDashProcess

TOKEN = "edk_bench-custom-0123456789abcdef"


def batch(size: int, run: int) -> bytes:
    events = [
        {
            "event": ("Page viewed", "Signed up", "Upgraded plan", "Invited teammate")[n % 4],
            "source": "web-app",
            "distinct_id": f"u_{n % 997}",
            "timestamp": f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
            "values": {"path": f"/docs/page-{n % 50}", "plan": "team", "seats": n % 40},
            "id": f"run{run}-evt{n}",
        }
        for n in range(size)
    ]
    return orjson.dumps({"batch": events})


def custom_events_stored(client: httpx.Client) -> int:
    text = client.get("/metrics").text
    found = re.search(r'echodash_events_total\{source="custom"\} ([\d.e+]+)', text)
    return int(float(found.group(1))) if found else 0


@contextlib.contextmanager
def database(kind: str) -> Iterator[dict[str, str]]:
    if kind == "sqlite":
        yield {}
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from private_pg import PrivatePostgres

    with PrivatePostgres() as pg:
        yield {"database": pg.url}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    calls: list[float] = []
    parsed: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="echodash-custom-") as tmp,
        database(args.database) as extra,
    ):
        server = EchoDashProcess(Path(tmp) / "data", token=TOKEN, **extra)
        server.start()
        try:
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
            ) as client:
                client.post("/api/v1/events", json={"event": "warm-up"}).raise_for_status()
                for run in range(args.runs):
                    body = batch(args.events, run)
                    before = custom_events_stored(client)
                    started = time.perf_counter()
                    answer = client.post(
                        "/api/v1/events",
                        content=body,
                        headers={"content-type": "application/json"},
                    )
                    calls.append(time.perf_counter() - started)
                    assert answer.status_code == 202, answer.text
                    assert answer.json()["accepted"] == args.events, answer.text
                    while custom_events_stored(client) < before + args.events:
                        time.sleep(0.02)
                    parsed.append(time.perf_counter() - started)
                    print(
                        f"run {run + 1}: 202 after {calls[-1]:.2f} s "
                        f"({len(body) / 1e6:.1f} MB), all in the feed after {parsed[-1]:.2f} s",
                        flush=True,
                    )
        finally:
            server.stop()
    print()
    print("command: " + " ".join([".venv/bin/python", *sys.argv]))
    print(f"host: {platform.platform()}, {platform.machine()}, Python {platform.python_version()}")
    print(
        f"{args.events:,} events per batch, {args.runs} runs, {args.database}: "
        f"202 median {statistics.median(calls):.2f} s (max {max(calls):.2f} s, target <= 2 s); "
        f"feed median {statistics.median(parsed):.2f} s"
    )


if __name__ == "__main__":
    main()
