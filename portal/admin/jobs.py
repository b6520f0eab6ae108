"""Suspensions that run out: each hour, a suspension past its end is lifted as if a
moderator had (the partners are told, the board shows the member's requests again)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.admin.audit import audit
from portal.admin.suspensions import tell_partners_back
from portal.board.services.version import board_changed
from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import hourly, job
from portal.members.models import Member
from portal.web.database import write_transaction


@job("end-suspensions", period=hourly)
def end_suspensions(period: str) -> str:
    """Lift the suspensions whose time is up."""
    ended = 0
    with write_transaction():
        board_changed()  # first: the member's requests come back to cached pages too
        over = db.session.scalars(
            sa.select(Member)
            .where(Member.suspended_at.is_not(None), Member.suspended_until <= utcnow())
            .with_for_update()
        ).all()
        for member in over:
            member.suspended_at = member.suspended_until = None
            member.suspension_reason = ""
            tell_partners_back(member)
            audit(None, "suspension-ended", member_id=member.id, reason="its time was up")
            ended += 1
    return f"{ended} suspension(s) ended"
