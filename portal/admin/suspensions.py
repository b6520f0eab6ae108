"""Suspensions (sessions end, content leaves the board, partners are told gently, the
member hears why and until when) and the moderator role."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import portal.mail as mail
from portal.admin.audit import audit
from portal.board.services.version import board_changed
from portal.clock import local, utcnow
from portal.domain import Conflict, FieldError, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.members.services import end_all_sessions
from portal.moderation import require_staff
from portal.notifications.services import notify
from portal.pairings.models import Pairing, PairingStatus
from portal.web.database import write_transaction
from portal.web.i18n import format_day, in_language

log = logging.getLogger("portal.admin")

SUSPENSIONS = {"7": timedelta(days=7), "30": timedelta(days=30), "lifted": None}


def suspend(moderator: Member, member_id: int, reason: str, length: str) -> Member:
    """Suspend a member: every session ends at once, their requests and answers leave the
    board, their partners are told gently (no details), and they hear why and until when."""
    require_staff(moderator)
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldError("reason", _("Please give a reason: the member is told it."))
    if length not in SUSPENSIONS:
        raise FieldError("length", _("Please choose how long."))
    with write_transaction():
        board_changed()
        member = db.session.get(Member, member_id, with_for_update=True)
        if member is None or member.deleted_at:
            raise Conflict(_("That member is no longer here."))
        if member.id == moderator.id:
            raise NotAllowed(_("You can't suspend yourself."))
        if member.is_admin or (member.is_moderator and not moderator.is_admin):
            raise NotAllowed(_("Only an admin can suspend a moderator, and no one an admin."))
        now = utcnow()
        span = SUSPENSIONS[length]
        member.suspended_at = now
        member.suspended_until = now + span if span else None
        member.suspension_reason = reason[:500]
        end_all_sessions(member)
        for pairing in _active_pairings(member):
            partner = pairing.partner_of(member.id)
            notify(
                partner.id,
                _l(
                    "%(name)s is away from the portal for a while, so your pairing is paused. "
                    "There is nothing you need to do; we will tell you when it can go on.",
                    name=member.display_name,
                ),
                f"/pairings/{pairing.id}",
            )
        with in_language(member.locale):  # their mail says it
            until = (
                _("until %(day)s", day=format_day(local(member.suspended_until, member)))
                if member.suspended_until
                else _("until the moderators lift it")
            )
        mail.queue(
            member.email,
            _l("Your account is suspended"),
            "suspended",
            member_id=member.id,
            language=member.locale,
            member=member,
            until=until,
            reason=reason,
        )
        audit(moderator, "suspend", member_id=member.id, reason=f"{reason} ({until})")
    log.info("Moderator %s suspended member %s", moderator.id, member.id)
    return member


def unsuspend(moderator: Member, member_id: int, reason: str = "") -> Member:
    require_staff(moderator)
    with write_transaction():
        board_changed()
        member = db.session.get(Member, member_id, with_for_update=True)
        if member is None or member.suspended_at is None:
            raise Conflict(_("That member is not suspended."))
        if member.is_admin or (member.is_moderator and not moderator.is_admin):
            raise NotAllowed(_("Only an admin can lift a moderator's suspension."))
        member.suspended_at = member.suspended_until = None
        member.suspension_reason = ""
        tell_partners_back(member)
        audit(moderator, "unsuspend", member_id=member.id, reason=reason)
    return member


def tell_partners_back(member: Member) -> None:
    for pairing in _active_pairings(member):
        notify(
            pairing.partner_of(member.id).id,
            _l("%(name)s is back: your pairing can go on.", name=member.display_name),
            f"/pairings/{pairing.id}",
        )


def _active_pairings(member: Member) -> list[Pairing]:
    return list(
        db.session.scalars(
            sa.select(Pairing).where(
                sa.or_(Pairing.senior_id == member.id, Pairing.junior_id == member.id),
                Pairing.status == PairingStatus.ACTIVE,
            )
        )
    )


def set_moderator(admin: Member, member_id: int, on: bool) -> Member:
    if not admin.is_admin:
        raise NotAllowed(_("Only an admin can make or remove moderators."))
    with write_transaction():
        member = db.session.get(Member, member_id, with_for_update=True)
        if member is None or member.deleted_at:
            raise Conflict(_("That member is no longer here."))
        member.is_moderator = on
        audit(admin, "make-moderator" if on else "remove-moderator", member_id=member.id)
    return member
