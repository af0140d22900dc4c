"""Metric facts are kept in the transaction that stores their events: killed with -9 mid-burst
and restarted, the server counts every acknowledged answer once."""

from __future__ import annotations

import threading
import time

import httpx

from tests.http.test_metrics_api import SINCE, T0, UNTIL, custom, metric
from tests.support import Server


def test_kill_9_mid_burst_keeps_every_acknowledged_fact_once(fresh_server: Server) -> None:
    fresh_server.start()
    acknowledged: dict[str, int] = {}
    stop = threading.Event()

    def send() -> None:
        n = 0
        with httpx.Client(timeout=5) as c:
            while not stop.is_set():
                batch = []
                for _ in range(100):
                    event = custom("nps", f"u{n}", T0, n % 11)
                    event["id"] = f"answer-{n}"
                    batch.append(event)
                    n += 1
                try:
                    answer = c.post(
                        f"{fresh_server.url}/api/v1/events",
                        json={"batch": batch},
                        headers={"Authorization": f"Bearer {fresh_server.token}"},
                    )
                except httpx.TransportError:
                    time.sleep(0.01)
                    continue
                if answer.status_code == 202:
                    acknowledged.update({e["id"]: e["values"]["score"] for e in batch})

    sender = threading.Thread(target=send)
    sender.start()
    for _ in range(2):  # two crashes mid-burst, restarting each time
        time.sleep(1.0)
        fresh_server.kill()
        fresh_server.start()
    time.sleep(0.5)
    stop.set()
    sender.join(30)
    assert len(acknowledged) >= 500, "the burst should have been acknowledged in volume"

    fresh_server.wait_for_events(len(acknowledged), timeout=60, source="custom")
    # Batches sent but not acknowledged (cut by a kill) may have been stored too: every stored
    # answer counts once, and none acknowledged is missing. Wait until processing is done.
    deadline = time.monotonic() + 30
    while True:
        stored = {e["id"] for e in fresh_server.all_events(source="custom")}
        found = metric(fresh_server, "nps", since=SINCE, until=UNTIL, event="nps")
        if found["responses"] == len(stored) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found["responses"] == len(stored) >= len(acknowledged)
    scores = list(acknowledged.values())
    if found["responses"] == len(acknowledged):
        assert found["promoters"] == sum(s >= 9 for s in scores)
        assert found["detractors"] == sum(s <= 6 for s in scores)
