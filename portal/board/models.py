"""Pairing requests and their answers, and the board's version (for cached pages)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db, str_enum
from portal.members.models import Member
from portal.moderation import Hideable
from portal.tools import Tool


class Kind(enum.StrEnum):
    SEEKING = "seeking"  # a senior asks to be taught
    OFFERING = "offering"  # a junior offers to teach

    @property
    def label(self) -> str:
        return str(
            _l("Seeking a reverse mentor") if self is Kind.SEEKING else _l("Offering to teach")
        )


class Status(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def word(self) -> str:
        """The status in the interface's language, lower case ("matched")."""
        return str(STATUS_WORDS[self])


class AnswerStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # another answer was accepted, or the request ended
    WITHDRAWN = "withdrawn"

    @property
    def word(self) -> str:
        return str(STATUS_WORDS[self])


STATUS_WORDS = {
    Status.OPEN: _l("open"),
    Status.MATCHED: _l("matched"),
    Status.CLOSED: _l("closed"),
    Status.WITHDRAWN: _l("withdrawn"),
    Status.EXPIRED: _l("expired"),
    AnswerStatus.ACCEPTED: _l("accepted"),
    AnswerStatus.DECLINED: _l("declined"),
}


class BoardState(db.Model):
    """One row whose version goes up with every change to the board, in the same
    transaction: workers key their cached anonymous board pages on it."""

    __tablename__ = "board_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class PairingRequest(Hideable, db.Model):
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
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    title: Mapped[str] = mapped_column(sa.String(120))
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("tools.id"))
    description: Mapped[str] = mapped_column(sa.Text)
    description_html: Mapped[str] = mapped_column(sa.Text)
    cadence: Mapped[str] = mapped_column(sa.String(80), default="One tool per quarter")
    in_person: Mapped[bool] = mapped_column(default=False)
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.OPEN)
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
        """The request's topics, as its author wrote them."""
        return [t.shown for t in self.tags]

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


class RequestTag(db.Model):
    __tablename__ = "request_tags"

    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_requests.id", ondelete="CASCADE"), primary_key=True
    )
    # The key it is matched by (lower-cased), and the topic as the author wrote it.
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
    label: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    @property
    def shown(self) -> str:
        return self.label or self.tag


class Answer(Hideable, db.Model):
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
    status: Mapped[AnswerStatus] = mapped_column(str_enum(AnswerStatus), default=AnswerStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[PairingRequest] = relationship(back_populates="answers")
    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_open(self) -> bool:
        return self.status is AnswerStatus.OPEN
