"""Outbound webhooks: signed so a Standard Webhooks library verifies them, never sent to a
blocked address (0 connections at a listening socket), redirects never followed."""

from __future__ import annotations

import asyncio

import orjson
from standardwebhooks.webhooks import Webhook

from echodash.alerts.outbound import guarded_client
from echodash.alerts.ssrf import parse_allow
from echodash.alerts.webhook import Attempt, body_of, post
from tests.alerts.receivers import Receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LOOPBACK = parse_allow("127.0.0.0/8")


def send(url: str, allow: object = LOOPBACK, secret: str | None = SECRET) -> Attempt:
    async def go() -> Attempt:
        async with guarded_client(allow) as client:  # type: ignore[arg-type]
            body = body_of(
                "alert.firing", {"id": 7, "status": "firing"}, {"name": "Failed deploys"}
            )
            return await post(client, url, "msg_7_1", body, secret)

    return asyncio.run(go())


def test_a_signed_alert_verifies_with_the_standard_webhooks_library() -> None:
    async def go() -> tuple[Attempt, Receiver]:
        async with Receiver() as receiver:
            async with guarded_client(LOOPBACK) as client:
                body = body_of("alert.firing", {"id": 7}, {"name": "Failed deploys"})
                attempt = await post(client, receiver.url, "msg_7_1", body, SECRET)
            return attempt, receiver

    attempt, receiver = asyncio.run(go())
    assert attempt == Attempt(True, 200, "ok")
    [(line, headers, body)] = receiver.requests
    assert line.startswith("POST /hook")
    payload = Webhook(SECRET).verify(body, headers)
    assert payload == {
        "type": "alert.firing",
        "alert": {"id": 7},
        "rule": {"name": "Failed deploys"},
    }
    assert headers["webhook-id"] == "msg_7_1"
    assert orjson.loads(body)["type"] == "alert.firing"


def test_loopback_is_refused_without_the_allow_list_and_nothing_connects() -> None:
    async def go() -> tuple[list[Attempt], int]:
        async with Receiver() as receiver:
            attempts = []
            for url in (
                receiver.url,
                receiver.url.replace("127.0.0.1", "localhost"),
                receiver.url.replace("127.0.0.1", "[::ffff:127.0.0.1]"),
            ):
                async with guarded_client(()) as client:
                    attempts.append(await post(client, url, "m", b"{}", SECRET))
            return attempts, receiver.connections

    attempts, connections = asyncio.run(go())
    assert connections == 0
    assert all(not a.ok and a.status is None and a.answer.startswith("blocked:") for a in attempts)
    assert "ECHODASH_OUTBOUND_ALLOW" in attempts[0].answer


def test_the_metadata_address_is_refused_even_with_loopback_allowed() -> None:
    attempt = send("http://169.254.169.254/latest/meta-data/")
    assert not attempt.ok and "169.254.169.254 is in 169.254.0.0/16" in attempt.answer


def test_redirects_are_not_followed() -> None:
    async def go() -> tuple[Attempt, int, int]:
        async with Receiver() as target, Receiver() as bouncer:
            bouncer.answers = [(302, {"location": target.url})]
            async with guarded_client(LOOPBACK) as client:
                attempt = await post(client, bouncer.url, "m", b"{}", SECRET)
            return attempt, bouncer.connections, target.connections

    attempt, bounced, reached = asyncio.run(go())
    assert (bounced, reached) == (1, 0)
    assert attempt.ok is False and attempt.status == 302
    assert "not followed" in attempt.answer


def test_a_failing_receiver_is_a_failed_attempt_with_its_answer() -> None:
    async def go() -> list[Attempt]:
        async with Receiver() as receiver:
            receiver.answers = [(500, {}), (503, {}), (200, {})]
            async with guarded_client(LOOPBACK) as client:
                return [await post(client, receiver.url, "m", b"{}", SECRET) for _ in range(3)]

    attempts = asyncio.run(go())
    assert [(a.ok, a.status) for a in attempts] == [(False, 500), (False, 503), (True, 200)]


def test_a_closed_port_is_a_failed_attempt_not_an_exception() -> None:
    attempt = send("http://127.0.0.1:9/hook")
    assert not attempt.ok and attempt.status is None and "ConnectError" in attempt.answer
