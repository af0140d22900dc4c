"""bench/sse_reader.c, the fan-out benchmark's subscribers, against a scripted stream server:
chunked bodies cut anywhere, several events in one write, a resync answered by reconnecting
with Last-Event-ID, duplicates counted once, a refused stream, a stalled stream read again,
and the figures it writes."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from array import array
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "bench" / "sse_reader.c"
COMPILER = shutil.which("cc") or shutil.which("gcc")

pytestmark = pytest.mark.skipif(COMPILER is None, reason="no C compiler")


def event(n: int) -> bytes:
    return b'id: %d\nevent: event\ndata: {"id":%d,"payload":{"hook_id":%d,"zen":"x"}}\n\n' % (
        n,
        n,
        n,
    )


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(body), body)


HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)


class Server:
    """Token `bad` is refused; the first stream of each good caller ends with a resync after
    events 1-3 (written a few bytes at a time); the second must carry Last-Event-ID: 3 and gets
    3 again (a duplicate), then 4 and 5 in one chunk, and stays open."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        self.open: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        self.requests.append(request)
        if b"Bearer bad" in request:
            conn.sendall(b"HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\n\r\n")
            conn.close()
            return
        if b"Last-Event-ID" not in request:
            stream = HEAD + chunked(b"retry: 2000\n: connected\n\n")
            stream += chunked(event(1) + event(2)) + chunked(event(3))
            stream += chunked(b'id: 3\nevent: resync\ndata: {"last_event_id":3}\n\n') + b"0\r\n\r\n"
            for i in range(0, len(stream), 7):  # cut through sizes, lines and keys
                conn.sendall(stream[i : i + 7])
                time.sleep(0.002)
            conn.close()
            return
        conn.sendall(HEAD + chunked(event(3)) + chunked(event(4) + event(5) + b": keep-alive\n\n"))
        self.open.append(conn)


def test_reader_counts_each_receipt_once_and_follows_resyncs(tmp_path: Path) -> None:
    binary = tmp_path / "sse_reader"
    subprocess.run([COMPILER, "-O2", "-Wall", "-o", str(binary), str(SOURCE)], check=True)
    server = Server()
    (tmp_path / "tokens.txt").write_text("good-a\ngood-b\nbad\n")
    before = time.monotonic()
    reader = subprocess.Popen(
        [
            str(binary),
            "--port", str(server.port),
            "--tokens", str(tmp_path / "tokens.txt"),
            "--subscribers", "5",
            "--per-token", "2",
            "--max-hook", "6",
            "--acks", str(tmp_path / "acks.bin"),
            "--out", str(tmp_path / "out.txt"),
            "--stall-first", "1",  # subscriber 0 reads nothing for its first half second
            "--stall-seconds", "0.5",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert reader.stdout is not None
    assert reader.stdout.readline().split() == ["ready", "4", "1"]
    deadline = time.monotonic() + 10
    while len(server.open) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the resumed streams' events are sent: let a busy machine read them
    # Deliveries 1-5 were accepted a second before the reader started; 6 was not accepted.
    sent = before - 1.0
    (tmp_path / "acks.bin").write_bytes(array("d", [sent] * 5 + [0.0]).tobytes())
    reader.send_signal(signal.SIGTERM)
    assert reader.wait(10) == 0
    figures = dict(line.split(" ") for line in (tmp_path / "out.txt").read_text().splitlines())
    assert figures["connected"] == "4"
    assert figures["refused"] == "1"
    assert figures["resyncs"] == "4"
    assert figures["accepted"] == "5"
    assert figures["received"] == "20"  # 4 streams x 5 deliveries, the repeated 3 once
    assert figures["missed"] == "5"  # the refused subscriber's
    assert 1.0 < float(figures["live_p50"]) < 11
    assert float(figures["live_p50"]) <= float(figures["live_p99"]) <= float(figures["live_max"])
    resumed = [r for r in server.requests if b"Last-Event-ID: 3\r\n" in r]
    assert len(resumed) == 4
    for conn in server.open:
        conn.close()
    server.listener.close()
