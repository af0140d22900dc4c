"""The mailer against a local SMTP server that wants a login."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from echodash.config import Settings
from echodash.digest.mailer import Mailer, MailError
from tests.digest.smtp_server import Inbox, local_smtp
from tests.support import free_port

PASSWORD = "hunter2-very-secret"
# Plain-text AUTH is fine against a server on 127.0.0.1 that exists for one test.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"digest",
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False)


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[Inbox, int]]:
    options = {"authenticator": check_login, "auth_require_tls": False, "auth_required": True}
    with local_smtp(**options) as server:
        yield server


def mailer(port: int, password: str = PASSWORD, host: str = "127.0.0.1") -> Mailer:
    return Mailer(
        Settings(
            smtp_host=host,
            smtp_port=port,
            smtp_security="none",
            smtp_username="digest",
            smtp_password=password,
            smtp_from="Ops <ops@acme.example>",
        )
    )


def test_logs_in_and_sends_both_parts(smtp_with_login: tuple[Inbox, int]) -> None:
    inbox, port = smtp_with_login
    asyncio.run(mailer(port).send("Zoë <zoe@example.com>", "Hello — there", "plain", "<p>h</p>"))
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["zoe@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Hello — there"
    assert message["To"] == "Zoë <zoe@example.com>"
    assert message["Message-ID"].endswith("@acme.example>")
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_a_refused_login_never_shows_the_password(
    smtp_with_login: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp_with_login
    caplog.set_level(logging.DEBUG)
    with pytest.raises(MailError, match="refused the login of 'digest'") as caught:
        asyncio.run(mailer(port, password="wrong-" + PASSWORD).send("a@b.example", "s", "t", "h"))
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in caplog.text
    assert inbox.envelopes == []


def test_unreachable_servers_and_bad_addresses_are_mail_errors() -> None:
    with pytest.raises(MailError, match=r"could not reach the SMTP server 127\.0\.0\.1:"):
        asyncio.run(mailer(free_port()).send("a@b.example", "s", "t", "h"))
    with pytest.raises(MailError, match="could not be built"):
        asyncio.run(mailer(free_port()).send("a@b.example\nBcc: x@y", "s", "t", "h"))
    disabled = Mailer(Settings())
    assert not disabled.enabled
    with pytest.raises(MailError, match="not configured"):
        asyncio.run(disabled.send("a@b.example", "s", "t", "h"))
