"""The live stream: a delivery reaches an open SSE stream at once; a reconnect misses nothing."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx

from tests.support import GITHUB_FIXTURES, Server, github_headers


def _fixture(event: str) -> bytes:
    return sorted((GITHUB_FIXTURES / event).glob("*.payload.json"))[0].read_bytes()


def _listen(server: Server, out: queue.Queue[Any], stop: threading.Event, **params: Any) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    if "last_event_id" in params:
        headers["Last-Event-ID"] = str(params.pop("last_event_id"))
    try:
        _read_stream(server, out, stop, params, headers)
    except httpx.HTTPError:
        return  # the server went away at the end of the module


def _read_stream(
    server: Server,
    out: queue.Queue[Any],
    stop: threading.Event,
    params: dict[str, Any],
    headers: dict[str, str],
) -> None:
    with httpx.stream(
        "GET", server.url + "/api/v1/stream", params=params, headers=headers, timeout=30
    ) as r:
        out.put(("status", r.status_code))
        event_id = None
        for line in r.iter_lines():
            if line.startswith(": connected"):
                out.put(("connected", None))
            elif line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                out.put(("event", (event_id, json.loads(line[6:]), time.monotonic())))
            if stop.is_set():
                return


def test_delivery_reaches_the_open_stream_within_a_second(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="live")
    out: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(
        target=_listen, args=(server, out, stop), kwargs={"endpoint": endpoint["id"]}, daemon=True
    )
    listener.start()
    assert out.get(timeout=5) == ("status", 200)
    assert out.get(timeout=5) == ("connected", None)
    body = _fixture("star")
    sent = time.monotonic()
    assert (
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "star")
        ).status_code
        == 202
    )
    kind, (event_id, event, arrived) = out.get(timeout=5)
    stop.set()
    assert kind == "event" and event["type"] == "star.created" and event["id"] == event_id
    assert event["title"]
    assert arrived - sent < 1.0, f"arrived after {arrived - sent:.3f}s"


def test_reconnect_with_last_event_id_misses_nothing(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="resume")
    body = _fixture("ping")
    for _ in range(3):
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
        )
    first, *rest = sorted(e["id"] for e in server.wait_for_events(3, endpoint=endpoint["id"]))
    out: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    threading.Thread(
        target=_listen,
        args=(server, out, stop),
        kwargs={"endpoint": endpoint["id"], "last_event_id": first},
        daemon=True,
    ).start()
    assert out.get(timeout=5)[0] == "status"
    assert out.get(timeout=5)[0] == "connected"
    replayed = [out.get(timeout=5)[1][0] for _ in rest]
    assert replayed == rest
    # And live events keep coming after the catch-up, in order, without repeats.
    httpx.post(
        endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
    )
    kind, (live_id, _, _) = out.get(timeout=5)
    stop.set()
    assert kind == "event" and live_id > rest[-1]
