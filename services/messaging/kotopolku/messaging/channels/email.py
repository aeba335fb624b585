"""E-mail over SMTP (aiosmtplib): a text part and an HTML part with lang and dir.

The delivery's idempotency key becomes the Message-ID, so a message sent again after a crash is
recognisably the same message to every mail system on its way (many mailboxes show it once).
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

import aiosmtplib

from kotopolku.messaging.channels.base import (
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    Recipient,
    TemporaryFailure,
)
from kotopolku.messaging.domain.delivery import Channel


def build_email(message: OutgoingMessage, to: str, sender: str) -> EmailMessage:
    content = message.content
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = content.subject
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.idempotency_key, sender)
    # Tells autoresponders not to answer (RFC 3834).
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(content.body_text)
    mail.add_alternative(content.body_html, subtype="html")
    # After the parts: set_content() drops Content-* headers set before it.
    mail["Content-Language"] = content.language
    return mail


def message_id(idempotency_key: str, sender: str) -> str:
    address = email.utils.parseaddr(sender)[1]
    domain = address.rpartition("@")[2] if "@" in address else "kotopolku.invalid"
    return f"<{idempotency_key}@{domain}>"


class SmtpChannel:
    channel = Channel.EMAIL

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username or None
        self._password = password or None
        self._starttls = starttls
        self._timeout = timeout

    def reachable(self, recipient: Recipient) -> str:
        return "" if recipient.email else "no-email-address"

    async def send(self, message: OutgoingMessage, recipient: Recipient) -> Receipt:
        mail = build_email(message, recipient.email, self._sender)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            raise _by_code(codes[0] if codes else 550) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise TemporaryFailure(f"smtp {type(error).__name__}") from None
        return Receipt(provider_message_id=str(mail["Message-ID"]))

    async def find_sent(self, idempotency_key: str) -> Receipt | None:
        # SMTP cannot be asked what it has; an in-doubt e-mail is sent again with the same
        # Message-ID (see the README on delivery guarantees).
        return None

    async def close(self) -> None:
        return None


def _by_code(code: int) -> TemporaryFailure | PermanentFailure:
    # 5xx is a permanent refusal (RFC 5321 §4.2.1); 4xx and anything else may pass later.
    if 500 <= code < 600:
        return PermanentFailure(f"smtp {code}")
    return TemporaryFailure(f"smtp {code}")
