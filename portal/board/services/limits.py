"""New-member limits: one open request, and a few answers a day, for a member's first
week or until their first pairing (whichever ends first)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.clock import utcnow
from portal.domain import NotAllowed
from portal.extensions import db
from portal.members.models import Member

NEW_MEMBER_DAYS = 7
NEW_MEMBER_OPEN_REQUESTS = 1
NEW_MEMBER_ANSWERS_A_DAY = 3


def has_been_paired(member: Member) -> bool:
    """A pairing begins exactly when an answer is accepted and its request matched,
    so the board's own rows tell whether a member has ever been paired."""
    matched_request = sa.exists().where(
        PairingRequest.author_id == member.id, PairingRequest.status == Status.MATCHED
    )
    accepted_answer = sa.exists().where(
        Answer.author_id == member.id, Answer.status == AnswerStatus.ACCEPTED
    )
    return bool(db.session.scalar(sa.select(sa.or_(matched_request, accepted_answer))))


def is_new(member: Member) -> bool:
    recent = member.created_at > utcnow() - timedelta(days=NEW_MEMBER_DAYS)
    return recent and not has_been_paired(member)


def check_can_post(member: Member) -> None:
    if not member.is_verified:
        raise NotAllowed(_("Please confirm your email address before posting."))
    if is_new(member):
        open_count = db.session.scalar(
            sa.select(sa.func.count()).where(
                PairingRequest.author_id == member.id, PairingRequest.status == Status.OPEN
            )
        )
        if open_count >= NEW_MEMBER_OPEN_REQUESTS:
            raise NotAllowed(
                _(
                    "New members keep one request open at a time, for their first week or "
                    "until their first pairing. Close your open request, or wait a few days."
                )
            )


def check_can_answer(member: Member) -> None:
    if not member.is_verified:
        raise NotAllowed(_("Please confirm your email address before answering."))
    if is_new(member):
        since = utcnow() - timedelta(days=1)
        answers = db.session.scalar(
            sa.select(sa.func.count()).where(
                Answer.author_id == member.id, Answer.created_at > since
            )
        )
        if answers >= NEW_MEMBER_ANSWERS_A_DAY:
            raise NotAllowed(
                _(
                    "New members answer up to %(count)s requests a day in "
                    "their first week. Please come back tomorrow.",
                    count=NEW_MEMBER_ANSWERS_A_DAY,
                )
            )
