"""Answers: posting one, withdrawing it, and the board's half of accepting one.

Accepting an answer begins a pairing, so `portal.pairings` drives it: it calls
`match()` here, inside its own transaction, and creates the pairing with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.board import emails
from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.board.services.limits import check_can_answer
from portal.board.services.version import board_changed
from portal.clock import utcnow
from portal.domain import Conflict, NotAllowed
from portal.extensions import db
from portal.members.blocks import has_blocked
from portal.members.models import Member
from portal.notifications.services import notify
from portal.web.database import write_transaction


def answer_request(member: Member, request: PairingRequest, message: str) -> Answer:
    if request.author_id == member.id:
        raise NotAllowed(_("You can't answer your own request."))
    check_not_blocked(member, request.author_id, "answer")
    if request.status is not Status.OPEN:
        raise Conflict(
            _(
                "This request is %(status)s: it takes no new answers.",
                status=request.status.word,
            )
        )
    try:
        with write_transaction():
            board_changed()  # the board's lock first, so the daily limit can't be raced
            check_can_answer(member)
            answer = Answer(request_id=request.id, author_id=member.id, message=message.strip())
            db.session.add(answer)
            db.session.flush()
            changed = db.session.execute(
                sa.update(PairingRequest)
                .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
                .values(answer_count=PairingRequest.answer_count + 1)
            ).rowcount
            if not changed:
                raise Conflict(_("This request closed a moment ago: it takes no new answers."))
            notify(
                request.author_id,
                _l(
                    "%(name)s answered your request \u201c%(title)s\u201d.",
                    name=member.name,
                    title=request.title,
                ),
                f"/requests/{request.id}#answer-{answer.id}",
                actor=member,
            )
            emails.answered(request, answer)
    except IntegrityError as exc:
        raise Conflict(_("You have already answered this request.")) from exc
    db.session.refresh(request)
    return answer


def withdraw_answer(member: Member, answer: Answer) -> None:
    if answer.author_id != member.id:
        raise NotAllowed(_("Only the member who wrote this answer can withdraw it."))
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(Answer)
            .where(Answer.id == answer.id, Answer.status == AnswerStatus.OPEN)
            .values(status=AnswerStatus.WITHDRAWN)
        ).rowcount
        if not changed:
            raise Conflict(
                _(
                    "This answer is %(status)s: it can't be withdrawn now.",
                    status=answer.status.word,
                )
            )
        db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == answer.request_id)
            .values(answer_count=PairingRequest.answer_count - 1)
        )
    db.session.refresh(answer)


def same_organisation(a: Member, b: Member) -> bool:
    return bool(a.organisation) and a.organisation.strip().lower() == b.organisation.strip().lower()


def check_not_blocked(member: Member, other_id: int, doing: str) -> None:
    """Two members on either side of a block never answer each other or pair. The
    member who blocked is reminded of it; the other is told only that they can't.
    `doing`: "answer" (their request) or "pair" (with them); each says it in a whole
    sentence, for the translations."""
    answering = doing == "answer"
    if has_blocked(member.id, other_id):
        raise NotAllowed(
            _(
                "You have blocked this member, so you can't answer this request. "
                "You can unblock them from your account page."
            )
            if answering
            else _(
                "You have blocked this member, so you can't be paired with them. "
                "You can unblock them from your account page."
            )
        )
    if has_blocked(other_id, member.id):
        raise NotAllowed(
            _("You can't answer this request.")
            if answering
            else _("You can't be paired with them.")
        )


def check_can_accept(member: Member, request: PairingRequest, answer: Answer) -> None:
    if request.author_id != member.id:
        raise NotAllowed(_("Only the member who posted this request can accept an answer."))
    if answer.request_id != request.id:
        raise NotAllowed(_("That answer belongs to another request."))
    check_not_blocked(member, answer.author_id, "pair")
    if answer.is_hidden or answer.author.is_suspended():
        raise Conflict(_("That answer is no longer open: the moderators took it off the board."))


@dataclass
class Matched:
    chosen: Answer
    others: list[Answer]  # the other open answers, now declined


def match(member: Member, request: PairingRequest, answer: Answer) -> Matched:
    """The author picks one answer: the request is matched, the answer accepted and
    the others declined (and told, kindly). Call inside a write transaction.

    Two accepts at the same moment match once: the conditional UPDATE on the request's
    status lets one through, and a partial unique index on accepted answers backs it up.
    """
    check_can_accept(member, request, answer)
    board_changed()
    matched = db.session.execute(
        sa.update(PairingRequest)
        .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
        .values(status=Status.MATCHED, closed_at=utcnow())
    ).rowcount
    if not matched:
        raise Conflict(_("This request is no longer open: an answer was already accepted."))
    chosen = db.session.execute(
        sa.update(Answer)
        .where(Answer.id == answer.id, Answer.status == AnswerStatus.OPEN)
        .values(status=AnswerStatus.ACCEPTED)
    ).rowcount
    if not chosen:
        raise Conflict(_("That answer was withdrawn; it can't be accepted."))
    others = list(
        db.session.scalars(
            sa.select(Answer).where(
                Answer.request_id == request.id,
                Answer.status == AnswerStatus.OPEN,
                Answer.id != answer.id,
            )
        )
    )
    db.session.execute(
        sa.update(Answer)
        .where(Answer.id.in_([o.id for o in others]))
        .values(status=AnswerStatus.DECLINED)
    )
    for other in others:
        notify(
            other.author_id,
            _l(
                "\u201c%(title)s\u201d has been matched with another member. "
                "Thank you for offering; there are other requests waiting.",
                title=request.title,
            ),
            "/requests/",
        )
    return Matched(answer, others)
