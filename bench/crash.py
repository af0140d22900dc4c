"""Crash test: kill -9 `echodash serve` K times while N signed GitHub deliveries arrive.

Every delivery has its own X-GitHub-Delivery id and is retried with that SAME id after a
transport error (or a 503) until it is acknowledged, as GitHub would redeliver it. At the
end the events API must show: no acknowledged delivery lost, exactly one event per delivery
key, and every stored body byte-identical to what was sent. Exits 1 if any check fails.
Loopback only; bounded in time (--timeout).

    .venv/bin/python bench/crash.py [--deliveries 20000] [--kills 10] [--timeout 900]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from serving import EchoDashProcess

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "github"
TOKEN = "edk_crash-bench-token-0123456789abcdef"
CONCURRENCY = 32


def headers(secret: str, body: bytes, event: str, delivery: str) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + signature,
        "User-Agent": "GitHub-Hookshot/crash-bench",
    }


class Run:
    def __init__(
        self, server: EchoDashProcess, endpoint: dict[str, str], n: int, kills: int
    ) -> None:
        self.server, self.endpoint = server, endpoint
        paths = sorted(FIXTURES.glob("*/*.payload.json"))
        bodies = [(p.parent.name, p.read_bytes()) for p in paths]
        assert bodies, f"no fixtures under {FIXTURES}"
        run = os.urandom(4).hex()
        self.sent = {f"crash-{run}-{i:06d}": bodies[i % len(bodies)] for i in range(n)}
        self.acked: set[str] = set()
        self.duplicate_acks = self.retries = 0
        self.unexpected: list[str] = []
        # Kill once the acknowledged count passes each of these random thresholds.
        self.kill_at = sorted(random.sample(range(n // 20, n * 19 // 20), kills))
        self.restarts: list[float] = []
        self.next_kill, self.reached = 0, asyncio.Event()  # set when acked >= next_kill

    async def send_all(self, deadline: float) -> None:
        todo = iter(self.sent)  # shared by the workers: each takes the next delivery
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
            workers = [self.worker(client, todo, deadline) for _ in range(CONCURRENCY)]
            await asyncio.gather(self.killer(deadline), *workers)

    async def worker(self, client: httpx.AsyncClient, todo: Iterator[str], deadline: float) -> None:
        url, secret = self.endpoint["url"], self.endpoint["secret"]
        for key in todo:
            event, body = self.sent[key]
            signed = headers(secret, body, event, key)  # the same delivery id on every retry
            while time.monotonic() < deadline:
                try:
                    r: httpx.Response | None = await client.post(url, content=body, headers=signed)
                except httpx.TransportError:
                    r = None
                if r is None or r.status_code == 503:  # killed or restarting: send it again
                    self.retries += 1
                    await asyncio.sleep(0.02)
                    continue
                if r.status_code == 202:
                    self.acked.add(key)
                    if len(self.acked) >= self.next_kill:
                        self.reached.set()
                    self.duplicate_acks += bool(r.json().get("duplicate"))
                    break
                self.unexpected.append(f"{key}: {r.status_code} {r.text[:200]}")
                break

    async def killer(self, deadline: float) -> None:
        for threshold in self.kill_at:
            self.next_kill = threshold
            self.reached.clear()
            try:
                await asyncio.wait_for(self.reached.wait(), deadline - time.monotonic())
            except TimeoutError:
                return
            await asyncio.sleep(random.uniform(0, 0.05))  # a random moment mid-traffic
            await asyncio.to_thread(self.server.stop, signal.SIGKILL)
            self.restarts.append(await asyncio.to_thread(self.server.start))

    async def verify(self, settle: float) -> tuple[int, int, int, int]:
        """(events, lost, duplicates, body mismatches) from the events API."""
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=self.server.url, headers=auth, timeout=30) as c:
            deadline = time.monotonic() + settle
            while True:  # the processor turns stored deliveries into events after the ack
                listed = await list_events(c, self.endpoint["id"])
                if len(listed) >= len(self.acked) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            gate = asyncio.Semaphore(CONCURRENCY)

            async def detail(event_id: int) -> tuple[str, bytes]:
                async with gate:
                    r = await c.get(f"/api/v1/events/{event_id}")
                r.raise_for_status()
                raw, delivery = r.json()["raw"], r.json()["delivery"]
                if raw["body"] is not None:
                    return delivery["key"], raw["body"].encode()
                return delivery["key"], base64.b64decode(raw["body_base64"])

            stored = await asyncio.gather(*[detail(e["id"]) for e in listed])
        by_key: dict[str, list[bytes]] = {}
        for key, body in stored:
            by_key.setdefault(key, []).append(body)
        lost = sum(1 for key in self.acked if key not in by_key)
        duplicates = sum(len(bodies) - 1 for bodies in by_key.values())
        sent = {key: body for key, (_, body) in self.sent.items()}
        mismatched = sum(any(b != sent.get(k) for b in bodies) for k, bodies in by_key.items())
        return len(listed), lost, duplicates, mismatched


async def list_events(client: httpx.AsyncClient, endpoint_id: int) -> list[dict[str, int]]:
    found: list[dict[str, int]] = []
    cursor = None
    while True:
        params = {"endpoint": endpoint_id, "limit": 500, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/events", params=params)
        r.raise_for_status()
        found.extend(r.json()["events"])
        cursor = r.json()["next_cursor"]
        if not cursor:
            return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=900.0, help="bound for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and server log")
    args = parser.parse_args()
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="echodash-crash-"))
    server = EchoDashProcess(workdir / "data", token=TOKEN)
    try:
        server.start()
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as c:
            r = c.post(server.url + "/api/v1/endpoints", json={"kind": "github", "name": "crash"})
            r.raise_for_status()
        run = Run(server, r.json(), args.deliveries, args.kills)
        asyncio.run(run.send_all(began + args.timeout * 0.7))
        sending = time.monotonic() - began
        events, lost, duplicates, mismatched = asyncio.run(run.verify(settle=120.0))
    finally:
        server.stop()
    total = time.monotonic() - began
    restarts = run.restarts or [0.0]
    rows = [  # (figure, value, failed)
        ("deliveries sent", len(run.sent), False),
        ("deliveries acknowledged", len(run.acked), len(run.acked) < len(run.sent)),
        ("  of which answered duplicate", run.duplicate_acks, False),
        ("transport errors / 503 retried", run.retries, False),
        ("unexpected answers", len(run.unexpected), bool(run.unexpected)),
        ("events", events, events != len(run.acked)),
        ("lost (acknowledged, no event)", lost, lost > 0),
        ("duplicate events", duplicates, duplicates > 0),
        ("bodies not byte-identical", mismatched, mismatched > 0),
        ("kills (SIGKILL)", f"{len(run.restarts)} of {args.kills}", len(run.restarts) < args.kills),
        ("restart -> healthy median", f"{statistics.median(restarts):.2f} s", False),
        ("restart -> healthy max", f"{max(restarts):.2f} s", max(restarts) > 3.0),
        ("sending (from start)", f"{sending:.1f} s", False),
        ("total time", f"{total:.1f} s", False),
    ]
    for name, value, bad in rows:
        print(f"{name:<32} {value!s:>14}{'   <- FAIL' if bad else ''}")
    for line in run.unexpected[:5]:
        print("unexpected:", line)
    failed = [name.strip() for name, _, bad in rows if bad]
    print("FAIL: " + "; ".join(failed) if failed else "PASS")
    if args.keep or failed:
        print(f"data dir and server log kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
