"""Members, their tags and their signed-in sessions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import time_zone, utcnow
from portal.extensions import db
from portal.moderation import Hideable

FORMER_MEMBER = "a former member"  # stored (a deleted member's name); shown translated


class Role(enum.StrEnum):
    SENIOR = "senior"
    JUNIOR = "junior"
    BOTH = "both"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.SENIOR: _l("A senior who wants to learn"),
    Role.JUNIOR: _l("A junior who can teach"),
    Role.BOTH: _l("Both: I learn some tools and teach others"),
}

LANGUAGES = {
    "en": _l("English"),
    "hi": _l("Hindi"),
    "hinglish": _l("Hinglish"),
    "other": _l("Other"),
}
MEETING_MODES = {
    "video": _l("Video call"),
    "phone": _l("Phone or WhatsApp"),
    "in_person": _l("In person"),
}


class Member(UserMixin, Hideable, db.Model):
    __tablename__ = "members"
    __table_args__ = (
        # The few members looked up on every board page (the suspended) and on /admin/.
        sa.Index(
            "ix_members_suspended",
            "suspended_at",
            sqlite_where=sa.text("suspended_at IS NOT NULL"),
            postgresql_where=sa.text("suspended_at IS NOT NULL"),
        ),
        sa.Index(
            "ix_members_staff",
            "id",
            sqlite_where=sa.text("is_admin = 1 OR is_moderator = 1"),
            postgresql_where=sa.text("is_admin OR is_moderator"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str] = mapped_column(sa.String(254))
    # Lower-cased email: the unique index that makes "A@x" and "a@X" one account,
    # even when two joins arrive at the same moment.
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        sa.Enum(
            Role,
            native_enum=False,
            length=10,
            values_callable=lambda roles: [r.value for r in roles],
            validate_strings=True,
        )
    )
    organisation: Mapped[str] = mapped_column(sa.String(120), default="")
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    language: Mapped[str] = mapped_column(sa.String(10), default="en")  # for meetings
    # The interface's language, for their pages and mails ('en' or 'hi'; web/i18n.py).
    locale: Mapped[str] = mapped_column(sa.String(5), default="en", server_default="en")
    meeting_mode: Mapped[str] = mapped_column(sa.String(10), default="video")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Kolkata")
    notify: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    joined_from: Mapped[str | None] = mapped_column(sa.String(120))
    consent_version: Mapped[str] = mapped_column(sa.String(20))
    consented_at: Mapped[datetime] = mapped_column()
    adult_declared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column()
    # Admins do everything (and make moderators); moderators run the queue.
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_moderator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A suspension: since when, until when (None: until lifted), and why (told to them).
    suspended_at: Mapped[datetime | None] = mapped_column()
    suspended_until: Mapped[datetime | None] = mapped_column()
    suspension_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # When the member first saw the teach-upward primer / the asking framing.
    teaching_primer_at: Mapped[datetime | None] = mapped_column()
    asking_primer_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()
    # Whether the participation record on the profile is public (admins always see it).
    record_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    tags: Mapped[list[MemberTag]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberTag.tag"
    )

    # Set when a session row is created or loaded; Flask-Login stores it as the "id".
    session_token = None  # not a column: the token of the session this object was loaded for

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.is_moderator

    def is_suspended(self, now: datetime | None = None) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > (now or utcnow())

    @property
    def display_name(self) -> str:
        return _("a former member") if self.deleted_at else self.name

    def tag_list(self, kind: str) -> list[str]:
        """The member's tags of `kind`, as they wrote them."""
        return [t.shown for t in self.tags if t.kind == kind]

    def tag_keys(self, kind: str) -> list[str]:
        """The same tags as matched against requests (lower-cased)."""
        return [t.tag for t in self.tags if t.kind == kind]

    @property
    def can_teach(self) -> list[str]:
        return self.tag_list("teach")

    @property
    def wants_to_learn(self) -> list[str]:
        return self.tag_list("learn")

    @property
    def zone(self):
        """The member's time zone (India's if theirs is unknown)."""
        return time_zone(self.timezone)

    def wants_notice(self, kind: str) -> bool:
        return bool((self.notify or {}).get(kind, True))


def suspended_ids() -> sa.Select:
    """The ids of members suspended now: their content leaves what others see."""
    return sa.select(Member.id).where(
        Member.suspended_at.is_not(None),
        sa.or_(Member.suspended_until.is_(None), Member.suspended_until > utcnow()),
    )


class MemberTag(db.Model):
    """A tool or topic a member can teach ("teach") or wants to learn ("learn")."""

    __tablename__ = "member_tags"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    # The key it is matched by (lower-cased), and the tag as the member wrote it.
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
    label: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    member: Mapped[Member] = relationship(back_populates="tags")

    @property
    def shown(self) -> str:
        return self.label or self.tag


class MemberSession(db.Model):
    """One signed-in browser. Deleting the row signs that browser out for real:
    a cookie captured earlier no longer finds anything."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    member: Mapped[Member] = relationship()
