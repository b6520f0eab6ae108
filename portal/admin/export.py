"""The reports, concerns and requests for review a member made, in their data export
(their own rows; nothing of what others reported about them)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.admin.models import Report
from portal.extensions import db
from portal.members import tokens
from portal.members.models import Member
from portal.members.sections import export_section


@export_section("reports")
def export_reports(member: Member) -> list[dict]:
    made = db.session.scalars(
        sa.select(Report).where(Report.reporter_id == member.id).order_by(Report.created_at)
    ).all()
    return [
        {
            "about": f"{report.item_kind} {report.item_id}",
            "reason": report.reason_label,
            "note": report.note,
            "made_at": tokens.stamp(report.created_at),
            "closed_at": tokens.stamp(report.closed_at),
            "outcome": report.outcome,
        }
        for report in made
    ]
