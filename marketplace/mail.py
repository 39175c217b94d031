"""E-mail: messages made from small templates in the recipient's language, sent through SMTP or written as
``.eml`` files to an outbox directory (the default outside production, so a developer machine mails nobody).

A transport sends one message at a time and raises ``MailError`` when that message did not go; the caller
keeps the notifications unsent so a later `marketplace tick` tries again. ``MailUnavailable`` says the server
(or the outbox) cannot be used at all just now, so there is no point in trying the next message either.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from flask import current_app

from marketplace.db import utcnow
from marketplace.storage import write_atomically

log = logging.getLogger(__name__)


class MailError(Exception):
    """This message was not sent; it may go through on a later try."""


class MailUnavailable(MailError):
    """The mail server or the outbox cannot be used now: stop sending until the next tick."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def _one_line(text: str, limit: int) -> str:
    """Header values: no line breaks (no header injection through an item's title), not too long."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_message(*, to_name: str, to_address: str, subject: str, template: str, locale: str,
                  **context) -> EmailMessage:
    """A plain-text message with an HTML alternative, from ``templates/<template>.txt`` and ``.html``.

    The caller chooses the language (``flask_babel.force_locale``); ``locale`` only labels the message.
    """
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = _one_line(subject, 150)
    message["From"] = config["MAIL_FROM"]
    message["To"] = Address(display_name=_one_line(to_name, 100), addr_spec=to_address)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should stay quiet
    context.update(site_name=config["SITE_NAME"], base_url=config["BASE_URL"], locale=locale)
    # Straight from the Jinja environment: the page context (signed-in user, CSRF token) has no place here.
    environment = current_app.jinja_env
    message.set_content(environment.get_template(f"{template}.txt").render(context))
    message.add_alternative(environment.get_template(f"{template}.html").render(context), subtype="html")
    message["Content-Language"] = locale  # after the parts are made (content headers move into the first)
    return message


class OutboxTransport:
    """Writes each message whole (through a temporary file and a rename) as ``<UTC time>-<random>.eml``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        target = self.directory / f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        try:
            write_atomically(target, bytes(message))
        except OSError as error:
            raise MailUnavailable(f"cannot write to the outbox {self.directory}: {error}") from error
        log.info("E-mail to %s (%s) written to %s", message["To"], message["Subject"], target)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection for the whole batch, opened at the first message: STARTTLS (with certificate
    checks) before any login, and a timeout on every step so a silent server cannot hang `tick`."""

    def __init__(self, config) -> None:
        self.host = config["SMTP_HOST"]
        self.port = config["SMTP_PORT"]
        self.username = config["SMTP_USERNAME"]
        self.password = config["SMTP_PASSWORD"]
        self.starttls = config["SMTP_STARTTLS"]
        self.timeout = config["SMTP_TIMEOUT"]
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if not self.host:
            raise MailUnavailable("MARKETPLACE_SMTP_HOST is not set")
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
            # This message only; the connection is still good (smtplib has reset the transaction).
            raise MailError(f"the server refused the message to {message['To']}: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailUnavailable(f"cannot send through {self.host}:{self.port}: {error!r}") from error

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def transport() -> Transport:
    """The transport MARKETPLACE_MAIL_BACKEND names."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpTransport(config)
    return OutboxTransport(config["MAIL_OUTBOX"])
