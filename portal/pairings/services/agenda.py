"""A quarter's goals and its agenda: started from the three-session template, then
edited, reordered, added to and trimmed by the pair."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import utcnow
from portal.domain import Conflict, FieldError, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.pairings.models import AgendaItem, Pairing, Quarter, SessionEntry
from portal.pairings.services.access import lock, open_for_changes, open_quarter, side_of
from portal.pairings.services.queries import current_quarter
from portal.pairings.template import TEMPLATE
from portal.tools import Tool
from portal.web.database import write_transaction
from portal.web.i18n import in_language

SIDES = ("junior", "senior")


def start_quarter(pairing: Pairing, tool: Tool, number: int = 1) -> Quarter:
    """A new quarter with the three-session template, written in Hindi when both members
    use the portal in Hindi, else in English (the agenda is the pair's, shared: one
    language for both). Call inside a transaction."""
    quarter = Quarter(pairing_id=pairing.id, number=number, tool_id=tool.id, started_at=utcnow())
    db.session.add(quarter)
    db.session.flush()
    locales = {db.session.get(Member, pairing.senior_id).locale}
    locales.add(db.session.get(Member, pairing.junior_id).locale)
    with in_language(locales.pop() if len(locales) == 1 else None):
        for position, (title, detail) in enumerate(TEMPLATE, start=1):
            db.session.add(
                AgendaItem(
                    quarter_id=quarter.id, position=position, title=str(title), detail=str(detail)
                )
            )
    return quarter


def check_own_goal(pairing: Pairing, member: Member, side: str) -> None:
    if side not in SIDES:
        raise NotAllowed(_("There is no such goal."))
    if side != side_of(pairing, member):
        partner = pairing.partner_of(member.id).display_name
        raise NotAllowed(
            _("Each of you writes your own goal: this one is for %(name)s.", name=partner)
        )


def set_goal(pairing: Pairing, member: Member, side: str, text: str) -> Quarter:
    check_own_goal(pairing, member, side)
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        quarter = open_quarter(pairing)
        setattr(quarter, f"{side}_goal", text.strip())
    return quarter


def item_of(pairing: Pairing, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    quarter = db.session.get(Quarter, item.quarter_id) if item else None
    if quarter is None or quarter.pairing_id != pairing.id:
        raise LookupError(item_id)
    if quarter.is_complete or quarter.id != current_quarter(pairing).id:
        raise Conflict(
            _("Past quarters are kept as they were: only this quarter's agenda changes.")
        )
    return item


def add_item(pairing: Pairing, member: Member, title: str, detail: str) -> AgendaItem:
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        quarter = open_quarter(pairing)
        last = db.session.scalar(
            sa.select(sa.func.max(AgendaItem.position)).where(AgendaItem.quarter_id == quarter.id)
        )
        item = AgendaItem(
            quarter_id=quarter.id,
            position=(last or 0) + 1,
            title=title.strip(),
            detail=detail.strip(),
        )
        db.session.add(item)
    return item


def edit_item(pairing: Pairing, member: Member, item_id: int, title: str, detail: str) -> None:
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        item = item_of(pairing, item_id)
        item.title = title.strip()
        item.detail = detail.strip()


def move_item(pairing: Pairing, member: Member, item_id: int, direction: str) -> None:
    """Swap an item with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise FieldError("direction", _("Move an item up or down."))
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        item = item_of(pairing, item_id)
        siblings = list(
            db.session.scalars(
                sa.select(AgendaItem)
                .where(AgendaItem.quarter_id == item.quarter_id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
        index = siblings.index(item)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            sibling.position = position


def delete_item(pairing: Pairing, member: Member, item_id: int) -> None:
    """Sessions that named the item keep their notes; they lose only the link to it."""
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        item = item_of(pairing, item_id)
        db.session.execute(
            sa.update(SessionEntry)
            .where(SessionEntry.agenda_item_id == item.id)
            .values(agenda_item_id=None)
        )
        db.session.delete(item)
