"""Apprise notifications: its JSON and e-mail schemes pointed at real local receivers, behind
the same SSRF guard as webhooks."""

from __future__ import annotations

import asyncio

import orjson

from echodash.alerts.apprise_action import check_scheme, notify
from echodash.alerts.ssrf import parse_allow
from tests.alerts.receivers import Receiver
from tests.digest.smtp_server import local_smtp

LOOPBACK = parse_allow("127.0.0.0/8")


def test_json_notifications_reach_an_allowed_receiver() -> None:
    async def go() -> tuple[bool, Receiver]:
        async with Receiver() as receiver:
            url = f"json://127.0.0.1:{receiver.port}/hook"
            attempt = await notify(
                url, "Failed deploys is firing", "3 failed runs in 10 min", LOOPBACK
            )
            return attempt.ok, receiver

    ok, receiver = asyncio.run(go())
    assert ok
    [(line, _headers, body)] = receiver.requests
    assert line.startswith("POST /hook")
    sent = orjson.loads(body)
    assert sent["title"] == "Failed deploys is firing"
    assert sent["message"] == "3 failed runs in 10 min"


def test_json_notifications_to_loopback_are_blocked_without_the_allow_list() -> None:
    async def go() -> tuple[str, int]:
        async with Receiver() as receiver:
            attempts = [
                await notify(f"json://{host}:{receiver.port}/hook", "t", "b")
                for host in ("127.0.0.1", "localhost")
            ]
            return " | ".join(a.answer for a in attempts if not a.ok), receiver.connections

    answers, connections = asyncio.run(go())
    assert connections == 0
    assert answers.count("blocked:") == 2


def test_email_through_apprise_reaches_a_local_smtp_server() -> None:
    with local_smtp() as (inbox, port):
        to = "to=oncall@example.com&from=echodash@example.com&mode=insecure"
        url = f"mailto://127.0.0.1:{port}?{to}"
        attempt = asyncio.run(
            notify(url, "Sign-ups dropped", "Sign-ups at 20 % of usual", LOOPBACK)
        )
        assert attempt.ok, attempt.answer
        [message] = inbox.messages()
    assert message["Subject"] == "Sign-ups dropped"
    assert "oncall@example.com" in message["To"]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Sign-ups at 20 % of usual" in text.get_content()


def test_email_to_a_blocked_smtp_host_is_refused() -> None:
    with local_smtp() as (inbox, port):
        url = f"mailto://a:b@127.0.0.1:{port}?to=x@example.com&from=y@example.com"
        attempt = asyncio.run(notify(url, "t", "b"))
        assert not attempt.ok and "blocked" in attempt.answer
        assert inbox.envelopes == []


def test_unknown_schemes_are_refused_with_the_supported_list() -> None:
    assert check_scheme("slack://T/B/C") is None
    assert check_scheme("jsons://example.com/x") is None
    reason = check_scheme("gopher://example.com")
    assert reason is not None and "slack" in reason and "json" in reason
    attempt = asyncio.run(notify("gopher://example.com", "t", "b"))
    assert not attempt.ok and "not a notification EchoDash sends" in attempt.answer
