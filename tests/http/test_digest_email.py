"""The e-mail digest end to end: a person subscribes on the settings page of a real server,
and the digest arrives at a real local SMTP server with the right counts."""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.support import GITHUB_FIXTURES, Server, first_admin_client, free_port, github_headers


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def test_the_daily_digest_arrives_with_counts_per_source(
    inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    handler, port = inbox
    server = Server(
        tmp_path / "data",
        env={
            "ECHODASH_SMTP_HOST": "127.0.0.1",
            "ECHODASH_SMTP_PORT": str(port),
            "ECHODASH_SMTP_SECURITY": "none",
            "ECHODASH_SMTP_FROM": "EchoDash <digest@acme.test>",
            "ECHODASH_DIGEST_INTERVAL": "1",
        },
    ).start()
    try:
        github = server.create_endpoint("github", name="acme/web")
        billing = server.create_endpoint("generic", name="billing")
        for fixture, event in [
            ("issues/opened.payload.json", "issues"),
            ("star/created.payload.json", "star"),
            ("fork/payload.json", "fork"),
        ]:
            body = (GITHUB_FIXTURES / fixture).read_bytes()
            headers = github_headers(str(github["secret"]), body, event, str(uuid.uuid4()))
            assert httpx.post(str(github["url"]), content=body, headers=headers).status_code == 202
        for n in range(2):
            body = b'{"title": "Invoice %d paid", "status": "paid"}' % n
            answer = httpx.post(
                str(billing["url"]),
                content=body,
                headers={
                    "content-type": "application/json",
                    "authorization": f"Bearer {billing['secret']}",
                },
            )
            assert answer.status_code == 202, answer.text
        server.wait_for_events(3, source="github")
        server.wait_for_events(2, source="generic")

        with first_admin_client(server) as browser:
            page = browser.get("/settings/notifications")
            assert "E-mail is not configured" not in page.text
            saved = browser.post(
                "/settings/notifications/digest",
                data={"csrf": _csrf(page.text), "frequency": "daily"},
            )
            assert saved.status_code in (200, 303), saved.text

        deadline = time.monotonic() + 15
        while not handler.messages:
            assert time.monotonic() < deadline, f"no digest arrived:\n{server.log()[-2000:]}"
            time.sleep(0.1)
        message = handler.messages[0]
        assert handler.recipients[0] == ["ada@example.com"]
        assert message["From"] == "EchoDash <digest@acme.test>"
        assert "5 events" in str(message["Subject"]), message["Subject"]
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        body_text = text.get_content()
        assert re.search(r"^\s*github\s+3\s*$", body_text, re.MULTILINE), body_text
        assert re.search(r"^\s*generic\s+2\s*$", body_text, re.MULTILINE), body_text
        html = message.get_body(preferencelist=("html",))
        assert html is not None and "/events/" in html.get_content()
        # Sent once: the next checks (every second) find it not due for a day.
        time.sleep(2.5)
        assert len(handler.messages) == 1
    finally:
        server.stop()


def test_the_digest_links_the_events_needing_attention_to_the_filtered_feed(
    inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    handler, port = inbox
    server = Server(
        tmp_path / "data",
        env={
            "ECHODASH_SMTP_HOST": "127.0.0.1",
            "ECHODASH_SMTP_PORT": str(port),
            "ECHODASH_SMTP_SECURITY": "none",
            "ECHODASH_SMTP_FROM": "EchoDash <digest@acme.test>",
            "ECHODASH_DIGEST_INTERVAL": "1",
        },
    ).start()
    try:
        billing = server.create_endpoint("generic", name="billing")
        sent = [(f"Invoice {n} failed", "error") for n in range(12)]
        sent += [("Disk nearly full", "warning")]
        sent += [(f"Invoice {n} paid", "info") for n in range(3)]
        for title, severity in sent:
            answer = httpx.post(
                str(billing["url"]),
                json={"title": title, "severity": severity, "id": str(uuid.uuid4())},
                headers={"authorization": f"Bearer {billing['secret']}"},
            )
            assert answer.status_code == 202, answer.text
        server.wait_for_events(len(sent), source="generic")

        with first_admin_client(server) as browser:
            page = browser.get("/settings/notifications")
            saved = browser.post(
                "/settings/notifications/digest",
                data={"csrf": _csrf(page.text), "frequency": "daily"},
            )
            assert saved.status_code in (200, 303), saved.text

            deadline = time.monotonic() + 15
            while not handler.messages:
                assert time.monotonic() < deadline, f"no digest arrived:\n{server.log()[-2000:]}"
                time.sleep(0.1)
            message = handler.messages[0]
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
            assert text is not None and html is not None
            # 13 need attention; 10 are listed, the link leads to all of them.
            found = re.search(r"…and 3 more needing attention: (\S+)", text.get_content())
            assert found, text.get_content()
            link = found.group(1)
            assert f'href="{link.replace("&", "&amp;")}"' in html.get_content()
            assert link.startswith(server.url + "/?")

            feed = browser.get(link.removeprefix(server.url))
            assert feed.status_code == 200
            shown = re.findall(r'class="row sev-(\w+)[^"]*" data-id="\d+"', feed.text)
            assert sorted(shown) == ["error"] * 12 + ["warning"], shown
            assert "Invoice 0 paid" not in feed.text
            assert "Disk nearly full" in feed.text and "Invoice 11 failed" in feed.text
    finally:
        server.stop()
