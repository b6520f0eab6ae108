"""A notice in the header's list, and the kinds of notice email a member can turn off."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db

# Each kind of notice email, as the account page offers it; every notice email carries
# a link that turns its own kind off.
NOTICES = {
    "answers": _l("Someone answers my request, or a request I answered finds its match"),
    "accepted": _l("My answer is accepted and a pairing begins"),
    "messages": _l("A new message in one of my pairings"),
    "reflections": _l("My partner has reflected on our quarter and mine is waiting"),
    "reminders": _l("Reminders: answers waiting for me, a reflection due, a quiet pairing"),
    "digest": _l("A monthly note: new essays, requests that fit me, my pairings' next steps"),
    "reports": _l("What the moderators did about something I reported"),
}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_member_read", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.String(300))
    url: Mapped[str] = mapped_column(sa.String(200))
    # The member whose doing it tells of: if they leave, their name leaves the text.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
