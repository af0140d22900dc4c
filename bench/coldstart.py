"""Cold start: `echodash serve` spawned to its first 200 from /healthz (target ≤ 1.5 s).

.venv/bin/python bench/coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from serving import EchoDashProcess


def one_start(data_dir: Path) -> float:
    server = EchoDashProcess(data_dir)
    try:
        return server.start()
    finally:
        server.stop()


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
