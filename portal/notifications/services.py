"""Writing, counting and reading in-app notices."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import FORMER_MEMBER, Member
from portal.members.signals import member_leaving
from portal.notifications.models import Notification
from portal.web.database import write_transaction
from portal.web.i18n import in_language


def notify(member_id: int, text, url: str, *, actor=None) -> None:
    """A notice for one member. Call inside the transaction of the change it tells of;
    `actor` is the member whose doing it tells of (their name is in the text). `text`
    is a lazy string, kept as written in the member's language."""
    member = db.session.get(Member, member_id)
    with in_language(member.locale if member is not None else None):
        text = str(text)
    db.session.add(
        Notification(
            member_id=member_id, text=text[:300], url=url, actor_id=actor.id if actor else None
        )
    )


@member_leaving.connect
def forget_actor(member, **_) -> None:
    """A member leaves: notices that name them say "a former member" instead (inside the
    deletion's transaction, before their name is gone)."""
    name = member.display_name
    db.session.execute(
        sa.update(Notification)
        .where(Notification.actor_id == member.id)
        .values(text=sa.func.replace(Notification.text, name, FORMER_MEMBER), actor_id=None)
    )


def has_unread(member_id: int, url: str) -> bool:
    """Whether the member still has an unread notice pointing at exactly `url`."""
    found = db.session.scalar(
        sa.select(Notification.id).where(
            Notification.member_id == member_id,
            Notification.url == url,
            Notification.read_at.is_(None),
        )
    )
    return found is not None


def unread_count(member) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.member_id == member.id, Notification.read_at.is_(None)
        )
    )


def unread_for_current_member() -> int:
    """The header's badge (a template global)."""
    return unread_count(current_user) if current_user.is_authenticated else 0


def notifications(member, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(member, notification_id: int | None = None) -> None:
    """One notice read, or (without an id) all of them."""
    query = sa.update(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    with write_transaction():
        db.session.execute(query.values(read_at=utcnow()))


def mark_read_under(member, path: str) -> None:
    """Opening a page reads the notices that point to it or into it (`path#...`), as
    Discourse does. No write lock is taken when there is nothing to mark."""
    unread = sa.and_(
        Notification.member_id == member.id,
        Notification.read_at.is_(None),
        sa.or_(Notification.url == path, Notification.url.startswith(path + "#")),
    )
    if db.session.scalar(sa.select(Notification.id).where(unread).limit(1)) is None:
        return
    with write_transaction():
        db.session.execute(sa.update(Notification).where(unread).values(read_at=utcnow()))
