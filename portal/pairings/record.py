"""The participation record: a quiet count of who keeps showing up.

Counted from the rows themselves (no denormalised counters to drift): a handful of
aggregate queries per profile, each on an indexed member column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.members.models import Member
from portal.pairings.models import Pairing, PairingStatus, Quarter, SessionEntry
from portal.tools import Tool


@dataclass
class Record:
    started: int = 0
    completed: int = 0
    active: int = 0
    quarters_completed: int = 0
    sessions_logged: int = 0
    tools_learned: list[str] = field(default_factory=list)  # as the senior
    tools_taught: list[str] = field(default_factory=list)  # as the junior

    @property
    def is_empty(self) -> bool:
        return self.started == 0


def _mine(member_id: int):
    return sa.or_(Pairing.senior_id == member_id, Pairing.junior_id == member_id)


def participation(member: Member) -> Record:
    counts = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Pairing.status == PairingStatus.COMPLETED),
            sa.func.count().filter(Pairing.status == PairingStatus.ACTIVE),
        ).where(_mine(member.id))
    ).one()
    record = Record(started=counts[0], completed=counts[1], active=counts[2])
    if not record.started:
        return record
    record.quarters_completed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Quarter)
        .join(Pairing, Pairing.id == Quarter.pairing_id)
        .where(_mine(member.id), Quarter.completed_at.is_not(None))
    )
    record.sessions_logged = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SessionEntry)
        .join(Pairing, Pairing.id == SessionEntry.pairing_id)
        .where(_mine(member.id))
    )
    tools = db.session.execute(
        sa.select(Tool.name, Pairing.senior_id == member.id)
        .select_from(Quarter)
        .join(Pairing, Pairing.id == Quarter.pairing_id)
        .join(Tool, Tool.id == Quarter.tool_id)
        .where(_mine(member.id), Quarter.completed_at.is_not(None))
        .distinct()
        .order_by(Tool.name)
    ).all()
    record.tools_learned = [name for name, as_senior in tools if as_senior]
    record.tools_taught = [name for name, as_senior in tools if not as_senior]
    return record


def can_see_record(member: Member, viewer) -> bool:
    if member.record_public:
        return True
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.id == member.id or bool(viewer.is_admin)


@dataclass
class Taught:
    tool: str
    senior: str
    quarter: int
    completed_at: datetime
    sessions: int


def taught_upward(junior: Member) -> list[Taught]:
    """Completed quarters the junior taught, from pairings both members agreed to show."""
    session_counts = (
        sa.select(SessionEntry.quarter_id, sa.func.count().label("n"))
        .group_by(SessionEntry.quarter_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Quarter, Pairing, sa.func.coalesce(session_counts.c.n, 0))
        .join(Pairing, Pairing.id == Quarter.pairing_id)
        .outerjoin(session_counts, session_counts.c.quarter_id == Quarter.id)
        .where(
            Pairing.junior_id == junior.id,
            Pairing.junior_shares,
            Pairing.senior_shares,
            Quarter.completed_at.is_not(None),
        )
        .order_by(Quarter.completed_at.desc())
    ).all()
    return [
        Taught(
            tool=quarter.tool.name,
            senior=pairing.senior.display_name,
            quarter=quarter.number,
            completed_at=quarter.completed_at,
            sessions=count,
        )
        for quarter, pairing, count in rows
    ]
