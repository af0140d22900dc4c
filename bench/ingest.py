"""Ingest benchmark: signed GitHub deliveries into `echodash serve` vs the reference receiver.

Both servers run pinned to CPU 0 with one worker; wrk (64 connections) runs on CPU 1 and
sends 3 KB signed JSON bodies, each with a fresh X-GitHub-Delivery id. Medians of N runs.

    .venv/bin/python bench/ingest.py [--seconds 15] [--runs 3]

Installs wrk with apt-get when it is missing. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
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

from serving import EchoDashProcess, free_port

HERE = Path(__file__).resolve().parent
SECRET = "bench-secret-0123456789abcdef0123456789"
TOKEN = "edk_bench-token-0123456789abcdef"

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


def bench_echodash(wrk: str, body: bytes, seconds: int, workdir: Path) -> tuple[float, float, int]:
    server = EchoDashProcess(
        workdir / f"echodash-{free_port()}",
        token=TOKEN,
        cpus="0",
        log=workdir / "echodash.log",
        log_level="warning",
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
        rps, p99 = run_wrk(wrk, r.json()["url"], body, seconds, workdir)
        # Every acknowledged delivery must become an event: wait for the parser to catch up.
        caught_up_from = time.monotonic()
        deadline = caught_up_from + 300
        stored = 0
        while time.monotonic() < deadline:
            page = httpx.get(base + "/metrics").text
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    wrk = ensure_wrk()
    body = body_3kb()
    results: dict[str, list[tuple[float, float]]] = {"reference": [], "echodash": []}
    with tempfile.TemporaryDirectory(prefix="echodash-bench-") as tmp:
        workdir = Path(tmp)
        for i in range(args.runs):
            results["reference"].append(bench_reference(wrk, body, args.seconds, workdir))
            rps, p99, stored = bench_echodash(wrk, body, args.seconds, workdir)
            results["echodash"].append((rps, p99))
            print(
                f"run {i + 1}: reference {results['reference'][-1][0]:,.0f} req/s, "
                f"echodash {rps:,.0f} req/s (p99 {p99:.1f} ms, {stored:,} events stored)",
                flush=True,
            )
    ref_rps = statistics.median(r for r, _ in results["reference"])
    ref_p99 = statistics.median(p for _, p in results["reference"])
    ed_rps = statistics.median(r for r, _ in results["echodash"])
    ed_p99 = statistics.median(p for _, p in results["echodash"])
    print(
        f"body {len(body)} bytes, {args.runs} runs x {args.seconds} s, "
        "wrk -c 64 on CPU 1, servers on CPU 0"
    )
    print("| receiver | req/s (median) | p99 ms (median) |")
    print("|---|---|---|")
    print(f"| reference: verify + parse + SQLite group commit | {ref_rps:,.0f} | {ref_p99:.1f} |")
    print(f"| echodash serve (SQLite) | {ed_rps:,.0f} | {ed_p99:.1f} |")
    print(
        f"ratio: {ed_rps / ref_rps:.2f} x reference (target >= 0.80), "
        f"p99 {ed_p99:.1f} ms (target <= 25)"
    )


if __name__ == "__main__":
    main()
