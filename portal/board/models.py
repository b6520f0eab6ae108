"""Pairing requests, answers, the tool catalogue, pairings and in-app notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.members.models import Member, utcnow


def _enum(cls):
    return sa.Enum(
        cls,
        native_enum=False,
        length=12,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Kind(enum.StrEnum):
    SEEKING = "seeking"  # a senior asks to be taught
    OFFERING = "offering"  # a junior offers to teach

    @property
    def label(self) -> str:
        return "Seeking a reverse mentor" if self is Kind.SEEKING else "Offering to teach"


class Status(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class AnswerStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # another answer was accepted, or the request ended
    WITHDRAWN = "withdrawn"


class Tool(db.Model):
    __tablename__ = "tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)  # lower-cased name
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    curated: Mapped[bool] = mapped_column(default=False)


class BoardState(db.Model):
    """One row whose version goes up with every change to the board, in the same
    transaction: workers key their cached anonymous board pages on it."""

    __tablename__ = "board_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class PairingRequest(db.Model):
    __tablename__ = "pairing_requests"
    __table_args__ = (
        # "Any status", newest first.
        sa.Index("ix_pairing_requests_created", "created_at", "id"),
        # The board: open requests, newest first, optionally by kind or tool.
        sa.Index("ix_pairing_requests_status_created", "status", "created_at"),
        sa.Index("ix_pairing_requests_status_kind_created", "status", "kind", "created_at"),
        sa.Index("ix_pairing_requests_tool_status_created", "tool_id", "status", "created_at"),
        sa.Index("ix_pairing_requests_author_status", "author_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    title: Mapped[str] = mapped_column(sa.String(120))
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("tools.id"))
    description: Mapped[str] = mapped_column(sa.Text)
    description_html: Mapped[str] = mapped_column(sa.Text)
    cadence: Mapped[str] = mapped_column(sa.String(80), default="One tool per quarter")
    in_person: Mapped[bool] = mapped_column(default=False)
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.OPEN)
    answer_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    tool: Mapped[Tool] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[RequestTag]] = relationship(
        cascade="all, delete-orphan", order_by="RequestTag.tag", lazy="selectin"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="request", order_by="Answer.created_at", lazy="raise"
    )

    @property
    def tag_list(self) -> list[str]:
        return [t.tag for t in self.tags]


class RequestTag(db.Model):
    __tablename__ = "request_tags"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_requests.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (
        # One live answer per member per request ...
        sa.Index(
            "uq_answers_one_live_per_member",
            "request_id",
            "author_id",
            unique=True,
            sqlite_where=sa.text("status IN ('open', 'accepted')"),
            postgresql_where=sa.text("status IN ('open', 'accepted')"),
        ),
        # ... and at most one accepted answer per request, whatever races.
        sa.Index(
            "uq_answers_one_accepted",
            "request_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
        sa.Index("ix_answers_request_created", "request_id", "created_at"),
        sa.Index("ix_answers_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_requests.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[AnswerStatus] = mapped_column(_enum(AnswerStatus), default=AnswerStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[PairingRequest] = relationship(back_populates="answers")
    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class PairingStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"  # ended with every quarter reflected on by both
    ENDED = "ended"  # ended early, with a reason


class Pairing(db.Model):
    """Created when an author accepts an answer; `portal.pairings` runs it quarter by
    quarter (agenda, session log, reflections, messages)."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("pairing_requests.id"), unique=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id"), unique=True)
    senior_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    junior_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("tools.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[PairingStatus] = mapped_column(
        _enum(PairingStatus), default=PairingStatus.ACTIVE, server_default="active"
    )
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # Each member's consent to show this pairing on the junior's "taught upward" page.
    senior_shares: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    junior_shares: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    senior: Mapped[Member] = relationship(foreign_keys=[senior_id], lazy="joined")
    junior: Mapped[Member] = relationship(foreign_keys=[junior_id], lazy="joined")
    tool: Mapped[Tool] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status is PairingStatus.ACTIVE

    def side_of(self, member_id: int) -> str | None:
        """ "senior", "junior", or None for anyone else."""
        if member_id == self.senior_id:
            return "senior"
        if member_id == self.junior_id:
            return "junior"
        return None

    def partner_of(self, member_id: int) -> Member:
        return self.junior if member_id == self.senior_id else self.senior


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_member_read", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.String(300))
    url: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
