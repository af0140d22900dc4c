"""Running `echodash serve` for a benchmark: a free loopback port, a clean environment,
optional CPU pinning, and the time from spawn to a healthy /healthz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ECHODASH = str(Path(sys.executable).with_name("echodash"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EchoDashProcess:
    def __init__(
        self,
        data_dir: Path,
        token: str = "",
        cpus: str = "",
        log: Path | None = None,
        **settings: str,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or data_dir.with_name(data_dir.name + ".log")
        self.cpus = cpus
        env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
        env |= {"ECHODASH_DATA_DIR": str(data_dir), "ECHODASH_PORT": str(self.port)}
        if token:
            env["ECHODASH_BOOTSTRAP_TOKEN"] = token
        self.env = env | {f"ECHODASH_{k.upper()}": v for k, v in settings.items()}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> float:
        """Start the server; return the seconds from spawn to the first 200 from /healthz."""
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        self.log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*pin, ECHODASH, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"server not healthy after {timeout} s; see {self.log}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGKILL: no shutdown code runs)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
