"""A pairing's reminders (a reflection due, a quiet stretch) and its part of the digest.

Each reminder is written once: its dedupe key names the quarter, or the last session
the quiet stretch is counted from, so a rerun or a second worker writes nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.clock import local_date, today_for
from portal.extensions import db
from portal.jobs import daily, job
from portal.members.models import Member
from portal.notifications.digest import Section, digest_section
from portal.notifications.email import send_notice
from portal.pairings.models import (
    QUARTER_DAYS,
    AgendaItem,
    Pairing,
    PairingStatus,
    Quarter,
    Reflection,
    SessionEntry,
)
from portal.pairings.services.queries import current_quarter
from portal.web.database import write_transaction
from portal.web.i18n import format_day
from portal.web.templating import absolute_url

REFLECT_BEFORE_END = timedelta(days=14)
QUIET_FOR = timedelta(days=21)


def _active() -> list[Pairing]:
    return list(
        db.session.scalars(
            sa.select(Pairing).where(Pairing.status == PairingStatus.ACTIVE).order_by(Pairing.id)
        )
    )


def _reflected(quarter: Quarter) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Reflection.member_id).where(Reflection.quarter_id == quarter.id)
        )
    )


def _last_session(pairing: Pairing):
    return db.session.scalar(
        sa.select(sa.func.max(SessionEntry.held_on)).where(SessionEntry.pairing_id == pairing.id)
    )


def _link(pairing: Pairing, anchor: str) -> str:
    return absolute_url("pairings.pairing", pairing_id=pairing.id, _anchor=anchor)


@job("pairing-reminders", period=daily)
def reminders(period: str) -> str:
    """Remind members of a reflection due in the quarter's last two weeks, and of a
    pairing with no session logged for three weeks."""
    reflections: list[dict] = []
    quiet: list[dict] = []
    for pairing in _active():  # read first; the write lock only while queueing
        quarter = current_quarter(pairing)
        done = _reflected(quarter)
        last = _last_session(pairing)
        for member in (pairing.senior, pairing.junior):
            today = today_for(member)
            partner = pairing.partner_of(member.id)
            ends = local_date(quarter.started_at, member) + timedelta(days=QUARTER_DAYS)
            if (
                not quarter.is_complete
                and member.id not in done
                and today >= ends - REFLECT_BEFORE_END
            ):
                reflections.append(
                    dict(
                        member=member,
                        subject=_l("Your reflection on %(tool)s is due", tool=quarter.tool.name),
                        template="reminder_reflection",
                        dedupe_key=f"reminder:reflection:{quarter.id}:{member.id}",
                        partner=partner,
                        quarter=quarter,
                        ends=ends,
                        link=_link(pairing, "reflections"),
                    )
                )
            since = last or local_date(pairing.started_at, member)
            if today - since >= QUIET_FOR:
                quiet.append(
                    dict(
                        member=member,
                        subject=_l(
                            "It has been a while since you met %(name)s",
                            name=partner.display_name,
                        ),
                        template="reminder_quiet",
                        dedupe_key=f"reminder:quiet:{pairing.id}:{since}:{member.id}",
                        partner=partner,
                        since=since,
                        tool=quarter.tool,
                        link=_link(pairing, "sessions"),
                    )
                )
    with write_transaction():
        sent_reflections = sum(send_notice(kind="reminders", **notice) for notice in reflections)
        sent_quiet = sum(send_notice(kind="reminders", **notice) for notice in quiet)
    return f"{sent_reflections} reflection reminder(s), {sent_quiet} quiet-pairing reminder(s)"


@digest_section
def next_steps(member: Member, since: datetime) -> Section | None:
    """Each active pairing's next step."""
    pairings = db.session.scalars(
        sa.select(Pairing).where(
            Pairing.status == PairingStatus.ACTIVE,
            sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id),
        )
    ).all()
    items = []
    for pairing in pairings:
        quarter = current_quarter(pairing)
        names = {"tool": quarter.tool.name, "partner": pairing.partner_of(member.id).display_name}
        if quarter.is_complete:
            step = _(
                "%(tool)s with %(partner)s: renew for the next quarter, or end the pairing kindly",
                **names,
            )
        elif (
            today_for(member)
            >= (ends := local_date(quarter.started_at, member) + timedelta(days=QUARTER_DAYS))
            - REFLECT_BEFORE_END
        ):
            step = _(
                "%(tool)s with %(partner)s: write your reflection by %(date)s",
                date=format_day(ends, "day_month"),
                **names,
            )
        else:
            covered = sa.select(SessionEntry.agenda_item_id).where(
                SessionEntry.quarter_id == quarter.id, SessionEntry.agenda_item_id.is_not(None)
            )
            upcoming = db.session.scalar(
                sa.select(AgendaItem.title)
                .where(AgendaItem.quarter_id == quarter.id, AgendaItem.id.not_in(covered))
                .order_by(AgendaItem.position)
                .limit(1)
            )
            if upcoming:
                step = _(
                    "%(tool)s with %(partner)s: next on your agenda: %(item)s",
                    item=upcoming,
                    **names,
                )
            else:
                step = _("%(tool)s with %(partner)s: log your next session", **names)
        items.append((step, _link(pairing, "agenda")))
    return Section(_("Your pairings"), items)
