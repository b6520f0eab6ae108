"""Pairing rules: who may change what, from which state, in one transaction each.

Only the two members change a pairing (admins read it); each side writes its own
goal and reflection; an ended pairing is kept as a record and changes no more.
Refusals are the board's `NotAllowed` (403) and `Conflict` (409); a bad value for a
form field is a `FieldError` naming the field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from portal.board.models import Notification, Pairing, PairingStatus, Tool
from portal.board.services import Conflict, NotAllowed, find_or_create_tool
from portal.extensions import db
from portal.members.models import Member, utcnow
from portal.members.services import FieldError
from portal.pairings.models import AgendaItem, Message, Quarter, Reflection, SessionEntry
from portal.pairings.template import TEMPLATE
from portal.web.database import write_transaction

log = logging.getLogger("portal.pairings")

__all__ = ["Conflict", "FieldError", "NotAllowed"]

SIDES = ("junior", "senior")
DUPLICATE_MESSAGE_WINDOW = timedelta(minutes=2)


# --- reading --------------------------------------------------------------------------


def can_view(pairing: Pairing, member: Member) -> bool:
    return pairing.side_of(member.id) is not None or bool(member.is_admin)


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
        raise Conflict("This pairing has no quarter yet.")
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


def messages(pairing: Pairing, limit: int = 100) -> list[Message]:
    latest = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.pairing_id == pairing.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )
    return latest[::-1]


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
    here = f"/pairings/{pairing.id}"
    unread = sa.and_(
        Notification.member_id == member.id,
        Notification.read_at.is_(None),
        sa.or_(Notification.url == here, Notification.url.startswith(here + "#")),
    )
    if db.session.scalar(sa.select(Notification.id).where(unread).limit(1)) is None:
        return  # nothing to mark: no write lock taken for an ordinary page view
    with write_transaction():
        db.session.execute(sa.update(Notification).where(unread).values(read_at=utcnow()))


# --- guards ---------------------------------------------------------------------------


def _side(pairing: Pairing, member: Member) -> str:
    side = pairing.side_of(member.id)
    if side is None:
        raise NotAllowed("Only the two members of this pairing can change it.")
    return side


def _lock(pairing: Pairing) -> None:
    """Changes to one pairing queue on its row (SQLite already holds the write lock), and
    the status is read again under the lock: the partner may have ended the pairing
    since this request loaded it."""
    status = db.session.scalar(
        sa.select(Pairing.status).where(Pairing.id == pairing.id).with_for_update()
    )
    if status is not PairingStatus.ACTIVE:
        raise Conflict("This pairing has ended. Its page stays as a record, but it can't change.")


def check_can_change(pairing: Pairing, member: Member) -> None:
    _open_for_changes(pairing, member)


def _open_for_changes(pairing: Pairing, member: Member) -> str:
    side = _side(pairing, member)
    if not pairing.is_active:
        raise Conflict("This pairing has ended. Its page stays as a record, but it can't change.")
    return side


def check_quarter_open(pairing: Pairing) -> None:
    _open_quarter(pairing)


def _open_quarter(pairing: Pairing) -> Quarter:
    quarter = current_quarter(pairing)
    if quarter.is_complete:
        raise Conflict(
            "This quarter is complete: both of you have reflected. "
            "Renew for the next quarter to plan and log more."
        )
    return quarter


def _notify(member_id: int, text: str, url: str) -> None:
    db.session.add(Notification(member_id=member_id, text=text[:300], url=url))


# --- quarters and the agenda -----------------------------------------------------------


def start_quarter(pairing: Pairing, tool: Tool, number: int = 1) -> Quarter:
    """A new quarter with the three-session template. Call inside a transaction."""
    quarter = Quarter(pairing_id=pairing.id, number=number, tool_id=tool.id, started_at=utcnow())
    db.session.add(quarter)
    db.session.flush()
    for position, (title, detail) in enumerate(TEMPLATE, start=1):
        db.session.add(
            AgendaItem(quarter_id=quarter.id, position=position, title=title, detail=detail)
        )
    return quarter


def check_own_goal(pairing: Pairing, member: Member, side: str) -> None:
    if side not in SIDES:
        raise NotAllowed("There is no such goal.")
    if side != _side(pairing, member):
        partner = pairing.partner_of(member.id).display_name
        raise NotAllowed(f"Each of you writes your own goal: this one is for {partner}.")


def set_goal(pairing: Pairing, member: Member, side: str, text: str) -> Quarter:
    check_own_goal(pairing, member, side)
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        quarter = _open_quarter(pairing)
        setattr(quarter, f"{side}_goal", text.strip())
    return quarter


def _item_of(pairing: Pairing, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    quarter = db.session.get(Quarter, item.quarter_id) if item else None
    if quarter is None or quarter.pairing_id != pairing.id:
        raise LookupError(item_id)
    if quarter.is_complete or quarter.id != current_quarter(pairing).id:
        raise Conflict("Past quarters are kept as they were: only this quarter's agenda changes.")
    return item


def add_item(pairing: Pairing, member: Member, title: str, detail: str) -> AgendaItem:
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        quarter = _open_quarter(pairing)
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
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        item = _item_of(pairing, item_id)
        item.title = title.strip()
        item.detail = detail.strip()


def move_item(pairing: Pairing, member: Member, item_id: int, direction: str) -> None:
    """Swap an item with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise FieldError("direction", "Move an item up or down.")
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        item = _item_of(pairing, item_id)
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
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        item = _item_of(pairing, item_id)
        db.session.execute(
            sa.update(SessionEntry)
            .where(SessionEntry.agenda_item_id == item.id)
            .values(agenda_item_id=None)
        )
        db.session.delete(item)


# --- the session log -------------------------------------------------------------------


@dataclass
class SessionInput:
    held_on: date
    agenda_item_id: int | None
    covered: str
    notes: str = ""


def _check_session(
    pairing: Pairing, quarter: Quarter, data: SessionInput, today: date, member: Member
) -> None:
    """Dates are the member's own: "today" and the day the pairing began, in their zone."""
    if data.held_on > today:
        raise FieldError(
            "held_on", "A session can't be dated in the future. Log it once it has happened."
        )
    began = local_date(pairing.started_at, member)
    if data.held_on < began:
        raise FieldError(
            "held_on",
            f"This pairing began on {began.strftime('%-d %B %Y')}: "
            "a session can't be dated before that.",
        )
    if data.agenda_item_id is not None:
        item = db.session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.quarter_id != quarter.id:
            raise FieldError("agenda_item", "Please choose an item from this quarter's agenda.")


def log_session(pairing: Pairing, member: Member, data: SessionInput, today: date) -> SessionEntry:
    """`today` is the member's own date (their time zone): India is ahead of UTC."""
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        quarter = _open_quarter(pairing)
        _check_session(pairing, quarter, data, today, member)
        entry = SessionEntry(
            pairing_id=pairing.id,
            quarter_id=quarter.id,
            agenda_item_id=data.agenda_item_id,
            author_id=member.id,
            held_on=data.held_on,
            covered=data.covered.strip(),
            notes=data.notes.strip(),
        )
        db.session.add(entry)
    return entry


def session_of(pairing: Pairing, entry_id: int) -> SessionEntry:
    entry = db.session.get(SessionEntry, entry_id)
    if entry is None or entry.pairing_id != pairing.id:
        raise LookupError(entry_id)
    return entry


def check_entry_open(pairing: Pairing, entry: SessionEntry) -> Quarter:
    """An entry can be corrected while its quarter is the one under way."""
    quarter = _open_quarter(pairing)
    if entry.quarter_id != quarter.id:
        raise Conflict("Past quarters are kept as they were: only this quarter's log changes.")
    return quarter


def edit_session(
    pairing: Pairing, member: Member, entry_id: int, data: SessionInput, today: date
) -> SessionEntry:
    """Both members keep the log; either can correct an entry of the quarter under way."""
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        entry = session_of(pairing, entry_id)
        quarter = check_entry_open(pairing, entry)
        _check_session(pairing, quarter, data, today, member)
        entry.updated_by_id = member.id
        entry.held_on = data.held_on
        entry.agenda_item_id = data.agenda_item_id
        entry.covered = data.covered.strip()
        entry.notes = data.notes.strip()
        entry.updated_at = utcnow()
    return entry


# --- reflections, ending and renewing ---------------------------------------------------


@dataclass
class Reflected:
    reflection: Reflection
    quarter: Quarter
    first: bool  # the partner's reflection is now waiting
    completed: bool  # this reflection completed the quarter


def reflect(
    pairing: Pairing, member: Member, learned: str, taught: str, next_quarter: str
) -> Reflected:
    texts = {
        "learned": learned.strip(),
        "taught": taught.strip(),
        "next_quarter": next_quarter.strip(),
    }
    for name, text in texts.items():
        if not text:
            raise FieldError(name, "Please write a sentence or two here.")
    _open_for_changes(pairing, member)
    partner = pairing.partner_of(member.id)
    with write_transaction():
        _lock(pairing)
        quarter = _open_quarter(pairing)
        mine = db.session.scalar(
            sa.select(Reflection).where(
                Reflection.quarter_id == quarter.id, Reflection.member_id == member.id
            )
        )
        if mine is None:
            mine = Reflection(quarter_id=quarter.id, member_id=member.id, **texts)
            db.session.add(mine)
            new = True
        else:
            for name, text in texts.items():
                setattr(mine, name, text)
            mine.updated_at = utcnow()
            new = False
        theirs = db.session.scalar(
            sa.select(sa.func.count()).where(
                Reflection.quarter_id == quarter.id, Reflection.member_id == partner.id
            )
        )
        completed = bool(theirs)
        link = f"/pairings/{pairing.id}#reflections"
        if completed:
            quarter.completed_at = utcnow()
            _notify(
                partner.id,
                f"{member.display_name} reflected too: your quarter of {quarter.tool.name} "
                "is complete. Well done, both of you.",
                link,
            )
        elif new:
            _notify(
                partner.id,
                f"{member.display_name} reflected on your quarter of {quarter.tool.name}. "
                "Yours is waiting.",
                link,
            )
    log.info("Member %s reflected on quarter %s", member.id, quarter.id)
    return Reflected(mine, quarter, first=new and not completed, completed=completed)


def _final_status(pairing: Pairing) -> PairingStatus:
    """How a pairing ends: completed if every quarter was, ended (early) otherwise."""
    unfinished = db.session.scalar(
        sa.select(sa.func.count()).where(
            Quarter.pairing_id == pairing.id, Quarter.completed_at.is_(None)
        )
    )
    return PairingStatus.ENDED if unfinished else PairingStatus.COMPLETED


def end_pairing(pairing: Pairing, member: Member, reason: str) -> None:
    reason = reason.strip()
    if len(reason) < 3:
        raise FieldError("reason", "Please give a short reason; your partner will see it.")
    _open_for_changes(pairing, member)
    with write_transaction():
        db.session.execute(sa.select(Pairing.id).where(Pairing.id == pairing.id).with_for_update())
        changed = db.session.execute(
            sa.update(Pairing)
            .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.ACTIVE)
            .values(
                status=_final_status(pairing),
                ended_at=utcnow(),
                ended_by_id=member.id,
                end_reason=reason[:500],
            )
        ).rowcount
        if not changed:
            raise Conflict("This pairing has already ended.")
        _notify(
            pairing.partner_of(member.id).id,
            f"{member.display_name} ended your pairing ({current_quarter(pairing).tool.name}).",
            f"/pairings/{pairing.id}",
        )
    db.session.refresh(pairing)
    log.info("Member %s ended pairing %s", member.id, pairing.id)


def renew(pairing: Pairing, member: Member, tool_name: str, after: int | None = None) -> Quarter:
    """The next quarter, with the next tool, once both have reflected on this one.
    `after` is the quarter the member saw: if the partner renewed first, say so."""
    name = " ".join(tool_name.split())
    if not name:
        raise FieldError("tool", "Please name the tool for the next quarter.")
    _open_for_changes(pairing, member)
    with write_transaction():
        _lock(pairing)
        quarter = current_quarter(pairing)
        if after is not None and quarter.number > after:
            raise Conflict(
                f"{pairing.partner_of(member.id).display_name} has already started quarter "
                f"{quarter.number}: {quarter.tool.name}."
            )
        if not quarter.is_complete:
            raise Conflict(
                "Finish this quarter first: it is complete when both of you have reflected."
            )
        tool = find_or_create_tool(name)
        following = start_quarter(pairing, tool, quarter.number + 1)
        _notify(
            pairing.partner_of(member.id).id,
            f"{member.display_name} started quarter {following.number} of your pairing: "
            f"{tool.name}.",
            f"/pairings/{pairing.id}#agenda",
        )
    return following


# --- messages and sharing ----------------------------------------------------------------


@dataclass
class Posted:
    message: Message
    notify_by_email: bool  # False while an earlier message notice is still unread


def post_message(pairing: Pairing, member: Member, body: str) -> Posted:
    body = body.strip()
    if not body:
        raise FieldError("body", "Please write a message.")
    _open_for_changes(pairing, member)  # an ended pairing is a record: messages close too
    partner = pairing.partner_of(member.id)
    link = f"/pairings/{pairing.id}#messages"
    with write_transaction():
        _lock(pairing)
        repeat = db.session.scalar(
            sa.select(Message.id).where(
                Message.pairing_id == pairing.id,
                Message.author_id == member.id,
                Message.body == body,
                Message.created_at > utcnow() - DUPLICATE_MESSAGE_WINDOW,
            )
        )
        if repeat:
            raise Conflict("You sent this message a moment ago.")
        message = Message(pairing_id=pairing.id, author_id=member.id, body=body)
        db.session.add(message)
        # One unread notice per conversation: a burst of messages is one nudge, not ten.
        waiting = db.session.scalar(
            sa.select(Notification.id).where(
                Notification.member_id == partner.id,
                Notification.url == link,
                Notification.read_at.is_(None),
            )
        )
        if not waiting:
            _notify(partner.id, f"{member.display_name} sent you a message.", link)
    return Posted(message, notify_by_email=not waiting)


def set_sharing(pairing: Pairing, member: Member, shares: bool) -> None:
    side = _side(pairing, member)
    with write_transaction():
        setattr(pairing, f"{side}_shares", shares)


def set_record_public(member: Member, public: bool) -> None:
    with write_transaction():
        member.record_public = public


def end_for_departure(member: Member) -> None:
    """A member leaves the club: their active pairings end (completed, if every quarter
    was), and each partner is told. Call inside a transaction."""
    active = list(
        db.session.scalars(
            sa.select(Pairing).where(
                sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id),
                Pairing.status == PairingStatus.ACTIVE,
            )
        )
    )
    for pairing in active:
        pairing.status = _final_status(pairing)
        pairing.ended_at = utcnow()
        pairing.ended_by_id = member.id
        pairing.end_reason = "One of you left the club."
        _notify(
            pairing.partner_of(member.id).id,
            # No name: the member who left takes their personal data with them.
            "Your pairing partner has left the club, so your pairing has ended. "
            "Its page stays as a record.",
            f"/pairings/{pairing.id}",
        )


def today_for(member: Member) -> date:
    """The member's own date, in their time zone (falls back to India's)."""
    return datetime.now(member.zone).date()


def local_date(moment: datetime, member: Member) -> date:
    """A stored UTC moment as a date in the member's time zone."""
    return moment.replace(tzinfo=UTC).astimezone(member.zone).date()
