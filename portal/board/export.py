"""A member's requests and answers in their data export (DPDP: all of their own rows)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.board.models import Answer, PairingRequest
from portal.extensions import db
from portal.members import tokens
from portal.members.models import Member
from portal.members.sections import export_section


@export_section("requests")
def export_requests(member: Member) -> list[dict]:
    iso = tokens.stamp
    found = db.session.scalars(
        sa.select(PairingRequest)
        .where(PairingRequest.author_id == member.id)
        .order_by(PairingRequest.created_at)
    ).all()
    return [
        {
            "id": item.id,
            "kind": item.kind.value,
            "title": item.title,
            "tool": item.tool.name,
            "topics": item.tag_list,  # as written
            "description": item.description,
            "cadence": item.cadence,
            "in_person": item.in_person,
            "city": item.city,
            "status": item.status.value,
            "posted_at": iso(item.created_at),
            "closed_at": iso(item.closed_at),
        }
        for item in found
    ]


@export_section("answers")
def export_answers(member: Member) -> list[dict]:
    """The member's own answers, with the title of the request each answered."""
    iso = tokens.stamp
    found = db.session.execute(
        sa.select(Answer, PairingRequest.title)
        .join(PairingRequest, PairingRequest.id == Answer.request_id)
        .where(Answer.author_id == member.id)
        .order_by(Answer.created_at)
    ).all()
    return [
        {
            "request_id": answer.request_id,
            "request_title": title,
            "message": answer.message,
            "status": answer.status.value,
            "answered_at": iso(answer.created_at),
        }
        for answer, title in found
    ]
