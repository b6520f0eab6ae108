"""The end of a quarter (both reflections), of a pairing (a reason, or a departure),
and the next quarter with the next tool."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.board.services.version import board_changed
from portal.clock import local_date, today_for, utcnow
from portal.domain import Conflict, FieldError
from portal.extensions import db
from portal.members.models import Member
from portal.members.signals import member_leaving
from portal.notifications.services import notify
from portal.pairings import emails
from portal.pairings.models import (
    LEFT_THE_CLUB,
    QUARTER_DAYS,
    Pairing,
    PairingStatus,
    Quarter,
    Reflection,
    SessionEntry,
)
from portal.pairings.services.access import lock, open_for_changes, open_quarter
from portal.pairings.services.agenda import start_quarter
from portal.pairings.services.queries import current_quarter
from portal.tools import find_or_create_tool
from portal.web.database import write_transaction
from portal.web.i18n import format_day

log = logging.getLogger("portal.pairings")


@dataclass
class Reflected:
    reflection: Reflection
    quarter: Quarter
    first: bool  # the partner's reflection is now waiting
    completed: bool  # this reflection completed the quarter


# Reflections open in a quarter's last month, or once the pair has met this often.
LAST_MONTH_DAYS = 30
SESSIONS_TO_REFLECT = 3


@dataclass(frozen=True)
class ReflectionWindow:
    """When reflecting on a quarter stops being "early", as one member sees it."""

    opens_on: date  # the first day of the quarter's last month, in the member's zone
    ends_around: date
    sessions: int  # sessions logged in this quarter
    today: date

    @property
    def is_open(self) -> bool:
        return self.today >= self.opens_on or self.sessions >= SESSIONS_TO_REFLECT

    def why_early(self) -> str:
        day, end = (format_day(d, "day_month") for d in (self.opens_on, self.ends_around))
        dates = {"day": day, "end": end, "ordinal": _ordinal(SESSIONS_TO_REFLECT)}
        if not self.sessions:
            return _(
                "It's early to reflect: this quarter runs to around %(end)s, and you have logged "
                "no sessions so far. Reflections open on %(day)s or after your %(ordinal)s "
                "session. If you are finishing the quarter early, tick the box and save again.",
                **dates,
            )
        return ngettext(
            "It's early to reflect: this quarter runs to around %(end)s, and you have logged "
            "%(num)d session so far. Reflections open on %(day)s or after your %(ordinal)s "
            "session. If you are finishing the quarter early, tick the box and save again.",
            "It's early to reflect: this quarter runs to around %(end)s, and you have logged "
            "%(num)d sessions so far. Reflections open on %(day)s or after your %(ordinal)s "
            "session. If you are finishing the quarter early, tick the box and save again.",
            self.sessions,
            **dates,
        )


def _ordinal(n: int) -> str:
    words = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth")}
    return words.get(n, f"{n}th")


def reflection_window(
    quarter: Quarter, member: Member, sessions: int | None = None
) -> ReflectionWindow:
    """`sessions`: the quarter's number of sessions, if the caller has counted them."""
    began = local_date(quarter.started_at, member)
    if sessions is None:
        sessions = db.session.scalar(
            sa.select(sa.func.count()).where(SessionEntry.quarter_id == quarter.id)
        )
    return ReflectionWindow(
        opens_on=began + timedelta(days=QUARTER_DAYS - LAST_MONTH_DAYS),
        ends_around=began + timedelta(days=QUARTER_DAYS),
        sessions=sessions or 0,
        today=today_for(member),
    )


def reflect(
    pairing: Pairing,
    member: Member,
    learned: str,
    taught: str,
    next_quarter: str,
    finish_early: bool = False,
) -> Reflected:
    """Save `member`'s reflection on the quarter under way; the second completes it.
    Before the quarter's last month and its third session, a reflection is early: it is
    refused (FieldError on `finish_early`) unless the member says they are finishing
    early, so no quarter closes on its first day without a word."""
    texts = {
        "learned": learned.strip(),
        "taught": taught.strip(),
        "next_quarter": next_quarter.strip(),
    }
    for name, text in texts.items():
        if not text:
            raise FieldError(name, _("Please write a sentence or two here."))
    open_for_changes(pairing, member)
    partner = pairing.partner_of(member.id)
    with write_transaction():
        lock(pairing)
        quarter = open_quarter(pairing)
        if not finish_early:
            window = reflection_window(quarter, member)
            if not window.is_open:
                raise FieldError("finish_early", window.why_early())
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
            notify(
                partner.id,
                _l(
                    "%(name)s reflected too: your quarter of %(tool)s is complete. "
                    "Well done, both of you.",
                    name=member.display_name,
                    tool=quarter.tool.name,
                ),
                link,
                actor=member,
            )
        elif new:
            notify(
                partner.id,
                _l(
                    "%(name)s reflected on your quarter of %(tool)s. Yours is waiting.",
                    name=member.display_name,
                    tool=quarter.tool.name,
                ),
                link,
                actor=member,
            )
            emails.reflected(pairing, member, quarter)
    log.info("Member %s reflected on quarter %s", member.id, quarter.id)
    return Reflected(mine, quarter, first=new and not completed, completed=completed)


def final_status(pairing: Pairing) -> PairingStatus:
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
        raise FieldError("reason", _("Please give a short reason; your partner will see it."))
    open_for_changes(pairing, member)
    with write_transaction():
        db.session.execute(sa.select(Pairing.id).where(Pairing.id == pairing.id).with_for_update())
        changed = db.session.execute(
            sa.update(Pairing)
            .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.ACTIVE)
            .values(
                status=final_status(pairing),
                ended_at=utcnow(),
                ended_by_id=member.id,
                end_reason=reason[:500],
            )
        ).rowcount
        if not changed:
            raise Conflict(_("This pairing has already ended."))
        notify(
            pairing.partner_of(member.id).id,
            _l(
                "%(name)s ended your pairing (%(tool)s).",
                name=member.display_name,
                tool=current_quarter(pairing).tool.name,
            ),
            f"/pairings/{pairing.id}",
            actor=member,
        )
    db.session.refresh(pairing)
    log.info("Member %s ended pairing %s", member.id, pairing.id)


def renew(pairing: Pairing, member: Member, tool_name: str, after: int | None = None) -> Quarter:
    """The next quarter, with the next tool, once both have reflected on this one.
    `after` is the quarter the member saw: if the partner renewed first, say so."""
    name = " ".join(tool_name.split())
    if not name:
        raise FieldError("tool", _("Please name the tool for the next quarter."))
    open_for_changes(pairing, member)
    with write_transaction():
        lock(pairing)
        quarter = current_quarter(pairing)
        if after is not None and quarter.number > after:
            raise Conflict(
                _(
                    "%(name)s has already started quarter %(number)s: %(tool)s.",
                    name=pairing.partner_of(member.id).display_name,
                    number=quarter.number,
                    tool=quarter.tool.name,
                )
            )
        if not quarter.is_complete:
            raise Conflict(
                _("Finish this quarter first: it is complete when both of you have reflected.")
            )
        tool = find_or_create_tool(name)
        following = start_quarter(pairing, tool, quarter.number + 1)
        notify(
            pairing.partner_of(member.id).id,
            _l(
                "%(name)s started quarter %(number)s of your pairing: %(tool)s.",
                name=member.display_name,
                number=following.number,
                tool=tool.name,
            ),
            f"/pairings/{pairing.id}#agenda",
            actor=member,
        )
    return following


@member_leaving.connect
def end_for_departure(member: Member, **_) -> None:
    """A member leaves the club: their active pairings end (completed, if every quarter
    was), and each partner is told. Runs inside the member's deletion transaction."""
    # The board's row first, whichever receiver runs first: every change queues on it.
    board_changed()
    active = list(
        db.session.scalars(
            sa.select(Pairing).where(
                sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id),
                Pairing.status == PairingStatus.ACTIVE,
            )
        )
    )
    for pairing in active:
        pairing.status = final_status(pairing)
        pairing.ended_at = utcnow()
        pairing.ended_by_id = member.id
        pairing.end_reason = LEFT_THE_CLUB  # shown in each reader's language
        notify(
            pairing.partner_of(member.id).id,
            # No name: the member who left takes their personal data with them.
            _l(
                "Your pairing partner has left the club, so your pairing has ended. "
                "Its page stays as a record."
            ),
            f"/pairings/{pairing.id}",
        )
