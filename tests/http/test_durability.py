"""Nothing acknowledged is lost: across restarts, and across kill -9 in the middle of a burst."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid

import httpx
import pytest

from tests.support import Server, github_fixtures, github_headers


def test_restart_keeps_endpoints_tokens_and_events(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="keep")
    body = github_fixtures()[0].read_bytes()
    assert (
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "push")
        ).status_code
        == 202
    )
    before = fresh_server.wait_for_events(1)
    fresh_server.stop()
    fresh_server.start()
    assert fresh_server.all_events() == before
    # The endpoint and its (encrypted) secret still work after the restart.
    assert (
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "push")
        ).status_code
        == 202
    )
    assert len(fresh_server.wait_for_events(2)) == 2


@pytest.mark.slow
def test_kill_9_during_a_burst_loses_no_acknowledged_delivery(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="crash")
    bodies = [p.read_bytes() for p in github_fixtures()[:20]]
    acknowledged: dict[str, bytes] = {}
    stop = threading.Event()

    async def blast() -> None:
        async with httpx.AsyncClient(timeout=5, limits=httpx.Limits(max_connections=32)) as c:

            async def one(i: int) -> None:
                while not stop.is_set():
                    body = bodies[i % len(bodies)]
                    delivery = str(uuid.uuid4())
                    try:
                        r = await c.post(
                            endpoint["url"],
                            content=body,
                            headers=github_headers(endpoint["secret"], body, "push", delivery),
                        )
                    except httpx.TransportError:
                        await asyncio.sleep(0.01)
                        continue
                    if r.status_code == 202:
                        acknowledged[delivery] = body

            await asyncio.gather(*[one(i) for i in range(32)])

    sender = threading.Thread(target=lambda: asyncio.run(blast()))
    sender.start()
    for _ in range(3):  # three crashes mid-burst, restarting each time
        time.sleep(1.0)
        fresh_server.kill()
        fresh_server.start()
    time.sleep(0.5)
    stop.set()
    sender.join(30)
    assert len(acknowledged) > 200, "the burst should have been acknowledged in volume"

    events = fresh_server.wait_for_events(len(acknowledged), timeout=60, endpoint=endpoint["id"])
    with fresh_server.client() as c:
        keys = {}
        for event in events:
            detail = c.get(f"/api/v1/events/{event['id']}").json()
            key = detail["delivery"]["key"]
            assert key not in keys, "one event per delivery"
            keys[key] = detail["raw"]
    missing = set(acknowledged) - set(keys)
    assert not missing, f"{len(missing)} acknowledged deliveries lost"
    for delivery, body in acknowledged.items():
        raw = keys[delivery]
        stored = (
            raw["body"].encode()
            if raw["body"] is not None
            else base64.b64decode(raw["body_base64"])
        )
        assert stored == body
