"""The same delivery sent many times, also at once, is stored and shown exactly once."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.support import Server, github_fixtures, github_headers


def test_five_copies_sequential_and_concurrent_make_one_event(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="dedup")
    body = github_fixtures()[0].read_bytes()
    delivery = str(uuid.uuid4())
    headers = github_headers(endpoint["secret"], body, "push", delivery)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=10) as c:
            return await asyncio.gather(
                *[c.post(endpoint["url"], content=body, headers=headers) for _ in range(5)]
            )

    answers = asyncio.run(burst())
    answers += [httpx.post(endpoint["url"], content=body, headers=headers) for _ in range(5)]
    assert [a.status_code for a in answers] == [202] * 10
    flags = [a.json()["duplicate"] for a in answers]
    assert flags.count(False) == 1 and flags.count(True) == 9
    assert {a.json()["delivery_id"] for a in answers} == {delivery}

    server.wait_for_events(1, endpoint=endpoint["id"])
    with server.client() as c:
        stats = c.get(f"/api/v1/endpoints/{endpoint['id']}").json()["stats"]
    assert stats["deliveries"] == 1 and stats["duplicates"] == 9
    assert len(server.all_events(endpoint=endpoint["id"])) == 1


def test_many_deliveries_with_concurrent_duplicate_pairs(server: Server) -> None:
    endpoint = server.create_endpoint("github", name="pairs")
    body = github_fixtures()[0].read_bytes()
    ids = [str(uuid.uuid4()) for _ in range(300)]

    async def send_all() -> list[int]:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(timeout=20, limits=limits) as c:
            tasks = []
            for i, delivery in enumerate(ids):
                headers = github_headers(endpoint["secret"], body, "push", delivery)
                copies = 2 if i % 3 == 0 else 1
                tasks += [
                    c.post(endpoint["url"], content=body, headers=headers) for _ in range(copies)
                ]
            return [r.status_code for r in await asyncio.gather(*tasks)]

    statuses = asyncio.run(send_all())
    assert set(statuses) == {202}
    events = server.wait_for_events(len(ids), endpoint=endpoint["id"])
    assert len(events) == len(ids)
