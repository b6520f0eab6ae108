"""Requests on the board: posting, closing, withdrawing, renewing, expiring.

Plain functions; each change happens in one transaction and raises `NotAllowed`
(403) or `Conflict` (409) with a message for the member, changing nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.board.models import Answer, AnswerStatus, Kind, PairingRequest, RequestTag, Status
from portal.board.services.limits import check_can_post
from portal.board.services.version import board_changed
from portal.clock import end_of_quarter, utcnow
from portal.domain import Conflict, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.members.tags import tag_key
from portal.tools import find_or_create_tool
from portal.web.database import write_transaction
from portal.web.markdown import render_markdown

log = logging.getLogger("portal.board")


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


def _check_refusals(member: Member, data: RequestInput, now: datetime) -> None:
    check_can_post(member)
    duplicate = db.session.scalar(
        sa.select(PairingRequest.id).where(
            PairingRequest.author_id == member.id,
            PairingRequest.title == data.title.strip(),
            PairingRequest.created_at > now - timedelta(minutes=10),
        )
    )
    if duplicate:
        raise Conflict(_("You posted this request a moment ago; it is on the board."))


def post_request(member: Member, data: RequestInput) -> PairingRequest:
    now = utcnow()
    _check_refusals(member, data, now)  # a refused post costs no rendering
    description_html = render_markdown(data.description.strip())
    with write_transaction():
        board_changed()  # takes the board's lock first: a double click posts once
        _check_refusals(member, data, now)  # again, under the lock: it decides races
        request = PairingRequest(
            author_id=member.id,
            kind=Kind(data.kind),
            title=data.title.strip(),
            tool=find_or_create_tool(data.tool),
            description=data.description.strip(),
            description_html=description_html,
            cadence=stored_cadence(data.cadence),
            in_person=data.in_person,
            city=data.city.strip() if data.in_person else "",
            status=Status.OPEN,
            created_at=now,
            expires_at=end_of_quarter(now),
            tags=[RequestTag(tag=tag_key(label), label=label) for label in data.tags],
        )
        db.session.add(request)
        if request.kind is Kind.OFFERING and member.teaching_primer_at is None:
            member.teaching_primer_at = now
        if request.kind is Kind.SEEKING and member.asking_primer_at is None:
            member.asking_primer_at = now
    log.info("Member %s posted request %s", member.id, request.id)
    return request


DEFAULT_CADENCE = "One tool per quarter"


def stored_cadence(cadence: str) -> str:
    """The form offers the default cadence in the member's language; it is kept as the
    one English default, which every page shows in its reader's language."""
    cadence = cadence.strip()
    if not cadence or cadence == str(_l(DEFAULT_CADENCE)):
        return DEFAULT_CADENCE
    return cadence


def get_request(request_id: int) -> PairingRequest | None:
    return db.session.get(PairingRequest, request_id)


def _end_request(member: Member, request: PairingRequest, status: Status) -> None:
    if request.author_id != member.id:
        raise NotAllowed(_("Only the member who posted this request can do that."))
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == request.id, PairingRequest.status == Status.OPEN)
            .values(status=status, closed_at=utcnow())
        ).rowcount
        if not changed:
            raise Conflict(_("This request is already %(status)s.", status=request.status.word))
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
        raise NotAllowed(_("Only the member who posted this request can renew it."))
    now = utcnow()
    with write_transaction():
        board_changed()
        changed = db.session.execute(
            sa.update(PairingRequest)
            .where(PairingRequest.id == request.id, PairingRequest.status == Status.EXPIRED)
            .values(status=Status.OPEN, expires_at=end_of_quarter(now), closed_at=None)
        ).rowcount
        if not changed:
            raise Conflict(_("Only an expired request can be renewed."))
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
