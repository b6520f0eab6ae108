"""Reports members make, and the audit log of every moderation and admin action."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member


class ItemKind(enum.StrEnum):
    REQUEST = "request"
    ANSWER = "answer"
    MESSAGE = "message"
    MEMBER = "member"  # a profile
    PAIRING = "pairing"  # a concern raised inside it

    @property
    def label(self) -> str:
        return {
            "request": _("Request"),
            "answer": _("Answer"),
            "message": _("Message"),
            "pairing": _("Pairing"),
        }.get(self.value) or _("Profile")

    @property
    def yours(self):
        """ "your request"... inside what the author is told (lazy: their language)."""
        return YOURS.get(self.value, YOURS["member"])


# Each is followed by a postposition in the sentences that hold it (Hindi: oblique case).
YOURS = {
    "request": _l("your request"),
    "answer": _l("your answer"),
    "message": _l("your message"),
    "member": _l("your profile"),
    "pairing": _l("your pairing"),
}


REASONS = {
    "spam": _l("Spam or advertising"),
    "harassment": _l("Harassment or abuse"),
    "off_topic": _l("Not about mentoring"),
    "personal_data": _l("Someone's personal data"),
    "other": _l("Something else"),
}


# Not reports against an item: a member of a pairing raising a concern, and an author
# asking the moderators to look again at something hidden. Neither counts to hide.
CONCERN = "concern"
REVIEW = "review"
LABELS = {
    **REASONS,
    CONCERN: _l("A concern raised in the pairing"),
    REVIEW: _l("The author asks for a review"),
}


class Outcome(enum.StrEnum):
    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_item", "item_kind", "item_id"),
        sa.Index("ix_reports_open", "closed_at", "created_at"),
        # One live report per member per item: a second counts for nothing.
        sa.Index(
            "uq_reports_one_live_per_member",
            "reporter_id",
            "item_kind",
            "item_id",
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    item_kind: Mapped[str] = mapped_column(sa.String(10))
    item_id: Mapped[int] = mapped_column()
    # Whose item it is (a profile: the member): the queue shows their history.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )

    reporter: Mapped[Member | None] = relationship(foreign_keys=[reporter_id], lazy="joined")

    @property
    def reason_label(self) -> str:
        return str(LABELS.get(self.reason, self.reason))


class AuditEntry(db.Model):
    """Who did what, to what, when and why. Actor None: the portal itself (auto-hide)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))
    item_kind: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    item_id: Mapped[int | None] = mapped_column()
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[Member | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id], lazy="joined")
