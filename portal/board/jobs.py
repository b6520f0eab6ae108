"""The board's scheduled work: expiring requests, a nudge about answers left waiting,
and the board's part of the monthly digest."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.board import services
from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.board.queries import on_the_board, suggestions
from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import daily, job
from portal.members.models import suspended_ids
from portal.notifications.digest import Section, digest_section
from portal.notifications.email import send_notice
from portal.web.database import write_transaction
from portal.web.templating import absolute_url

ANSWERS_WAIT = timedelta(days=5)


@job("expire-requests", period=daily)
def expire(period: str) -> str:
    """Expire open requests past the end of their quarter."""
    return f"{services.expire_requests()} request(s) expired"


@job("answers-waiting", period=daily)
def answers_waiting(period: str) -> str:
    """Remind authors of open requests whose answers have waited 5 days."""
    waiting = dict(
        db.session.execute(
            sa.select(Answer.request_id, sa.func.count())
            .where(
                Answer.status == AnswerStatus.OPEN,
                Answer.hidden_at.is_(None),  # nor the moderators' hidden ones, nor
                Answer.author_id.not_in(suspended_ids()),  # those of suspended members
            )
            .group_by(Answer.request_id)
            .having(sa.func.min(Answer.created_at) <= utcnow() - ANSWERS_WAIT)
        ).all()
    )
    items = db.session.scalars(
        sa.select(PairingRequest).where(
            PairingRequest.status == Status.OPEN,
            PairingRequest.id.in_(list(waiting)),
            *on_the_board(),  # a hidden request, or a suspended author's: no reminder
        )
    ).all()
    queued = 0
    with write_transaction():
        for item in items:
            count = waiting[item.id]
            queued += send_notice(
                item.author,
                "reminders",
                _l("Answers to \u201c%(title)s\u201d are waiting for you", title=item.title),
                "reminder_answers",
                dedupe_key=f"reminder:answers:{item.id}",
                item=item,
                count=count,
                link=absolute_url("board.request_page", request_id=item.id),
            )
    return f"{queued} reminder(s) about waiting answers"


@digest_section
def requests_for(member, since: datetime) -> Section | None:
    """Open requests from the last month that fit what the member teaches or learns."""
    found = suggestions(member, limit=5, since=since)
    return Section(
        _l("Open requests that fit you"),
        [(item.title, absolute_url("board.request_page", request_id=item.id)) for item in found],
    )
