"""Acknowledgements while a history import runs: the receive path's 202 latency at a steady
rate of signed GitHub deliveries, first with nothing else going on, then while the server
imports a GitHub history in the background (`POST /api/v1/endpoints/{id}/backfill`, read from
a local server that answers like GitHub's REST API — bench/backfill.py's).

    .venv/bin/python bench/backfill_ingest.py [--rate 200] [--deployments 2000] [--runs 3]

The server is pinned to CPU 0, the sender and the local API to CPU 1. Each phase sends for as
long as the import took (at least --seconds); prints, per run, the 202s' p50/p99/max in both
phases and the import's items a second, then the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backfill import REPO, _Api, history
from serving import EchoDashProcess

TOKEN = "edk_bench-backfill-ingest-0123456789"
SECRET = "bench-backfill-ingest-secret-0123456789"


def star(n: int) -> bytes:
    return orjson.dumps(
        {
            "action": "created",
            "starred_at": None,
            "repository": {"full_name": "acme/live", "html_url": "https://github.com/acme/live"},
            "sender": {"login": f"user{n}"},
        }
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def send_steadily(url: str, rate: int, seconds: float, stop: asyncio.Event) -> list[float]:
    """Signed deliveries open-loop at `rate`/s for at least `seconds` and until `stop`; the
    seconds each took to be answered 202."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def one(n: int) -> None:
            nonlocal failures
            body = star(n)
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {
                "content-type": "application/json",
                "x-github-event": "star",
                "x-github-delivery": str(uuid.uuid4()),
                "x-hub-signature-256": f"sha256={digest}",
            }
            began = time.perf_counter()
            answer = await client.post(url, content=body, headers=headers)
            if answer.status_code == 202:
                latencies.append(time.perf_counter() - began)
            else:
                failures += 1

        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        n = 0
        while time.perf_counter() - started < seconds or not stop.is_set():
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
            n += 1
        await asyncio.gather(*tasks)
    if failures:
        raise RuntimeError(f"{failures} deliveries were not answered 202")
    return latencies


async def one_run(
    server: EchoDashProcess, api: _Api, rate: int, seconds: float
) -> dict[str, float]:
    auth = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=30) as c:
        live = (await c.post("/api/v1/endpoints", json={"kind": "github", "name": "acme/live",
                                                        "secret": SECRET})).json()  # fmt: skip
        target = (await c.post("/api/v1/endpoints", json={"kind": "github",
                                                          "name": REPO})).json()  # fmt: skip
        receive = server.url + "/in/" + live["url"].rsplit("/in/", 1)[1]

        quiet = asyncio.Event()
        quiet.set()
        alone = await send_steadily(receive, rate, seconds, quiet)

        done = asyncio.Event()
        began = time.perf_counter()
        answer = await c.post(
            f"/api/v1/endpoints/{target['id']}/backfill",
            json={"api_url": f"http://127.0.0.1:{api.server_port}", "since": "90d"},
        )
        if answer.status_code != 202:
            raise RuntimeError(f"the import did not start: {answer.text}")
        run_id = answer.json()["id"]
        progress: dict[str, object] = {}

        async def watch() -> None:
            nonlocal progress
            while True:
                progress = (await c.get(f"/api/v1/backfills/{run_id}")).json()
                if progress["status"] != "running":
                    done.set()
                    return
                await asyncio.sleep(0.2)

        watcher = asyncio.create_task(watch())
        during = await send_steadily(receive, rate, seconds, done)
        await watcher
        took = time.perf_counter() - began
        if progress["status"] != "done":
            raise RuntimeError(f"the import stopped: {progress}")
    items = float(str(progress["items"]))
    return {
        "alone_p50": percentile(alone, 0.5) * 1000,
        "alone_p99": percentile(alone, 0.99) * 1000,
        "during_p50": percentile(during, 0.5) * 1000,
        "during_p99": percentile(during, 0.99) * 1000,
        "during_max": max(during) * 1000,
        "items": items,
        "items_per_s": items / took,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="deliveries a second")
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    api = _Api(history(args.deployments))
    threading.Thread(target=api.serve_forever, daemon=True).start()
    results = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            server = EchoDashProcess(
                Path(folder) / "data", token=TOKEN, cpus="0", outbound_allow="127.0.0.0/8"
            )
            server.start()
            try:
                row = asyncio.run(one_run(server, api, args.rate, args.seconds))
            finally:
                server.stop()
        results.append(row)
        print(f"run {n + 1}: 202 p50/p99 alone {row['alone_p50']:.1f}/{row['alone_p99']:.1f} ms, "
              f"during the import {row['during_p50']:.1f}/{row['during_p99']:.1f} ms "
              f"(max {row['during_max']:.0f} ms); import {row['items']:,.0f} items at "
              f"{row['items_per_s']:,.0f} items/s")  # fmt: skip
    middle = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(
        f"median: 202 p99 alone {middle['alone_p99']:.1f} ms, during {middle['during_p99']:.1f}"
        f" ms; import {middle['items_per_s']:,.0f} items/s at {args.rate} deliveries/s"
    )
    api.shutdown()


if __name__ == "__main__":
    main()
