"""Reading a pairing: its quarters, agenda, log, reflections and messages."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.domain import Conflict
from portal.extensions import db
from portal.members.models import Member
from portal.moderation import is_staff
from portal.notifications.services import mark_read_under
from portal.pairings.models import AgendaItem, Message, Pairing, Quarter, Reflection, SessionEntry
from portal.tools import Tool


def can_view(pairing: Pairing, member: Member) -> bool:
    """Its two members, and the moderators (a concern raised about it needs reading)."""
    return pairing.side_of(member.id) is not None or is_staff(member)


def quarters(pairing: Pairing) -> list[Quarter]:
    return list(
        db.session.scalars(
            sa.select(Quarter).where(Quarter.pairing_id == pairing.id).order_by(Quarter.number)
        )
    )


def current_quarter(pairing: Pairing) -> Quarter:
    found = db.session.scalar(
        sa.select(Quarter)
        .where(Quarter.pairing_id == pairing.id)
        .order_by(Quarter.number.desc())
        .limit(1)
    )
    if found is None:  # every pairing starts with a quarter; this only guards old rows
        raise Conflict(_("This pairing has no quarter yet."))
    return found


def agenda(quarter_ids: list[int]) -> dict[int, list[AgendaItem]]:
    items: dict[int, list[AgendaItem]] = {qid: [] for qid in quarter_ids}
    query = (
        sa.select(AgendaItem)
        .where(AgendaItem.quarter_id.in_(quarter_ids))
        .order_by(AgendaItem.quarter_id, AgendaItem.position, AgendaItem.id)
    )
    for item in db.session.scalars(query):
        items[item.quarter_id].append(item)
    return items


def sessions(pairing: Pairing) -> list[SessionEntry]:
    return list(
        db.session.scalars(
            sa.select(SessionEntry)
            .where(SessionEntry.pairing_id == pairing.id)
            .order_by(SessionEntry.held_on.desc(), SessionEntry.id.desc())
        )
    )


def reflections(quarter_ids: list[int]) -> dict[int, dict[int, Reflection]]:
    """{quarter id: {member id: reflection}}."""
    found: dict[int, dict[int, Reflection]] = {qid: {} for qid in quarter_ids}
    for row in db.session.scalars(
        sa.select(Reflection).where(Reflection.quarter_id.in_(quarter_ids))
    ):
        found[row.quarter_id][row.member_id] = row
    return found


MESSAGES_SHOWN = 100  # the pairing page shows the latest 100 messages


def messages(pairing: Pairing, limit: int = MESSAGES_SHOWN) -> list[Message]:
    latest = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.pairing_id == pairing.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )
    return latest[::-1]


@cache
def _page_statements() -> tuple:
    """page_rows's SELECTs, built once (`pairing` is bound when they run)."""
    pairing_id = sa.bindparam("pairing")
    quarter_ids = sa.select(Quarter.id).where(Quarter.pairing_id == pairing_id)
    return (
        sa.select(Quarter.__table__)
        .where(Quarter.pairing_id == pairing_id)
        .order_by(Quarter.number),
        sa.select(AgendaItem.__table__)
        .where(AgendaItem.quarter_id.in_(quarter_ids))
        .order_by(AgendaItem.quarter_id, AgendaItem.position, AgendaItem.id),
        sa.select(SessionEntry.__table__)
        .where(SessionEntry.pairing_id == pairing_id)
        .order_by(SessionEntry.held_on.desc(), SessionEntry.id.desc()),
        sa.select(Reflection.__table__)
        .where(Reflection.quarter_id.in_(quarter_ids))
        .order_by(Reflection.id),
        sa.select(Message.__table__)
        .where(Message.pairing_id == pairing_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(MESSAGES_SHOWN),
        sa.select(Tool.__table__)
        .where(
            sa.or_(
                Tool.curated,
                Tool.id.in_(sa.select(Quarter.tool_id).where(Quarter.pairing_id == pairing_id)),
            )
        )
        .order_by(Tool.id),
    )


def page_rows(pairing: Pairing) -> tuple[list[tuple], ...]:
    """The rows the pairing page shows, as plain tuples of every column (much cheaper
    than objects): the rows of quarters(), agenda(), sessions(), reflections() and
    messages(), in the page's order; the tools of its quarters with the catalogue's;
    and the rows of any message's author who is not one of the pairing's two members
    (none, as messages are posted; the pairing's members are the page's own to read).
    The page's cache keys on them (pairings/page.py builds the same from its objects)."""
    connection = db.session.connection()  # the session's transaction, without the ORM

    def rows(statement, **values) -> list[tuple]:
        return [tuple(row) for row in connection.execute(statement, values)]

    quarters, items, entries, reflections, latest, tools = (
        rows(statement, pairing=pairing.id) for statement in _page_statements()
    )
    author = Message.__table__.columns.keys().index("author_id")
    others = {row[author] for row in latest} - {pairing.senior_id, pairing.junior_id}
    authors = (
        rows(sa.select(Member.__table__).where(Member.id.in_(others)).order_by(Member.id))
        if others
        else []
    )
    return quarters, items, entries, reflections, latest[::-1], authors, tools


def pairings_of(member: Member) -> list[Pairing]:
    return list(
        db.session.scalars(
            sa.select(Pairing)
            .where(sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id))
            .order_by(Pairing.started_at.desc())
        )
    )


def latest_quarters(pairing_ids: list[int]) -> dict[int, Quarter]:
    """{pairing id: its current quarter}, in one query (the list of a member's pairings)."""
    latest = (
        sa.select(Quarter.pairing_id, sa.func.max(Quarter.number).label("number"))
        .where(Quarter.pairing_id.in_(pairing_ids))
        .group_by(Quarter.pairing_id)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(Quarter).join(
            latest,
            sa.and_(Quarter.pairing_id == latest.c.pairing_id, Quarter.number == latest.c.number),
        )
    )
    return {quarter.pairing_id: quarter for quarter in rows}


def mark_seen(pairing: Pairing, member: Member) -> None:
    """Opening the pairing page reads the notices that point to it (as Discourse does):
    the header's count drops, and the next message may email again."""
    mark_read_under(member, f"/pairings/{pairing.id}")


def pairing_for_request(request_id: int) -> Pairing | None:
    """The pairing a matched request became."""
    return db.session.scalar(sa.select(Pairing).where(Pairing.request_id == request_id))
