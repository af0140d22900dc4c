"""Signed deliveries while a member previews the worst feed template the limits allow.

The server runs pinned to CPU 0 (its template children inherit that); this script, on CPU 1,
sends signed GitHub deliveries open-loop at a fixed rate and records each 202's latency:
first alone ("quiet"), then while a signed-in member previews, as fast as previews are let
through, templates that each work until the sandbox's limit (0.25 s of rendering) or ask for
a gigabyte in one step. Target: the deliveries' p99 under attack ≤ 2x their quiet p99.

    .venv/bin/python bench/preview_attack.py [--rate 200] [--seconds 10] [--runs 3] [--disk]

The data directory is on /dev/shm unless --disk is given: this machine's disk now and then
stalls an fsync for seconds (quiet runs alone showed p99s from 8 ms to 14 s), which would
swamp what is measured here — what previews cost the event loop and the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import os
import re
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from serving import EchoDashProcess

TOKEN = "edk_bench-preview-0123456789abcdef"
SECRET = "bench-preview-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
WORST = (
    # Works until the 0.25 s deadline, in the render child.
    '{% for i in ("x " * 100).split() %}'
    + '{{ ("ab " * 33333) | wordcount }}' * 4
    + "{% endfor %}",
    # A gigabyte of text in one step (3.4 s and 1 GB on the event loop before issue 10).
    '{{ [("a" * 100000)] * 10000 }}',
)
CONNECTIONS = 32
BODY = b'{"zen": "Approachable is better than simple.", "hook_id": 42}'


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def _member(server: EchoDashProcess) -> httpx.Client:
    """The first admin (from the setup link in the log), then a member they invite."""
    deadline = time.monotonic() + 10
    while not (found := re.search(r"create the first admin at (\S+)", server.log.read_text())):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    admin = httpx.Client(base_url=server.url, timeout=30)
    link = found.group(1).removeprefix(server.url)
    account = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
    admin.post(link, data={"csrf": _csrf(admin.get(link).text), **account})
    invited = admin.post(
        "/settings/invitations",
        data={"csrf": _csrf(admin.get("/settings/members").text), "role": "member"},
    )
    invite = re.search(r"/invite/[A-Za-z0-9_-]+", invited.text)
    assert invite, invited.text
    member = httpx.Client(base_url=server.url, timeout=30)
    account = {"name": "Bob", "email": "bob@example.com", "password": PASSWORD}
    joined = member.post(
        invite.group(0), data={"csrf": _csrf(member.get(invite.group(0)).text), **account}
    )
    assert joined.status_code == 303, joined.text
    member.headers["X-CSRF-Token"] = _csrf(member.get("/settings").text)
    return member


async def _deliveries(url: str, rate: float, seconds: float, warmup: float = 2.0) -> list[float]:
    """Open loop: a delivery every 1/rate s whatever the answers do, over CONNECTIONS kept-alive
    connections; each latency counts from when the delivery was due (a delivery waiting for a
    free connection waits on the clock too). The first `warmup` seconds are not counted.

    A few lines of asyncio instead of an HTTP library: the load generator must cost little
    and steadily, or its own pauses show up as the server's."""
    parts = urlsplit(url)
    signature = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nX-GitHub-Event: ping\r\n"
        f"X-Hub-Signature-256: {signature}\r\nContent-Length: {len(BODY)}\r\n"
    )
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        free.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))
    latencies: list[float] = []

    async def one(due: float, counted: bool) -> None:
        reader, writer = await free.get()
        writer.write(f"{head}X-GitHub-Delivery: {uuid.uuid4()}\r\n\r\n".encode() + BODY)
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if b" 202 " not in status:
            raise RuntimeError(f"delivery answered {status!r}")
        if counted:
            latencies.append(time.perf_counter() - due)
        free.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * (warmup + seconds))):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, n >= rate * warmup)))
    await asyncio.gather(*tasks)
    while not free.empty():
        free.get_nowait()[1].close()
    return latencies


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000


def _attack(member: httpx.Client, stop: threading.Event, tally: dict[str, int]) -> None:
    n = 0
    while not stop.is_set():
        answer = member.post(
            "/templates/github:ping/preview", data={"title": WORST[n % len(WORST)]}
        )
        key = str(answer.status_code)
        tally[key] = tally.get(key, 0) + 1
        n += 1
        if answer.status_code == 429:
            time.sleep(0.05)


def run(rate: float, seconds: float, workdir: Path) -> tuple[float, float, dict[str, int]]:
    server = EchoDashProcess(workdir / "data", token=TOKEN, cpus="0")
    server.start()
    try:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ) as api:
            endpoint = api.post(
                "/api/v1/endpoints", json={"kind": "github", "name": "bench", "secret": SECRET}
            ).json()
        member = _member(server)
        asyncio.run(_deliveries(endpoint["url"], 20, 0, 0.5))  # samples of the type to preview
        quiet = asyncio.run(_deliveries(endpoint["url"], rate, seconds))
        stop, tally = threading.Event(), {}
        attacker = threading.Thread(target=_attack, args=(member, stop, tally))
        attacker.start()
        time.sleep(1)  # the render child is up and busy
        try:
            loaded = asyncio.run(_deliveries(endpoint["url"], rate, seconds))
        finally:
            stop.set()
            attacker.join()
        return _p99(quiet), _p99(loaded), tally
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--disk", action="store_true", help="data on disk, not /dev/shm")
    args = parser.parse_args()
    where = None if args.disk or not Path("/dev/shm").is_dir() else "/dev/shm"
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {1})
    results = []
    for number in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="echodash-bench-", dir=where) as folder:
            quiet, loaded, tally = run(args.rate, args.seconds, Path(folder))
        results.append((quiet, loaded))
        print(
            f"run {number + 1}: p99 quiet {quiet:.1f} ms, under attack {loaded:.1f} ms "
            f"({loaded / quiet:.2f}x); previews answered {tally}"
        )
    quiet = statistics.median(r[0] for r in results)
    loaded = statistics.median(r[1] for r in results)
    print(
        f"\nmedian of {args.runs}: {args.rate:g} deliveries/s, p99 quiet {quiet:.1f} ms, "
        f"under attack {loaded:.1f} ms = {loaded / quiet:.2f}x (target: at most 2x)"
    )


if __name__ == "__main__":
    main()
