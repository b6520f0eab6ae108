"""Blocks: a member blocks another, and from then on the two never see each other's
requests and answers, can't answer each other and are never paired.

The block belongs to membership so that the board and pairings, above it, can read it:
`hidden_from()` goes into their queries as one subquery, `blocked_either_way()` into
their rules. It is silent: the blocked member is never told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.domain import NotAllowed
from portal.extensions import db
from portal.members import tokens
from portal.members.models import Member
from portal.members.sections import export_section, profile_section
from portal.web.database import write_transaction
from portal.web.forms import ActionForm


class MemberBlock(db.Model):
    """`blocker` blocked `blocked`: one row, whichever way it is read."""

    __tablename__ = "member_blocks"

    blocker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def block(member: Member, other: Member) -> None:
    """`member` blocks `other`. Blocking someone already blocked changes nothing."""
    if other.id == member.id:
        raise NotAllowed(_("You can't block yourself."))
    try:
        with write_transaction():
            if not _blocks(member.id, other.id):
                db.session.add(MemberBlock(blocker_id=member.id, blocked_id=other.id))
    except IntegrityError:
        pass  # the same block, posted twice at the same moment: it is there once


def unblock(member: Member, other: Member) -> None:
    """`member` lifts their block on `other` (if there was none, nothing changes)."""
    with write_transaction():
        db.session.execute(
            sa.delete(MemberBlock).where(
                MemberBlock.blocker_id == member.id, MemberBlock.blocked_id == other.id
            )
        )


def _blocks(blocker_id: int, blocked_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                MemberBlock.blocker_id == blocker_id, MemberBlock.blocked_id == blocked_id
            )
        )
    )


def has_blocked(member_id: int, other_id: int) -> bool:
    """Whether `member_id` blocked `other_id` (this way only)."""
    return _blocks(member_id, other_id)


def blocked_either_way(a_id: int, b_id: int) -> bool:
    """Whether either of the two blocked the other."""
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                sa.or_(
                    sa.and_(MemberBlock.blocker_id == a_id, MemberBlock.blocked_id == b_id),
                    sa.and_(MemberBlock.blocker_id == b_id, MemberBlock.blocked_id == a_id),
                )
            )
        )
    )


def hidden_from(member_id: int) -> sa.Select:
    """The ids of the members this member blocked or was blocked by: for a query's
    `author_id.not_in(...)` (one subquery, read through both keys' indexes)."""
    return sa.select(
        sa.case(
            (MemberBlock.blocker_id == member_id, MemberBlock.blocked_id),
            else_=MemberBlock.blocker_id,
        )
    ).where(sa.or_(MemberBlock.blocker_id == member_id, MemberBlock.blocked_id == member_id))


@dataclass(frozen=True)
class Blocked:
    member: Member
    since: datetime


def blocks_of(member: Member) -> list[Blocked]:
    """The members this member blocked, newest first (former members left out)."""
    rows = db.session.execute(
        sa.select(Member, MemberBlock.created_at)
        .join(MemberBlock, MemberBlock.blocked_id == Member.id)
        .where(MemberBlock.blocker_id == member.id, Member.deleted_at.is_(None))
        .order_by(MemberBlock.created_at.desc())
    )
    return [Blocked(found, since) for found, since in rows]


@export_section("blocks")
def export_blocks(member: Member) -> list[dict]:
    return [
        {"handle": b.member.handle, "blocked_at": tokens.stamp(b.since)} for b in blocks_of(member)
    ]


@profile_section("members/_block_section.html", order=90)
def block_section(member: Member, viewer) -> dict:
    """Another member's profile offers to block them (or to lift the block)."""
    show = bool(getattr(viewer, "is_authenticated", False)) and viewer.id != member.id
    return {
        "show": show,
        "blocked": show and has_blocked(viewer.id, member.id),
        "action": ActionForm(formdata=None) if show else None,
    }
