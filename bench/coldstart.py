"""Cold start: `echodash serve` spawned to its first 200 from /healthz (target ≤ 1.5 s).

.venv/bin/python bench/coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ECHODASH = str(Path(sys.executable).with_name("echodash"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_start(data_dir: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
    env |= {"ECHODASH_DATA_DIR": str(data_dir), "ECHODASH_PORT": str(port)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [ECHODASH, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.monotonic() - started < 30:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                time.sleep(0.005)
        raise RuntimeError("no 200 within 30 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="echodash-coldstart-") as tmp:
        first = one_start(Path(tmp) / "fresh")  # creates the database and runs migrations
        again = [one_start(Path(tmp) / "fresh") for _ in range(args.runs)]
    print(f"first start (new data dir): {first:.2f} s")
    print(
        f"restarts: median {statistics.median(again):.2f} s, max {max(again):.2f} s "
        f"over {args.runs} runs (target <= 1.5 s)"
    )


if __name__ == "__main__":
    main()
