"""Cleaning up after members: sessions past their end are deleted each day."""

from __future__ import annotations

import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import daily, job
from portal.members.models import MemberSession
from portal.web.database import write_transaction


@job("forget-sessions", period=daily)
def forget_sessions(period: str) -> str:
    """Delete signed-in sessions that have ended."""
    with write_transaction():
        gone = db.session.execute(
            sa.delete(MemberSession).where(MemberSession.expires_at < utcnow())
        ).rowcount
    return f"{gone} ended session(s) deleted"
