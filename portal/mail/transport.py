"""Handing one finished message to the SMTP server (MAIL_*), or to instance/outbox/*.eml
when no server is set; and telling a temporary failure from a permanent one."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

log = logging.getLogger("portal.mail")


@dataclass
class Refused(Exception):
    """The server said no. `permanent` for a 5xx answer to this mail's recipient or
    content: trying again will not help."""

    reason: str
    permanent: bool


def send(message: EmailMessage, name: str) -> None:
    """Deliver `message` or raise Refused. `name` makes the outbox file's name unique."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _to_file(message, name)
        return
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (
        smtplib.SMTPAuthenticationError,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPConnectError,
        smtplib.SMTPHeloError,
    ) as exc:
        # Our own account or server is refused, not this mail: retried, whatever the code
        # (a rotated password must not fail every mail for good).
        raise Refused(_said(exc.smtp_code, exc.smtp_error), permanent=False) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise Refused(_said(*next(iter(exc.recipients.values()))), min(codes) >= 500) from exc
    except smtplib.SMTPResponseException as exc:
        raise Refused(_said(exc.smtp_code, exc.smtp_error), exc.smtp_code >= 500) from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, hung up
        raise Refused(f"{type(exc).__name__}: {exc}"[:300], permanent=False) from exc


def _said(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"[:300]


def _to_file(message: EmailMessage, name: str) -> None:
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{name}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(bytes(message))
    os.replace(partial, path)  # a reader never sees half a mail
    log.info("Mail to %s written to %s (no MAIL_SERVER set)", message["To"], path)
