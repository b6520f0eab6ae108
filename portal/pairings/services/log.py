"""The session log: what the pair did, dated in the member's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.clock import local_date, utcnow
from portal.domain import Conflict, FieldError
from portal.extensions import db
from portal.members.models import Member
from portal.pairings.models import AgendaItem, Pairing, Quarter, SessionEntry
from portal.pairings.services.access import lock, open_for_changes, open_quarter
from portal.web.database import write_transaction
from portal.web.i18n import format_day

DUPLICATE_WINDOW = timedelta(minutes=10)


@dataclass
class SessionInput:
    held_on: date
    agenda_item_id: int | None
    covered: str
    notes: str = ""


def check_session(
    pairing: Pairing, quarter: Quarter, data: SessionInput, today: date, member: Member
) -> None:
    """Dates are the member's own: "today" and the day the pairing began, in their zone."""
    if data.held_on > today:
        raise FieldError(
            "held_on", _("A session can't be dated in the future. Log it once it has happened.")
        )
    began = local_date(pairing.started_at, member)
    if data.held_on < began:
        raise FieldError(
            "held_on",
            _(
                "This pairing began on %(day)s: a session can't be dated before that.",
                day=format_day(began),
            ),
        )
    if data.agenda_item_id is not None:
        item = db.session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.quarter_id != quarter.id:
            raise FieldError("agenda_item", _("Please choose an item from this quarter's agenda."))


def log_session(pairing: Pairing, member: Member, data: SessionInput, today: date) -> SessionEntry:
    """`today` is the member's own date (their time zone): India is ahead of UTC."""
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        quarter = open_quarter(pairing)
        check_session(pairing, quarter, data, today, member)
        # A double click, or a script: the same entry twice within minutes is one entry.
        repeat = db.session.scalar(
            sa.select(SessionEntry.id).where(
                SessionEntry.pairing_id == pairing.id,
                SessionEntry.author_id == member.id,
                SessionEntry.held_on == data.held_on,
                SessionEntry.covered == data.covered.strip(),
                SessionEntry.created_at > utcnow() - DUPLICATE_WINDOW,
            )
        )
        if repeat:
            raise Conflict(_("You logged this session a moment ago; it is in the log."))
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
    quarter = open_quarter(pairing)
    if entry.quarter_id != quarter.id:
        raise Conflict(_("Past quarters are kept as they were: only this quarter's log changes."))
    return quarter


def edit_session(
    pairing: Pairing, member: Member, entry_id: int, data: SessionInput, today: date
) -> SessionEntry:
    """Both members keep the log; either can correct an entry of the quarter under way."""
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        entry = session_of(pairing, entry_id)
        quarter = check_entry_open(pairing, entry)
        check_session(pairing, quarter, data, today, member)
        entry.updated_by_id = member.id
        entry.held_on = data.held_on
        entry.agenda_item_id = data.agenda_item_id
        entry.covered = data.covered.strip()
        entry.notes = data.notes.strip()
        entry.updated_at = utcnow()
    return entry
