"""Signed-in sessions, kept on the server: ending one really signs that browser out."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import local, utcnow
from portal.domain import NotAllowed
from portal.extensions import db
from portal.members.models import Member, MemberSession
from portal.web.database import write_transaction
from portal.web.i18n import format_day

log = logging.getLogger("portal.members")

REMEMBER_FOR = timedelta(days=30)
SESSION_FOR = timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(member: Member, *, remember: bool, user_agent: str = "") -> str:
    """A new server-side session for a member; returns the token the cookie carries."""
    with write_transaction():
        return add_session(member, remember=remember, user_agent=user_agent)


class Suspended(NotAllowed):
    """A suspended member can't sign in: the message says why and until when."""


def suspension_message(member: Member) -> str:
    if member.suspended_until:
        moment = local(member.suspended_until, member)
        day = f"{format_day(moment)}, {format_day(moment, 'time')}"
        until = _("until %(day)s", day=day)
    else:
        until = _("until the moderators lift it")
    parts = [_("Your account is suspended %(until)s, so you can't sign in.", until=until)]
    if member.suspension_reason:
        reason = member.suspension_reason.rstrip(".")
        parts.append(_("The moderators' reason: %(reason)s.", reason=reason))
    parts.append(_("If you think this is a mistake, reply to the email we sent you."))
    return " ".join(parts)


def add_session(member: Member, *, remember: bool, user_agent: str) -> str:
    if member.is_suspended():
        raise Suspended(suspension_message(member))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        MemberSession(
            token_hash=_hash(token),
            member_id=member.id,
            created_at=now,
            expires_at=now + (REMEMBER_FOR if remember else SESSION_FOR),
            remember=remember,
            user_agent=user_agent[:200],
        )
    )
    member.last_sign_in_at = now
    member.session_token = token
    log.info("Member %s signed in at %sZ", member.id, now.isoformat(timespec="seconds"))
    return token


def load_session(token: str) -> Member | None:
    row = db.session.execute(
        sa.select(MemberSession, Member)
        .join(Member, Member.id == MemberSession.member_id)
        .where(
            MemberSession.token_hash == _hash(token),
            MemberSession.expires_at > utcnow(),
            Member.deleted_at.is_(None),
            # A suspension ends every session; this holds even for one begun meanwhile.
            sa.or_(
                Member.suspended_at.is_(None),
                sa.and_(Member.suspended_until.is_not(None), Member.suspended_until <= utcnow()),
            ),
        )
    ).first()
    if row is None:
        return None
    member = row.Member
    member.session_token = token
    return member


def end_session(token: str | None) -> None:
    if token:
        with write_transaction():
            db.session.execute(
                sa.delete(MemberSession).where(MemberSession.token_hash == _hash(token))
            )


def remembered(token: str | None) -> bool:
    """Whether the session with this token was a "keep me signed in" one."""
    if not token:
        return False
    return bool(
        db.session.scalar(
            sa.select(MemberSession.remember).where(MemberSession.token_hash == _hash(token))
        )
    )


def end_all_sessions(member: Member, keep: str | None = None) -> None:
    query = sa.delete(MemberSession).where(MemberSession.member_id == member.id)
    if keep:
        query = query.where(MemberSession.token_hash != _hash(keep))
    db.session.execute(query)
