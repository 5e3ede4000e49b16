"""E-mail out through SMTP (standard library `smtplib`).

`SmtpMailer` implements `hub.service_layer.identity_ports.Mailer`; host, port and sender come
from `Settings` (`HUB_SMTP_HOST`, `HUB_SMTP_PORT`, `HUB_SMTP_SENDER`). A failure to deliver is
`MailUndeliverable`, from the `smtplib` or socket error.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from hub.errors import HubError
from hub.service_layer.identity_ports import Mail

TIMEOUT = 10.0


class MailUndeliverable(HubError):
    """The SMTP server could not be reached or refused the message."""


class SmtpMailer:
    """Sends each mail in its own SMTP session (plain SMTP; STARTTLS when offered)."""

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, mail.to, mail.subject
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls()
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailUndeliverable(f"mail to {mail.to} not sent: {exc}") from exc
