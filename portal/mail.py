"""Email over SMTP (MAIL_* settings), or to instance/outbox/ when no server is set.

A failing server never loses what the member did: the caller has already saved
its rows, the failure is logged, and the member can ask for the mail again.
Bodies are never logged: they carry single-use links.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger("portal.mail")


def _sender() -> str:
    config = current_app.config
    if config.get("MAIL_DEFAULT_SENDER"):
        return config["MAIL_DEFAULT_SENDER"]
    host = urlsplit(config["SITE_URL"]).hostname or "localhost"
    return formataddr((config["SITE_NAME"], f"no-reply@{host}"))


def build(
    to: str, subject: str, template: str, headers: dict | None = None, **context
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _sender()
    message["To"] = to
    # Subjects quote what members typed: a line break there would break the header.
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain=urlsplit(current_app.config["SITE_URL"]).hostname)
    for name, value in (headers or {}).items():
        message[name] = value
    # Rendered from the given values alone: no context processor runs (they read the
    # request and the signed-in member, which a worker or a thread does not have).
    text = current_app.jinja_env.get_template(f"emails/{template}.txt").render(**context)
    # Unwrapped lines, so that links survive intact in the outbox's .eml files too.
    message.set_content(text, cte="7bit" if text.isascii() else "8bit")
    return message


def send(to: str, subject: str, template: str, headers: dict | None = None, **context) -> bool:
    """Build one email and send it now; True if the server (or the outbox) took it."""
    return deliver(build(to, subject, template, headers, **context))


def deliver(message: EmailMessage) -> bool:
    """Hand a built message to the SMTP server (MAIL_*), or to instance/outbox/ when no
    server is set; True if it was taken. Needs an app context, not a request."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return _to_outbox(message)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "Mail %r to %s not sent: %s", message["Subject"], message["To"], type(exc).__name__
        )
        return False
    log.info("Mail %r sent to %s", message["Subject"], message["To"])
    return True


def _to_outbox(message: EmailMessage) -> bool:
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{message['To'].split('@')[0][:20]}.eml"
    path.write_bytes(bytes(message))
    log.info(
        "Mail %r to %s written to %s (no MAIL_SERVER set)", message["Subject"], message["To"], path
    )
    return True


def send_later(to: str, subject: str, template: str, **context) -> None:
    """Deliver from a background thread, so that the answer to the request takes the
    same time whether or not a mail goes out (no way to learn if an address is
    registered). The message is built here, in the request: the thread gets the finished
    message, never a database object or the request. MAIL_ASYNC=False sends at once."""
    message = build(to, subject, template, **context)
    app = current_app._get_current_object()
    if not app.config.get("MAIL_ASYNC", True):
        deliver(message)
        return

    def run() -> None:
        with app.app_context():
            try:
                deliver(message)
            except Exception:  # a thread's failure must be logged, never lost silently
                log.exception("Mail %r to %s failed", subject, to)

    threading.Thread(target=run, name="mail", daemon=True).start()
