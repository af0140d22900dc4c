"""Live fan-out benchmark: N subscribers on `/api/v1/stream` while signed GitHub deliveries
arrive open-loop at R/s.

    .venv/bin/python bench/fanout.py --subscribers 1000 --rate 100 --seconds 20
    .venv/bin/python bench/fanout.py --subscribers 1000 --rate 100 --database postgres --nodes 2

The server is pinned to CPU 0; the load (the sender and the subscribers) to CPU 1. Each
delivery is a GitHub ping whose `hook_id` is its sequence number (signed like any other);
subscribers find it in the event JSON, so a receipt is matched to the sender's 202 without
parsing JSON. Figures: latency from each delivery's 202 to each subscriber's receipt (p50,
p99, max), the 202s' p99 (and the same rate with no subscribers, the reference), events missed
(deliveries some subscriber never got, after resyncs), resyncs, the server's peak RSS, and the
share of a core the server and the subscribers used while the deliveries were sent. A
subscriber told to `resync` reconnects with its `Last-Event-ID`, as clients do.

The subscribers are `sse_reader.c` beside this file (`--reader native`, the default: one epoll
process for every stream, compiled with `cc` into ~/.cache/echodash-bench when missing or older
than its source) or asyncio processes of 250 streams each (`--reader python`), which cannot
keep up with 1,000 streams at 100 events/s on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing as mp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from serving import EchoDashProcess

HERE = Path(__file__).resolve().parent
SECRET = "fanout-bench-secret"
TOKENS_PER_CALLER = 20  # MAX_STREAMS_PER_CALLER: one workspace token per 20 streams
HOOK = re.compile(rb'"hook_id":(\d+)')
LAST_ID = re.compile(rb"(?:^|\n)id: (\d+)\n")
SETTLE_AFTER = 10.0  # seconds after the last send for stragglers


def ping_body(n: int) -> bytes:
    fixtures = HERE.parent.parent / "shared" / "fixtures" / "github" / "ping"
    document = orjson.loads(sorted(fixtures.glob("*.payload.json"))[0].read_bytes())
    document["hook_id"] = n
    return orjson.dumps(document)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# The subscribers: a few processes of raw asyncio connections.


class _Stream(asyncio.Protocol):
    def __init__(self, client: _Subscribers, index: int) -> None:
        self.client = client
        self.index = index
        self.pending = b""
        self.headers_done = False
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        data = self.pending + data
        if not self.headers_done:
            head, sep, data = data.partition(b"\r\n\r\n")
            if not sep:
                self.pending = head
                return
            self.headers_done = True
            ok = head.startswith(b"HTTP/1.1 200")
            self.client.answered(ok)
            if not ok:
                self.pending = b""
                return
        # Whole SSE blocks only (chunk framing lines are harmless to these patterns).
        cut = data.rfind(b"\n\n")
        if cut < 0:
            self.pending = data
            return
        ready, self.pending = data[: cut + 2], data[cut + 2 :]
        hooks = HOOK.findall(ready)
        if hooks:
            self.client.hooks.extend(int(h) for h in hooks)
            self.client.who.extend([self.index] * len(hooks))
            self.client.times.extend([now] * len(hooks))
        ids = LAST_ID.findall(ready)
        if ids:
            self.client.last_ids[self.index] = int(ids[-1])
        if b"event: resync" in ready and self.transport is not None:
            # The response ended; reconnect with the id it gave (as EventSource does).
            self.client.resyncs += 1
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Subscribers:
    def __init__(self, ports: list[int], tokens: list[str], first: int, count: int) -> None:
        self.ports = ports
        self.tokens = tokens
        self.first = first
        self.count = count
        self.hooks = array("q")
        self.who = array("i")
        self.times = array("d")
        self.last_ids: dict[int, int] = {}
        self.connected = 0
        self.refused = 0
        self.resyncs = 0
        self.stopping = False
        self.all_in = asyncio.get_running_loop().create_future()

    def answered(self, ok: bool) -> None:
        if ok:
            self.connected += 1
        else:
            self.refused += 1
        if self.connected + self.refused >= self.count and not self.all_in.done():
            self.all_in.set_result(None)

    async def _one(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        token = self.tokens[index // TOKENS_PER_CALLER]
        while not self.stopping:
            last = self.last_ids.get(index)
            resume = f"Last-Event-ID: {last}\r\n" if last is not None else ""
            transport, stream = await loop.create_connection(
                lambda: _Stream(self, index), "127.0.0.1", self.ports[index % len(self.ports)]
            )
            transport.write(
                f"GET /api/v1/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}"
                f"\r\n{resume}\r\n".encode()
            )
            await stream.closed  # ended by a resync (or the server)

    async def run(self, ready: Any, stop: Any) -> None:
        tasks = [
            asyncio.create_task(self._one(i)) for i in range(self.first, self.first + self.count)
        ]
        loop = asyncio.get_running_loop()
        await self.all_in
        ready.set()
        await loop.run_in_executor(None, stop.wait)
        self.stopping = True
        for task in tasks:
            task.cancel()


def subscriber_process(
    ports: list[int], tokens: list[str], first: int, count: int, ready: Any, stop: Any, out: Any
) -> None:
    os.sched_setaffinity(0, {1})
    import uvloop

    async def main() -> _Subscribers:
        client = _Subscribers(ports, tokens, first, count)
        await client.run(ready, stop)
        return client

    client = uvloop.run(main())
    out.put(
        (
            client.hooks.tobytes(),
            client.who.tobytes(),
            client.times.tobytes(),
            client.refused,
            client.resyncs,
        )
    )


# The native subscribers: bench/sse_reader.c, one epoll process for every stream.

READER_SOURCE = HERE / "sse_reader.c"
READER_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "echodash-bench"


def native_reader() -> Path:
    """The compiled reader, built again when missing or older than its source."""
    binary = READER_CACHE / "sse_reader"
    if not binary.exists() or binary.stat().st_mtime < READER_SOURCE.stat().st_mtime:
        READER_CACHE.mkdir(parents=True, exist_ok=True)
        compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or "cc"
        partial = binary.with_suffix(f".{os.getpid()}")
        subprocess.run(
            [compiler, "-O2", "-Wall", "-o", str(partial), str(READER_SOURCE)], check=True
        )
        partial.replace(binary)
    return binary


class NativeSubscribers:
    """All subscribers in one process; figures computed by the reader from the 202 times."""

    def __init__(self, work: Path, ports: list[int], tokens: list[str], count: int) -> None:
        self.work = work
        (work / "tokens.txt").write_text("".join(t + "\n" for t in tokens))
        self.acks = work / "acks.bin"
        self.out = work / "reader.txt"
        self.ports = ports
        self.count = count
        self.process: subprocess.Popen[str] | None = None

    def start(self, max_hook: int, stall: tuple[int, float] = (0, 0.0)) -> tuple[int, int]:
        """Open the streams; (connected, refused) once each has its answer. `stall`: the
        first K subscribers leave their streams unread for S seconds (to see resyncs)."""
        self.process = subprocess.Popen(
            [
                str(native_reader()),
                "--port", ",".join(str(p) for p in self.ports),
                "--tokens", str(self.work / "tokens.txt"),
                "--subscribers", str(self.count),
                "--per-token", str(TOKENS_PER_CALLER),
                "--max-hook", str(max_hook),
                "--acks", str(self.acks),
                "--out", str(self.out),
                "--cpu", "1",
                "--stall-first", str(stall[0]),
                "--stall-seconds", str(stall[1]),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError("subscribers did not connect")
        return int(line[1]), int(line[2])

    def finish(self, answers: list[tuple[float, float, int]]) -> dict[str, float]:
        """Stop reading; the reader's figures against each delivery's 202 time."""
        acks = array("d", (answered if status == 202 else 0.0 for _, answered, status in answers))
        self.acks.write_bytes(acks.tobytes())
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(300) != 0:
            raise RuntimeError(f"the reader failed ({self.process.returncode})")
        figures = {}
        for line in self.out.read_text().splitlines():
            key, _, value = line.partition(" ")
            figures[key] = float(value)
        return figures


# The sender: open-loop signed deliveries over a pool of keep-alive connections.


class _Answer(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.waiter: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head, sep, body = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        if len(body) < length:
            return
        self.buffer = body[length:]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(int(head.split(b" ", 2)[1]))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True  # e.g. closed by the server's keep-alive timeout while idle
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(0)


async def send_all(
    port: int, slug: str, rate: float, seconds: float
) -> list[tuple[float, float, int]]:
    """(when it was due, when it was answered, status) per delivery n (index n - 1)."""
    loop = asyncio.get_running_loop()
    idle: list[_Answer] = []
    results: list[tuple[float, float, int]] = [(0.0, 0.0, 0)] * int(rate * seconds)

    async def one(n: int, due: float) -> None:
        body = ping_body(n)
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = (
            f"POST /in/{slug} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"X-GitHub-Event: ping\r\nX-GitHub-Delivery: {uuid.uuid4()}\r\n"
            f"X-Hub-Signature-256: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        while idle and idle[-1].lost:
            idle.pop()
        if idle:
            conn = idle.pop()
        else:
            _, conn = await loop.create_connection(_Answer, "127.0.0.1", port)
        conn.waiter = loop.create_future()
        assert conn.transport is not None
        conn.transport.write(request)
        try:
            status = await asyncio.wait_for(conn.waiter, 60)
        except TimeoutError:
            status = 0
        results[n - 1] = (due, time.monotonic(), status)
        if status:
            idle.append(conn)

    start = time.monotonic() + 0.2
    tasks = []
    for i in range(len(results)):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i + 1, due)))
    await asyncio.gather(*tasks)
    return results


def sender_process(port: int, slug: str, rate: float, seconds: float, out: Any) -> None:
    os.sched_setaffinity(0, {1})
    import uvloop

    out.put(uvloop.run(send_all(port, slug, rate, seconds)))


# Setting up: tokens (one per 20 streams), the endpoint, the server.


async def _seed(database_url: str, tokens: list[str]) -> None:
    from echodash.crypto import hash_token
    from echodash.store import open_store

    store = open_store(database_url)
    await store.open()
    try:
        workspace = await store.ensure_default_workspace()
        for n, token in enumerate(tokens):
            await store.create_api_token(workspace, f"bench-{n}", hash_token(token), "admin")
    finally:
        await store.close()


def rss_peak_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmHWM"], values["VmRSS"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_cell(
    subscribers: int,
    rate: float,
    seconds: float,
    database: str,
    reader: str = "native",
    nodes: int = 1,
    stall: tuple[int, float] = (0, 0.0),
    server_settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One run. With several nodes (PostgreSQL), subscriber i watches node i mod nodes and
    every delivery goes to the first node; CPU is the nodes' sum, RSS the largest peak."""
    import httpx

    work = Path(tempfile.mkdtemp(prefix="echodash-fanout-"))
    callers = max(1, -(-subscribers // TOKENS_PER_CALLER))
    tokens = [f"edk_fanout-bench-{n:04d}-0123456789abcdef" for n in range(callers)]
    settings: dict[str, str] = {"log_level": "warning", **(server_settings or {})}
    database_url = f"sqlite:///{work / 'data' / 'echodash.db'}"
    pg = None
    native: NativeSubscribers | None = None
    if database == "postgres":
        from ingest import PgDatabase

        pg = PgDatabase("postgresql://postgres@127.0.0.1:5432", "fanout")
        database_url = pg.__enter__().url
        settings["database"] = database_url
        settings["secret_key"] = "fanout-bench-shared-key-0123456789"  # one for every node
    (work / "data").mkdir(parents=True)
    os.chmod(work / "data", 0o700)
    asyncio.run(_seed(database_url, tokens))
    servers = [EchoDashProcess(work / "data", cpus="0", **settings)]
    for n in range(1, nodes):
        (work / f"data{n}").mkdir(mode=0o700)
        servers.append(EchoDashProcess(work / f"data{n}", cpus="0", **settings))
    server = servers[0]
    ports = [node.port for node in servers]
    try:
        for node in servers:
            node.start(timeout=120)
        pids = [node.process.pid for node in servers if node.process is not None]
        api = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30
        )
        endpoint = api.post(
            "/api/v1/endpoints", json={"kind": "github", "name": "bench", "secret": SECRET}
        ).json()
        slug = endpoint["slug"]
        ctx = mp.get_context("spawn")
        stop = ctx.Event()
        out = ctx.Queue()
        procs: list[Any] = []
        refused = 0
        if subscribers and reader == "native":
            native = NativeSubscribers(work, ports, tokens, subscribers)
            _, refused = native.start(max_hook=int(rate * seconds), stall=stall)
        elif subscribers:
            per = max(1, min(250, subscribers))
            readies = []
            for first in range(0, subscribers, per):
                ready = ctx.Event()
                count = min(per, subscribers - first)
                p = ctx.Process(
                    target=subscriber_process,
                    args=(ports, tokens, first, count, ready, stop, out),
                )
                p.start()
                procs.append(p)
                readies.append(ready)
            for ready in readies:
                if not ready.wait(120):
                    raise RuntimeError("subscribers did not connect")
        time.sleep(1.0)
        sends = ctx.Queue()
        sender = ctx.Process(target=sender_process, args=(server.port, slug, rate, seconds, sends))
        clients = [native.process.pid] if native is not None and native.process else []
        clients += [p.pid for p in procs if p.pid is not None]
        cpu_before, wall_before = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
        clients_before = sum(cpu_seconds(pid) for pid in clients)
        sender.start()
        answers: list[tuple[float, float, int]] = sends.get(timeout=seconds * 10 + 120)
        sender.join()
        wall = time.monotonic() - wall_before
        server_cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / wall
        clients_cpu = (sum(cpu_seconds(pid) for pid in clients) - clients_before) / wall
        time.sleep(SETTLE_AFTER if subscribers else 0)
        stop.set()
        figures = native.finish(answers) if native is not None else None
        received = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(30)
        peak, current = max(rss_peak_mb(pid) for pid in pids)
    finally:
        if native is not None and native.process is not None and native.process.poll() is None:
            native.process.kill()
        for node in servers:
            node.stop()
        if pg is not None:
            pg.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    delivered = {n + 1 for n, (_, _, status) in enumerate(answers) if status == 202}
    acks = [(answered - due) for due, answered, status in answers if status == 202]
    if figures is not None:
        live = {
            "received": int(figures["received"]),
            "live_p50_ms": figures["live_p50"] * 1000,
            "live_p99_ms": figures["live_p99"] * 1000,
            "live_max_ms": figures["live_max"] * 1000,
            "missed": int(figures["missed"]),
            "refused_streams": refused,
            "resyncs": int(figures["resyncs"]),
        }
    else:
        live = python_figures(received, answers, delivered, subscribers)
    return {
        "subscribers": subscribers,
        "rate": rate,
        "reader": reader,
        "sent": len(answers),
        "accepted": len(delivered),
        **live,
        "server_cpu": server_cpu,
        "subscribers_cpu": clients_cpu,
        "rss_peak_mb": peak,
        "rss_end_mb": current,
        "ack_p50_ms": percentile(acks, 0.50) * 1000,
        "ack_p99_ms": percentile(acks, 0.99) * 1000,
    }


def python_figures(
    received: list[Any],
    answers: list[tuple[float, float, int]],
    delivered: set[int],
    subscribers: int,
) -> dict[str, Any]:
    """The Python subscribers' receipts against each delivery's 202 time."""
    latencies: list[float] = []
    got: dict[int, set[int]] = {}
    refused = resyncs = 0
    for hooks_b, who_b, times_b, refused_n, resync_n in received:
        hooks, who, times = array("q"), array("i"), array("d")
        hooks.frombytes(hooks_b)
        who.frombytes(who_b)
        times.frombytes(times_b)
        refused += refused_n
        resyncs += resync_n
        for hook, sub, at in zip(hooks, who, times, strict=True):
            seen = got.setdefault(sub, set())
            if 1 <= hook <= len(answers) and answers[hook - 1][2] == 202 and hook not in seen:
                seen.add(hook)
                latencies.append(at - answers[hook - 1][1])
    missed = sum(len(delivered - got.get(sub, set())) for sub in range(subscribers))
    return {
        "received": len(latencies),
        "live_p50_ms": percentile(latencies, 0.50) * 1000,
        "live_p99_ms": percentile(latencies, 0.99) * 1000,
        "live_max_ms": (max(latencies) if latencies else float("nan")) * 1000,
        "missed": missed,
        "refused_streams": refused,
        "resyncs": resyncs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000])
    parser.add_argument("--rate", type=float, nargs="+", default=[100.0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--no-reference", action="store_true", help="skip the 0-subscriber run")
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="EchoDash processes sharing one PostgreSQL database (needs --database postgres)",
    )
    parser.add_argument(
        "--reader",
        choices=["native", "python"],
        default="native",
        help="the subscribers: bench/sse_reader.c (compiled on first use) or asyncio processes",
    )
    parser.add_argument(
        "--stall",
        metavar="K:SECONDS",
        default="0:0",
        help="native reader: the first K subscribers read nothing until SECONDS after the reader "
        "starts (about 1.2 s before the first send), like stuck tabs (to see resyncs)",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting for the run (ECHODASH_NAME), e.g. stream_backlog_bytes=65536",
    )
    args = parser.parse_args()
    count, _, stall_seconds = args.stall.partition(":")
    stall = (int(count), float(stall_seconds or 0))
    if stall[0] and args.reader != "native":
        parser.error("--stall needs --reader native")
    server_settings = dict(item.split("=", 1) for item in args.setting)
    if args.nodes > 1 and args.database != "postgres":
        parser.error("--nodes above 1 needs --database postgres")
    print(f"load average before: {os.getloadavg()}", flush=True)
    header = (
        "| subscribers | deliveries/s | live p50 | live p99 | live max | missed | resyncs "
        "| 202 p99 | 202 p99, no subscribers | server RSS peak | server CPU "
        "| subscribers' CPU |"
    )
    print(header)
    print("|" + "---|" * 12)
    for rate in args.rate:
        reference = float("nan")
        if not args.no_reference:
            reference = run_cell(
                0,
                rate,
                args.seconds,
                args.database,
                nodes=args.nodes,
                server_settings=server_settings,
            )["ack_p99_ms"]
        for subscribers in args.subscribers:
            r = run_cell(
                subscribers,
                rate,
                args.seconds,
                args.database,
                args.reader,
                args.nodes,
                stall,
                server_settings,
            )
            print(
                f"| {subscribers:,} | {rate:,.0f} | {r['live_p50_ms']:.0f} ms "
                f"| {r['live_p99_ms']:.0f} ms | {r['live_max_ms']:.0f} ms | {r['missed']:,} "
                f"| {r['resyncs']:,} | {r['ack_p99_ms']:.1f} ms | {reference:.1f} ms "
                f"| {r['rss_peak_mb']:.0f} MB | {r['server_cpu']:.0%} "
                f"| {r['subscribers_cpu']:.0%} |",
                flush=True,
            )
            print(
                f"  {args.reader} reader: {r['received']:,} receipts "
                f"of {r['accepted']:,} deliveries"
            )
            if r["refused_streams"] or r["accepted"] != r["sent"]:
                print(
                    f"  ! {r['refused_streams']} streams refused, {r['accepted']}/{r['sent']} 202"
                )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
