"""Ingest benchmark: signed GitHub deliveries into `echodash serve` vs the reference receiver.

Both servers run pinned to CPU 0 with one worker; wrk (64 connections) runs on CPU 1 and
sends 3 KB signed JSON bodies, each with a fresh X-GitHub-Delivery id. Medians of N runs.

    .venv/bin/python bench/ingest.py [--seconds 15] [--runs 3] [--rules 100]
    .venv/bin/python bench/ingest.py --database postgres [--pg-url postgresql://HOST:PORT]
    .venv/bin/python bench/ingest.py --database postgres --only-reference

`--database sqlite` (the default) compares against bench/reference_receiver.py (SQLite group
commit). `--database postgres` compares against bench/pg_reference_receiver.py (asyncpg binary
COPY group commit); every server run, EchoDash's and the reference's, gets a fresh database on
the PostgreSQL server at --pg-url, dropped afterwards. The PostgreSQL server itself is not
pinned: its backends run wherever the OS puts them (often on CPU 0, next to the receiver
they answer), so they compete with wrk and the receiver alike, for both receivers the same
way. `--only-reference` measures the reference alone.

Installs wrk with apt-get when it is missing. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

try:
    import asyncpg
except ImportError:  # only --database postgres needs it
    asyncpg = None

from private_pg import PrivatePostgres
from serving import EchoDashProcess, free_port

HERE = Path(__file__).resolve().parent
SECRET = "bench-secret-0123456789abcdef0123456789"
TOKEN = "edk_bench-token-0123456789abcdef"
PG_URL = "postgresql://postgres@127.0.0.1:5432"

LUA = r"""
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
request = function()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("bench-%d-%d-%d", tid, counter, os.time())
  return wrk.format("POST", nil, nil, wrk.body)
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


def body_3kb() -> bytes:
    """A real push payload from the shared fixtures, trimmed or padded to about 3 KB."""
    fixtures = HERE.parent.parent / "shared" / "fixtures" / "github" / "push"
    push = orjson.loads(sorted(fixtures.glob("*.payload.json"))[0].read_bytes())
    keep = (
        "ref",
        "before",
        "after",
        "created",
        "deleted",
        "forced",
        "compare",
        "commits",
        "head_commit",
        "pusher",
        "sender",
    )
    document = {k: push[k] for k in keep if k in push}
    document["repository"] = {
        k: push["repository"][k]
        for k in ("id", "name", "full_name", "html_url", "private", "default_branch")
    }
    raw = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    pad = 3072 - len(raw) - len(',"padding":""')
    return raw.rstrip()[:-1] + b',"padding":"' + b"x" * max(pad, 0) + b'"}\n'


def settle(seconds: float = 3.0) -> None:
    """Start each measured run from a quiet disk: write out what earlier runs left dirty."""
    os.sync()
    time.sleep(seconds)


def wait_healthy(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def run_wrk(wrk: str, url: str, body: bytes, seconds: int, workdir: Path) -> tuple[float, float]:
    script = workdir / "bench.lua"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    body_lua = body.decode().replace("\\", "\\\\").replace("]]", "] ]")
    script.write_text(
        f'wrk.method = "POST"\nwrk.body = [[{body_lua}]]\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-GitHub-Event"] = "push"\n'
        f'wrk.headers["X-Hub-Signature-256"] = "{signature}"\n' + LUA
    )
    out = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            wrk,
            "-t",
            "2",
            "-c",
            "64",
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99_text, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_text.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} requests were not accepted:\n{out}")
    return rps, float(p99_text.group(1)) * scale


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["taskset", "-c", "0", *cmd], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def bench_reference(wrk: str, body: bytes, seconds: int, workdir: Path) -> tuple[float, float]:
    port = free_port()
    proc = start(
        [
            sys.executable,
            str(HERE / "reference_receiver.py"),
            str(port),
            str(workdir / "reference.db"),
            SECRET,
        ],
        dict(os.environ),
        workdir / "reference.log",
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/")
        return run_wrk(wrk, f"http://127.0.0.1:{port}/in/x", body, seconds, workdir)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


class PgDatabase:
    """A fresh PostgreSQL database for one server run, dropped on exit."""

    counter = 0

    def __init__(self, server: str, label: str) -> None:
        if asyncpg is None:
            raise SystemExit("--database postgres needs asyncpg (pip install asyncpg)")
        PgDatabase.counter += 1
        self.server = server.rstrip("/")
        self.name = f"echodash_bench_{label}_{os.getpid()}_{PgDatabase.counter}"
        self.url = f"{self.server}/{self.name}"

    def _admin(self, sql: str) -> None:
        async def run() -> None:
            conn = await asyncpg.connect(f"{self.server}/postgres")
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(run())

    def __enter__(self) -> PgDatabase:
        self._admin(f'CREATE DATABASE "{self.name}"')
        # Start every run from a clean slate: otherwise the WAL the previous run wrote is
        # checkpointed in the middle of this one (each run writes ~300 MB), slowing whichever
        # receiver happens to come second.
        self._admin("CHECKPOINT")
        return self

    def __exit__(self, *exc: object) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def bench_pg_reference(
    wrk: str, body: bytes, seconds: int, workdir: Path, server: str
) -> tuple[float, float]:
    with PgDatabase(server, "reference") as db:
        port = free_port()
        proc = start(
            [sys.executable, str(HERE / "pg_reference_receiver.py"), str(port), db.url, SECRET],
            dict(os.environ),
            workdir / "pg_reference.log",
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}/")
            return run_wrk(wrk, f"http://127.0.0.1:{port}/in/x", body, seconds, workdir)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)


def rule_documents(count: int) -> list[dict[str, object]]:
    """`count` active alert rules, most of them able to match the benchmark's pushes: the
    mix of bench/alerts_eval.py, by the rules API."""
    sys.path.insert(0, str(HERE))
    import alerts_eval

    documents = alerts_eval.rule_documents(count, random.Random(1))
    for n, document in enumerate(documents):
        if n % 4 == 0:  # a quarter aimed squarely at this benchmark's GitHub pushes
            document["match"] = {"source": "github", "type": "push"}
    return documents


def bench_echodash(
    wrk: str, body: bytes, seconds: int, workdir: Path, database: str = "", rules: int = 0
) -> tuple[float, float, int]:
    settings = {"database": database} if database else {}
    server = EchoDashProcess(
        workdir / f"echodash-{free_port()}",
        token=TOKEN,
        cpus="0",
        log=workdir / "echodash.log",
        log_level="warning",
        **settings,
    )
    server.start()
    try:
        base = server.url
        r = httpx.post(
            base + "/api/v1/endpoints",
            json={"kind": "github", "name": "bench", "secret": SECRET},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        r.raise_for_status()
        receive_url = r.json()["url"]
        for document in rule_documents(rules):
            made = httpx.post(
                base + "/api/v1/rules",
                json=document,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            made.raise_for_status()
        rps, p99 = run_wrk(wrk, receive_url, body, seconds, workdir)
        # Every acknowledged delivery must become an event: wait for the parser to catch up.
        caught_up_from = time.monotonic()
        deadline = caught_up_from + 300
        stored = 0
        while time.monotonic() < deadline:
            page = httpx.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
            m = re.search(
                r'echodash_deliveries_total\{outcome="accepted",source="github"\} ([\d.e+]+)', page
            )
            accepted = int(float(m.group(1))) if m else 0
            m2 = re.search(r'echodash_events_total\{source="github"\} ([\d.e+]+)', page)
            stored = int(float(m2.group(1))) if m2 else 0
            if stored >= accepted:
                break
            time.sleep(0.5)
        print(f"  events caught up {time.monotonic() - caught_up_from:.1f} s after the burst")
        return rps, p99, stored
    finally:
        server.stop()


def bench_echodash_pg(
    wrk: str, body: bytes, seconds: int, workdir: Path, server: str, rules: int = 0
) -> tuple[float, float, int]:
    with PgDatabase(server, "echodash") as db:
        return bench_echodash(wrk, body, seconds, workdir, database=db.url, rules=rules)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--rules", type=int, default=0, help="active alert rules in EchoDash's workspace"
    )
    parser.add_argument(
        "--pg-url",
        default="private",
        help="PostgreSQL server for --database postgres (no db name); default: a private "
        f"server pinned to CPU 1, started for the run (or e.g. {PG_URL})",
    )
    parser.add_argument(
        "--only-reference", action="store_true", help="measure the reference receiver alone"
    )
    parser.add_argument(
        "--reference-lz4",
        action="store_true",
        help="the PostgreSQL reference compresses bodies with lz4 too, as EchoDash does",
    )
    args = parser.parse_args()
    if args.reference_lz4:
        os.environ["PG_REFERENCE_LZ4"] = "1"
    postgres = args.database == "postgres"
    pinned = args.pg_url == "private"
    wrk = ensure_wrk()
    body = body_3kb()
    results: dict[str, list[tuple[float, float]]] = {"reference": [], "echodash": []}
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="echodash-bench-"))
        if postgres and args.pg_url == "private":
            args.pg_url = stack.enter_context(PrivatePostgres(cpus="1")).url
        workdir = Path(tmp)
        for i in range(args.runs):

            def reference() -> tuple[float, float]:
                settle()
                if postgres:
                    return bench_pg_reference(wrk, body, args.seconds, workdir, args.pg_url)
                return bench_reference(wrk, body, args.seconds, workdir)

            def echodash() -> tuple[float, float, int]:
                settle()
                if postgres:
                    return bench_echodash_pg(
                        wrk, body, args.seconds, workdir, args.pg_url, args.rules
                    )
                return bench_echodash(wrk, body, args.seconds, workdir, rules=args.rules)

            if args.only_reference:
                ref = reference()
                results["reference"].append(ref)
                print(
                    f"run {i + 1}: reference {ref[0]:,.0f} req/s (p99 {ref[1]:.1f} ms)",
                    flush=True,
                )
                continue
            # Alternate which goes first: the one that runs second writes while the disk still
            # flushes what the first wrote, and a fixed order would always charge that to it.
            if i % 2 == 0:
                ref = reference()
                rps, p99, stored = echodash()
            else:
                rps, p99, stored = echodash()
                ref = reference()
            results["reference"].append(ref)
            results["echodash"].append((rps, p99))
            print(
                f"run {i + 1}: reference {results['reference'][-1][0]:,.0f} req/s, "
                f"echodash {rps:,.0f} req/s (p99 {p99:.1f} ms, {stored:,} events stored)"
                + (f", ratio {rps / ref[0]:.2f}" if postgres else ""),
                flush=True,
            )
    ref_rps = statistics.median(r for r, _ in results["reference"])
    ref_p99 = statistics.median(p for _, p in results["reference"])
    reference = (
        "reference: verify + parse + PostgreSQL COPY group commit (asyncpg)"
        if postgres
        else "reference: verify + parse + SQLite group commit"
    )
    print(
        f"body {len(body)} bytes, {args.runs} runs x {args.seconds} s, "
        "wrk -c 64 on CPU 1, servers on CPU 0"
        + (f", PostgreSQL {'on CPU 1' if pinned else 'unpinned'}" if postgres else "")
    )
    print("| receiver | req/s (median) | p99 ms (median) |")
    print("|---|---|---|")
    print(f"| {reference} | {ref_rps:,.0f} | {ref_p99:.1f} |")
    if args.only_reference:
        return
    ed_rps = statistics.median(r for r, _ in results["echodash"])
    ed_p99 = statistics.median(p for _, p in results["echodash"])
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"| echodash serve ({backend}) | {ed_rps:,.0f} | {ed_p99:.1f} |")
    if postgres:
        print(
            f"ratio: {ed_rps / ref_rps:.2f} x reference (target >= 0.80), "
            f"p99 {ed_p99:.1f} ms (no p99 target for PostgreSQL)"
        )
    else:
        print(
            f"ratio: {ed_rps / ref_rps:.2f} x reference (target >= 0.80), "
            f"p99 {ed_p99:.1f} ms (target <= 25)"
        )


if __name__ == "__main__":
    main()
