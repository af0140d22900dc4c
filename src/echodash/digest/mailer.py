"""Sending e-mail over SMTP with the standard library, off the event loop."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from echodash.config import Settings

# Long enough for a slow relay, short enough that one dead server cannot stall the job.
SMTP_TIMEOUT = 20.0


class MailError(Exception):
    """An e-mail could not be sent; the message says why, in words an operator can act on."""


class Mailer:
    """Sends multipart (text + HTML) e-mail with the SMTP settings of one installation."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self._settings.smtp_host)

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        """Send one message; raises MailError when it could not be handed to the server."""
        if not self.enabled:
            raise MailError("e-mail is not configured (ECHODASH_SMTP_HOST is empty)")
        try:
            message = self.build(to, subject, text, html)
        except (ValueError, TypeError) as exc:
            raise MailError(f"the message to {to!r} could not be built: {exc}") from None
        await asyncio.to_thread(self._deliver, message)

    def build(self, to: str, subject: str, text: str, html: str) -> EmailMessage:
        """The message as it goes out: multipart/alternative, plain text first."""
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        # make_msgid without a domain asks DNS for this host's name, which can hang.
        message["Message-ID"] = make_msgid(domain=self._domain())
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def _domain(self) -> str:
        address = parseaddr(self._settings.smtp_from)[1]
        domain = address.rpartition("@")[2]
        return domain or "echodash.localhost"

    def _deliver(self, message: EmailMessage) -> None:
        s = self._settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        context = ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if s.smtp_security == "tls":
                client = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT, context=context
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
            with client:
                if s.smtp_security == "starttls":
                    client.starttls(context=context)
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password)
                client.send_message(message)
        # The messages below name the server and the user, never the password.
        except smtplib.SMTPAuthenticationError:
            raise MailError(
                f"the SMTP server {where} refused the login of {s.smtp_username!r} "
                "(check ECHODASH_SMTP_USERNAME and ECHODASH_SMTP_PASSWORD)"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(
                f"the SMTP server {where} does not support what ECHODASH_SMTP_SECURITY="
                f"{s.smtp_security} needs: {exc}"
            ) from None
        except smtplib.SMTPRecipientsRefused:
            raise MailError(
                f"the SMTP server {where} refused the recipient {message['To']}"
            ) from None
        except smtplib.SMTPResponseException as exc:
            reply = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise MailError(f"the SMTP server {where} answered {exc.smtp_code}: {reply}") from None
        except ssl.SSLError as exc:
            raise MailError(
                f"TLS with the SMTP server {where} failed ({exc.reason or exc}); "
                "check ECHODASH_SMTP_SECURITY and ECHODASH_SMTP_PORT"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"could not reach the SMTP server {where}: {exc}") from None
