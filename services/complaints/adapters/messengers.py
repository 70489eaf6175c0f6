"""Telling a reporter their complaint was answered: email over SMTP, or SMS through an HTTP gateway whose
requests are signed (HMAC-SHA256 of the body with a shared secret, in `X-Signature`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

SMTP_VARIABLE = "OFFCAMPUS_COMPLAINTS_SMTP_URL"  # smtp://host:port
MAIL_FROM_VARIABLE = "OFFCAMPUS_COMPLAINTS_MAIL_FROM"
SMS_URL_VARIABLE = "OFFCAMPUS_COMPLAINTS_SMS_URL"
SMS_SECRET_VARIABLE = "OFFCAMPUS_COMPLAINTS_SMS_SECRET"  # noqa: S105 - the variable's name, not a secret


def signature(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 the gateway checks."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Messengers:
    """Where messages go; a channel left unconfigured is not used."""

    smtp_url: str | None = None
    mail_from: str = "complaints@localhost"
    sms_url: str | None = None
    sms_secret: str = ""

    @classmethod
    def configured(cls, environ: Mapping[str, str]) -> Messengers:
        """The messengers the environment configures."""
        return cls(environ.get(SMTP_VARIABLE) or None, environ.get(MAIL_FROM_VARIABLE) or "complaints@localhost",
                   environ.get(SMS_URL_VARIABLE) or None, environ.get(SMS_SECRET_VARIABLE) or "")

    def email(self, to: str, subject: str, text: str) -> None:
        """Send one email."""
        parts = urlsplit(self.smtp_url or "")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.mail_from, to, subject
        message.set_content(text)
        with smtplib.SMTP(parts.hostname, parts.port or 25, timeout=10) as smtp:
            smtp.send_message(message)

    def sms(self, phone: str, text: str) -> None:
        """Send one SMS through the gateway (a 2xx answer means accepted)."""
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        if urlsplit(self.sms_url or "").scheme not in ("http", "https"):
            raise ValueError(f"{SMS_URL_VARIABLE} must be an http(s) URL")
        request = urllib.request.Request(self.sms_url or "", data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json", "X-Signature": signature(self.sms_secret, body)})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - checked http(s) above
            answer.read()
