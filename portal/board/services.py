"""Board rules: who may do what to a request or an answer, from which state.

Plain functions; each change happens in one transaction and raises `NotAllowed`
(403) or `Conflict` (409) with a message for the member, changing nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.board.markdown import render_markdown
from portal.board.models import (
    Answer,
    AnswerStatus,
    BoardState,
    Kind,
    Notification,
    Pairing,
    PairingRequest,
    RequestTag,
    Status,
    Tool,
)
from portal.extensions import db
from portal.members.models import Member, utcnow
from portal.web.database import write_transaction

log = logging.getLogger("portal.board")

NEW_MEMBER_DAYS = 7
NEW_MEMBER_OPEN_REQUESTS = 1
NEW_MEMBER_ANSWERS_A_DAY = 3


class NotAllowed(Exception):
    """403: this member may not do this."""


class Conflict(Exception):
    """409: not from the state the request or answer is in now."""


def end_of_quarter(moment: datetime) -> datetime:
    """The first instant after the calendar quarter `moment` is in."""
    first_month_next = ((moment.month - 1) // 3 + 1) * 3 + 1
    year = moment.year + (first_month_next > 12)
    return datetime(year, (first_month_next - 1) % 12 + 1, 1)


# --- tools -------------------------------------------------------------------------


def find_or_create_tool(name: str) -> Tool:
    name = " ".join(name.split())
    key = name.lower()
    tool = db.session.scalar(sa.select(Tool).where(Tool.key == key))
    if tool is None:
        tool = Tool(name=name, key=key, curated=False)
        db.session.add(tool)
        db.session.flush()
    return tool


def catalogue() -> list[Tool]:
    return list(db.session.scalars(sa.select(Tool).where(Tool.curated).order_by(Tool.name)))


# --- new-member limits ---------------------------------------------------------------


def _is_new(member: Member) -> bool:
    if member.created_at > utcnow() - timedelta(days=NEW_MEMBER_DAYS):
        has_pairing = db.session.scalar(
            sa.select(
                sa.exists().where(
                    sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id)
                )
            )
        )
        return not has_pairing
    return False


def _check_can_post(member: Member) -> None:
    if not member.is_verified:
        raise NotAllowed("Please confirm your email address before posting.")
    if _is_new(member):
        open_count = db.session.scalar(
            sa.select(sa.func.count()).where(
                PairingRequest.author_id == member.id, PairingRequest.status == Status.OPEN
            )
        )
        if open_count >= NEW_MEMBER_OPEN_REQUESTS:
            raise NotAllowed(
                "New members keep one request open at a time, for their first week or "
                "until their first pairing. Close your open request, or wait a few days."
            )


def _check_can_answer(member: Member) -> None:
    if not member.is_verified:
        raise NotAllowed("Please confirm your email address before answering.")
    if _is_new(member):
        today = utcnow() - timedelta(days=1)
        answers = db.session.scalar(
            sa.select(sa.func.count()).where(
                Answer.author_id == member.id, Answer.created_at > today
            )
        )
        if answers >= NEW_MEMBER_ANSWERS_A_DAY:
            raise NotAllowed(
                f"New members answer up to {NEW_MEMBER_ANSWERS_A_DAY} requests a day in "
                "their first week. Please come back tomorrow."
            )


# --- requests --------------------------------------------------------------------------


@dataclass
class RequestInput:
    kind: str
    title: str
    tool: str
    description: str
    tags: list[str] = field(default_factory=list)
    cadence: str = "One tool per quarter"
    in_person: bool = False
    city: str = ""


def post_request(member: Member, data: RequestInput) -> PairingRequest:
    now = utcnow()
    description_html = render_markdown(data.description.strip())
    with write_transaction():
        board_changed()  # takes the board's lock first: a double click posts once
        _check_can_post(member)
        duplicate = db.session.scalar(
            sa.select(PairingRequest.id).where(
                PairingRequest.author_id == member.id,
                PairingRequest.title == data.title.strip(),
                PairingRequest.created_at > now - timedelta(minutes=10),
            )
        )
        if duplicate:
            raise Conflict("You posted this request a moment ago; it is on the board.")
        request = PairingRequest(
            author_id=member.id,
            kind=Kind(data.kind),
            title=data.title.strip(),
            tool=find_or_create_tool(data.tool),
            description=data.description.strip(),
            description_html=description_html,
            cadence=data.cadence.strip() or "One tool per quarter",
            in_person=data.in_person,
            city=data.city.strip() if data.in_person else "",
            status=Status.OPEN,
            created_at=now,
            expires_at=end_of_quarter(now),
            tags=[RequestTag(tag=t) for t in data.tags],
        )
        db.session.add(request)
        if request.kind is Kind.OFFERING and member.teaching_primer_at is None:
            member.teaching_primer_at = now
        if request.kind is Kind.SEEKING and member.asking_primer_at is None:
            member.asking_primer_at = now
    log.info("Member %s posted request %s", member.id, request.id)
    return request


def get_request(request_id: int) -> PairingRequest | None:
    return db.session.get(PairingRequest, request_id)


def _end_request(member: Member, request: PairingRequest, status: Status) -> None:
    if request.author_id != member.id:
        raise NotAllowed("Only the member who posted this request can do that.")
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
            .values(status=status, closed_at=utcnow())
        ).rowcount
        if not changed:
            raise Conflict(f"This request is already {request.status.value}.")
        db.session.execute(
            sa.update(Answer)
            .where(Answer.request_id == request.id, Answer.status == AnswerStatus.OPEN)
            .values(status=AnswerStatus.DECLINED)
        )
    db.session.refresh(request)


def close_request(member: Member, request: PairingRequest) -> None:
    _end_request(member, request, Status.CLOSED)


def withdraw_request(member: Member, request: PairingRequest) -> None:
    _end_request(member, request, Status.WITHDRAWN)


def renew_request(member: Member, request: PairingRequest) -> None:
    """An expired request comes back to the board until the end of this quarter."""
    if request.author_id != member.id:
        raise NotAllowed("Only the member who posted this request can renew it.")
    now = utcnow()
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == request.id, PairingRequest.status == Status.EXPIRED)
            .values(status=Status.OPEN, expires_at=end_of_quarter(now), closed_at=None)
        ).rowcount
        if not changed:
            raise Conflict("Only an expired request can be renewed.")
    db.session.refresh(request)


def expire_requests(now: datetime | None = None) -> int:
    """Mark open requests past the end of their quarter expired. Idempotent."""
    now = now or utcnow()
    with write_transaction():
        expiring = sa.select(PairingRequest.id).where(
            PairingRequest.status == Status.OPEN, PairingRequest.expires_at <= now
        )
        ids = list(db.session.scalars(expiring))
        if ids:
            board_changed()
            db.session.execute(
                sa.update(PairingRequest)
                .where(PairingRequest.id.in_(ids), PairingRequest.status == Status.OPEN)
                .values(status=Status.EXPIRED, closed_at=now)
            )
            db.session.execute(
                sa.update(Answer)
                .where(Answer.request_id.in_(ids), Answer.status == AnswerStatus.OPEN)
                .values(status=AnswerStatus.DECLINED)
            )
    return len(ids)


# --- answers -------------------------------------------------------------------------


def answer_request(member: Member, request: PairingRequest, message: str) -> Answer:
    if request.author_id == member.id:
        raise NotAllowed("You can't answer your own request.")
    if request.status is not Status.OPEN:
        raise Conflict(f"This request is {request.status.value}: it takes no new answers.")
    try:
        with write_transaction():
            board_changed()  # the board's lock first, so the daily limit can't be raced
            _check_can_answer(member)
            answer = Answer(request_id=request.id, author_id=member.id, message=message.strip())
            db.session.add(answer)
            db.session.flush()
            changed = db.session.execute(
                sa.update(PairingRequest)
                .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
                .values(answer_count=PairingRequest.answer_count + 1)
            ).rowcount
            if not changed:
                raise Conflict("This request closed a moment ago: it takes no new answers.")
            _notify(
                request.author_id,
                f"{member.name} answered your request \u201c{request.title}\u201d.",
                f"/requests/{request.id}#answer-{answer.id}",
            )
    except IntegrityError as exc:
        raise Conflict("You have already answered this request.") from exc
    db.session.refresh(request)
    return answer


def withdraw_answer(member: Member, answer: Answer) -> None:
    if answer.author_id != member.id:
        raise NotAllowed("Only the member who wrote this answer can withdraw it.")
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(Answer)
            .where(Answer.id == answer.id, Answer.status == AnswerStatus.OPEN)
            .values(status=AnswerStatus.WITHDRAWN)
        ).rowcount
        if not changed:
            raise Conflict(f"This answer is {answer.status.value}: it can't be withdrawn now.")
        db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == answer.request_id)
            .values(answer_count=PairingRequest.answer_count - 1)
        )
    db.session.refresh(answer)


@dataclass
class Accepted:
    pairing: Pairing
    chosen: Answer
    others: list[Answer]


def same_organisation(a: Member, b: Member) -> bool:
    return bool(a.organisation) and a.organisation.strip().lower() == b.organisation.strip().lower()


def accept_answer(member: Member, request: PairingRequest, answer: Answer) -> Accepted:
    """The author picks one answer: the request is matched and a pairing begins.

    Two accepts at the same moment create one pairing: the conditional UPDATE on the
    request's status lets one through, and a partial unique index on accepted answers
    (plus the unique request id on pairings) backs it up.
    """
    if request.author_id != member.id:
        raise NotAllowed("Only the member who posted this request can accept an answer.")
    if answer.request_id != request.id:
        raise NotAllowed("That answer belongs to another request.")
    try:
        with write_transaction():
            board_changed()
            matched = db.session.execute(
                sa.update(PairingRequest)
                .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
                .values(status=Status.MATCHED, closed_at=utcnow())
            ).rowcount
            if not matched:
                raise Conflict("This request is no longer open: an answer was already accepted.")
            chosen = db.session.execute(
                sa.update(Answer)
                .where(Answer.id == answer.id, Answer.status == AnswerStatus.OPEN)
                .values(status=AnswerStatus.ACCEPTED)
            ).rowcount
            if not chosen:
                raise Conflict("That answer was withdrawn; it can't be accepted.")
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
            seeking = request.kind is Kind.SEEKING
            pairing = Pairing(
                request_id=request.id,
                answer_id=answer.id,
                senior_id=request.author_id if seeking else answer.author_id,
                junior_id=answer.author_id if seeking else request.author_id,
                tool_id=request.tool_id,
            )
            db.session.add(pairing)
            db.session.flush()
            from portal.pairings.services import start_quarter

            start_quarter(pairing, request.tool)  # quarter 1, from the three-session template
            _notify(
                answer.author_id,
                f"{member.name} accepted your answer to \u201c{request.title}\u201d. "
                "Your pairing begins.",
                f"/pairings/{pairing.id}",
            )
            for other in others:
                _notify(
                    other.author_id,
                    f"\u201c{request.title}\u201d has been matched with another member. "
                    "Thank you for offering; there are other requests waiting.",
                    "/requests/",
                )
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("This request is no longer open: an answer was already accepted.") from exc
    db.session.refresh(request)
    db.session.refresh(answer)
    log.info("Request %s matched: pairing %s", request.id, pairing.id)
    return Accepted(pairing, answer, others)


def retire_member(member: Member) -> None:
    """A member leaves: their open answers are withdrawn and their open requests
    withdrawn (with those requests' answers declined), and their active pairings end.
    Call inside a transaction."""
    from portal.pairings.services import end_for_departure

    board_changed()
    end_for_departure(member)
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


def board_changed() -> None:
    """Bump the board's version (first in the transaction: changes queue on this row)."""
    db.session.execute(sa.update(BoardState).values(version=BoardState.version + 1))


def board_version() -> int:
    return db.session.scalar(sa.select(BoardState.version).where(BoardState.id == 1)) or 0


# --- notifications ----------------------------------------------------------------------


def _notify(member_id: int, text: str, url: str) -> None:
    db.session.add(Notification(member_id=member_id, text=text[:300], url=url))


def unread_count(member: Member) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.member_id == member.id, Notification.read_at.is_(None)
        )
    )


def notifications(member: Member, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(member: Member, notification_id: int | None = None) -> None:
    query = sa.update(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    with write_transaction():
        db.session.execute(query.values(read_at=utcnow()))
