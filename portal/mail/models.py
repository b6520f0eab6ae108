"""The outbox: one row per email, written in the transaction of the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db, str_enum


class Status(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try
    SENDING = "sending"  # claimed by a worker until `claimed_until`
    RETRYING = "retrying"  # a temporary failure: tried again at `next_attempt_at`
    SENT = "sent"
    FAILED = "failed"  # refused for good (5xx), or still failing after the retry window
    DROPPED = "dropped"  # not sent on purpose: the member left, or no account has the address


WAITING = (Status.QUEUED, Status.RETRYING)


class OutboxMail(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The template (`emails/<kind>.txt`), or the composer for mails written at delivery.
    kind: Mapped[str] = mapped_column(sa.String(40))
    to_address: Mapped[str] = mapped_column(sa.String(320))
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    body: Mapped[str | None] = mapped_column(sa.Text)  # None: a composer writes it when due
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # plain values for a composer
    message_id: Mapped[str] = mapped_column(sa.String(200))
    # Mails a job writes carry a key, so that a rerun never writes the same mail twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))  # the claim's token
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
