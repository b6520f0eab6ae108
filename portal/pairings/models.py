"""What a pairing is made of: quarters (one tool each, both goals), the agenda,
the session log, reflections and messages between the two members."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db, str_enum
from portal.members.models import Member
from portal.moderation import Hideable
from portal.tools import Tool

QUARTER_DAYS = 91
# The end reason the portal writes itself when a member leaves (kept in English, shown
# in the reader's language by `Pairing.end_reason_shown`).
LEFT_THE_CLUB = "One of you left the club."


class PairingStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"  # ended with every quarter reflected on by both
    ENDED = "ended"  # ended early, with a reason

    @property
    def word(self) -> str:
        """The status in the interface's language, lower case."""
        words = {"active": _l("active"), "completed": _l("completed"), "ended": _l("ended")}
        return str(words[self.value])


class Pairing(db.Model):
    """Created when an author accepts an answer on the board; run quarter by quarter
    (agenda, session log, reflections, messages)."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("pairing_requests.id"), unique=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id"), unique=True)
    senior_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    junior_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("tools.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[PairingStatus] = mapped_column(
        str_enum(PairingStatus), default=PairingStatus.ACTIVE, server_default="active"
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

    @property
    def is_completed(self) -> bool:
        """Ended with every quarter reflected on by both (not ended early)."""
        return self.status is PairingStatus.COMPLETED

    @property
    def end_reason_shown(self) -> str:
        """The reason as the page shows it: the portal's own one in the reader's language."""
        if self.end_reason == LEFT_THE_CLUB:
            return str(_l("One of you left the club."))
        return self.end_reason

    def side_of(self, member_id: int) -> str | None:
        """ "senior", "junior", or None for anyone else."""
        if member_id == self.senior_id:
            return "senior"
        if member_id == self.junior_id:
            return "junior"
        return None

    def partner_of(self, member_id: int) -> Member:
        return self.junior if member_id == self.senior_id else self.senior


class Quarter(db.Model):
    """One tool for about three months. Complete when both members have reflected."""

    __tablename__ = "pairing_quarters"
    __table_args__ = (sa.UniqueConstraint("pairing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairings.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("tools.id"))
    # The junior's goal for the tool; the senior's goal for the judgement they share.
    junior_goal: Mapped[str] = mapped_column(sa.String(600), default="")
    senior_goal: Mapped[str] = mapped_column(sa.String(600), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()

    tool: Mapped[Tool] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def ends_around(self) -> date:
        return (self.started_at + timedelta(days=QUARTER_DAYS)).date()


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (sa.Index("ix_agenda_items_quarter_position", "quarter_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_quarters.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(120))
    detail: Mapped[str] = mapped_column(sa.String(1000), default="")


class SessionEntry(db.Model):
    """One meeting in the session log."""

    __tablename__ = "pairing_sessions"
    __table_args__ = (sa.Index("ix_pairing_sessions_pairing_held", "pairing_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(sa.ForeignKey("pairings.id", ondelete="CASCADE"))
    quarter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_quarters.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    # Who last wrote the text (either member may correct an entry): the export gives
    # each member their own words only.
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    held_on: Mapped[date] = mapped_column()
    covered: Mapped[str] = mapped_column(sa.String(300))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    agenda_item: Mapped[AgendaItem | None] = relationship(lazy="joined")


class Reflection(db.Model):
    __tablename__ = "reflections"
    __table_args__ = (sa.UniqueConstraint("quarter_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pairing_quarters.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    learned: Mapped[str] = mapped_column(sa.String(2000))
    taught: Mapped[str] = mapped_column(sa.String(2000))
    next_quarter: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Hideable, db.Model):
    __tablename__ = "pairing_messages"
    __table_args__ = (sa.Index("ix_pairing_messages_pairing_created", "pairing_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(sa.ForeignKey("pairings.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
