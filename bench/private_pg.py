"""A private PostgreSQL server for benchmarks, pinned to chosen CPUs.

The machine's shared server runs wherever the scheduler puts it, often on the receivers' CPU,
and its placement swung the figures by ±30 % between runs. A private cluster started under
`taskset` keeps every backend on the load generator's CPU instead, the same for both
receivers. Default settings (fsync on, synchronous_commit on), as a fresh install has them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from serving import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


class PrivatePostgres:
    def __init__(self, cpus: str = "1") -> None:
        self.cpus = cpus
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="echodash-bench-pg-"))
        self.data = self.root / "data"
        # PostgreSQL will not run as root: the cluster belongs to the postgres user.
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)

    @property
    def url(self) -> str:
        """The server's URL without a database name."""
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def __enter__(self) -> PrivatePostgres:
        self._run(_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "taskset", "-c", self.cpus, _bin("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "server.log"), "-w", "start",
        )  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
