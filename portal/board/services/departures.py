"""How the board follows its members: a profile change shows on cached cards, and a
member who leaves takes their open requests and answers off the board."""

from __future__ import annotations

import sqlalchemy as sa

from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.board.services.version import board_changed
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.members.signals import member_changed, member_leaving


@member_changed.connect
def _profile_changed(member: Member, **_) -> None:
    # Cards on the board show the author's name: cached board pages must go.
    board_changed()


@member_leaving.connect
def retire_member(member: Member, **_) -> None:
    """Their open answers are withdrawn, and their open requests withdrawn with those
    requests' answers declined. Runs inside the member's deletion transaction."""
    board_changed()
    open_answers = sa.select(Answer.request_id).where(
        Answer.author_id == member.id, Answer.status == AnswerStatus.OPEN
    )
    db.session.execute(
        sa.update(PairingRequest)
        .where(PairingRequest.id.in_(open_answers))
        .values(answer_count=PairingRequest.answer_count - 1)
    )
    db.session.execute(
        sa.update(Answer)
        .where(Answer.author_id == member.id, Answer.status == AnswerStatus.OPEN)
        .values(status=AnswerStatus.WITHDRAWN)
    )
    own_open = sa.select(PairingRequest.id).where(
        PairingRequest.author_id == member.id, PairingRequest.status == Status.OPEN
    )
    db.session.execute(
        sa.update(Answer)
        .where(Answer.request_id.in_(own_open), Answer.status == AnswerStatus.OPEN)
        .values(status=AnswerStatus.DECLINED)
    )
    db.session.execute(
        sa.update(PairingRequest)
        .where(PairingRequest.author_id == member.id, PairingRequest.status == Status.OPEN)
        .values(status=Status.WITHDRAWN, closed_at=utcnow())
    )
