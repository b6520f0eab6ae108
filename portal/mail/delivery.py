"""Delivering due mail: claim, send, record; never twice, whatever the number of workers.

A worker claims a few due rows in one write transaction (`SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, so two workers take different rows; `BEGIN IMMEDIATE` on
SQLite, so claims take turns) and marks them `sending`, with the claim's own token,
until a lease ends. Each mail's lease is renewed just before it is sent (a mail whose
row another worker has taken over meanwhile is skipped), it is sent outside any
transaction, and its outcome is recorded only while the claim still holds it: sent;
retrying later for a temporary failure (refused connection, timeout, 4xx), with a
backoff, for MAIL_RETRY_HOURS; failed for a 5xx or when the window has passed. A worker killed
mid-batch leaves its claims to expire, and another worker takes them up then.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from flask import current_app

import portal.mail as mail
from portal.clock import utcnow
from portal.extensions import db
from portal.mail import transport
from portal.mail.models import WAITING, OutboxMail, Status
from portal.web.database import write_transaction

log = logging.getLogger("portal.mail")

BATCH = 10
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Claimed:
    """A claimed row as plain values: nothing from the session crosses into sending."""

    id: int
    kind: str
    to_address: str
    subject: str | None
    body: str | None
    headers: dict
    data: dict
    message_id: str
    attempts: int
    created_at: datetime
    token: str  # this claim's: a row another claimant has taken since is left alone


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.dropped


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])


def claim(limit: int = BATCH) -> list[Claimed]:
    now = utcnow()
    token = secrets.token_hex(8)
    with write_transaction():
        rows = db.session.scalars(
            sa.select(OutboxMail)
            .where(
                sa.or_(
                    sa.and_(OutboxMail.status.in_(WAITING), OutboxMail.next_attempt_at <= now),
                    # A worker that died mid-send: its lease has run out.
                    sa.and_(OutboxMail.status == Status.SENDING, OutboxMail.claimed_until < now),
                )
            )
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            row.status = Status.SENDING
            row.claimed_until = now + _lease()
            row.claimed_by = token
            row.attempts += 1
            claimed.append(
                Claimed(
                    row.id,
                    row.kind,
                    row.to_address,
                    row.subject,
                    row.body,
                    dict(row.headers or {}),
                    dict(row.data or {}),
                    row.message_id,
                    row.attempts,
                    row.created_at,
                    token,
                )
            )
    return claimed


def _mine(item: Claimed):
    """The row, if this claim still holds it (its lease may have run out and another
    worker taken it over: then this one must not send it, nor record anything)."""
    return sa.and_(
        OutboxMail.id == item.id,
        OutboxMail.status == Status.SENDING,
        OutboxMail.claimed_by == item.token,
    )


def _renew(item: Claimed) -> bool:
    """Renew the claim just before sending; False if another worker has the row now."""
    with write_transaction():
        return bool(
            db.session.execute(
                sa.update(OutboxMail).where(_mine(item)).values(claimed_until=utcnow() + _lease())
            ).rowcount
        )


def deliver_due(*, limit: int | None = None, stop: threading.Event | None = None) -> Outcome:
    """Deliver every mail that is due now (at most `limit`), claiming a few at a time.
    With `stop` set (SIGTERM), the mail in hand finishes and the rest is given back."""
    outcome = Outcome()
    stopping = stop.is_set if stop is not None else lambda: False
    while (limit is None or outcome.handled < limit) and not stopping():
        batch = claim(BATCH if limit is None else min(BATCH, limit - outcome.handled))
        if not batch:
            break
        for index, item in enumerate(batch):
            if stopping():
                release(batch[index:])
                return outcome
            if _renew(item):
                _deliver(item, outcome)
    return outcome


def release(items: list[Claimed]) -> None:
    """Give claimed rows back, due at once (a worker stopping between mails)."""
    with write_transaction():
        for item in items:
            db.session.execute(
                sa.update(OutboxMail)
                .where(_mine(item))
                .values(
                    attempts=OutboxMail.attempts - 1,
                    status=Status.RETRYING if item.attempts > 1 else Status.QUEUED,
                    claimed_until=None,
                    claimed_by=None,
                )
            )


def _deliver(item: Claimed, outcome: Outcome) -> None:
    try:
        message = _message(item)
    except mail.Drop as reason:
        _record(item, Status.DROPPED, str(reason))
        log.info("Mail %s (%s) dropped: %s", item.id, item.kind, reason)
        outcome.dropped += 1
        return
    except Exception:  # a composer's bug: logged, and tried again later
        log.exception("Mail %s (%s) could not be written", item.id, item.kind)
        _retry_or_fail(item, "could not be written", outcome)
        return
    try:
        transport.send(message, _file_name(item))
    except transport.Refused as refused:
        if refused.permanent:
            _record(item, Status.FAILED, refused.reason)
            log.warning("Mail %s (%s) refused: %s", item.id, item.kind, refused.reason)
            outcome.failed += 1
        else:
            _retry_or_fail(item, refused.reason, outcome)
        return
    _record(item, Status.SENT)
    log.info("Mail %s (%s) sent to %s", item.id, item.kind, item.to_address)
    outcome.sent += 1


def _file_name(item: Claimed) -> str:
    """instance/outbox/<queued>-<id>-<local part>.eml: sorted by time, found by address."""
    local_part = re.sub(r"[^A-Za-z0-9._-]", "_", item.to_address.split("@")[0])[:20]
    return f"{item.created_at:%Y%m%dT%H%M%S}-{item.id}-{local_part}"


def _message(item: Claimed) -> EmailMessage:
    to = item.to_address
    if item.body is None:
        try:
            written = mail.COMPOSERS[item.kind](item.to_address, item.data)
        finally:
            db.session.rollback()  # the composer's reads: no transaction open while sending
        subject, body, headers, to = (
            written.subject,
            written.body,
            written.headers,
            written.to or to,
        )
    else:
        subject, body, headers = item.subject or "", item.body, item.headers
    message = EmailMessage()
    message["From"] = mail.sender()
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(item.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = item.message_id  # the same on every try
    for name, value in headers.items():
        message[name] = value
    # Unwrapped lines, so that links survive intact in the .eml files too.
    message.set_content(body, cte="7bit" if body.isascii() else "8bit")
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, then hourly."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _retry_or_fail(item: Claimed, reason: str, outcome: Outcome) -> None:
    window = timedelta(hours=current_app.config["MAIL_RETRY_HOURS"])
    if utcnow() - item.created_at >= window:
        _record(item, Status.FAILED, f"gave up after {item.attempts} tries: {reason}")
        log.warning("Mail %s (%s) failed for good: %s", item.id, item.kind, reason)
        outcome.failed += 1
        return
    _record(item, Status.RETRYING, reason, next_attempt_at=utcnow() + backoff(item.attempts))
    log.warning("Mail %s (%s) not sent, will retry: %s", item.id, item.kind, reason)
    outcome.retrying += 1


def _record(item: Claimed, status: Status, error: str | None = None, **more) -> None:
    values = {"status": status, "claimed_until": None, "claimed_by": None, "last_error": error}
    values.update(more)
    if status == Status.SENT:
        values["sent_at"] = utcnow()
    if status in (Status.SENT, Status.FAILED, Status.DROPPED):
        values.update(body="", data={})  # single-use links do not stay in the database
        if item.data.get("forget_address"):
            values.update(to_address=mail.FORGOTTEN, subject="", last_error=None)
    with write_transaction():
        db.session.execute(sa.update(OutboxMail).where(_mine(item)).values(**values))
