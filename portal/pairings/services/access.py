"""Who may change a pairing, and when: only its two members, while it is active, and
only the quarter under way. Changes to one pairing queue on its row."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.domain import Conflict, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.pairings.models import Pairing, PairingStatus, Quarter
from portal.pairings.services.queries import current_quarter


def side_of(pairing: Pairing, member: Member) -> str:
    side = pairing.side_of(member.id)
    if side is None:
        raise NotAllowed(_("Only the two members of this pairing can change it."))
    return side


def lock(pairing: Pairing) -> None:
    """Changes to one pairing queue on its row (SQLite already holds the write lock), and
    the status is read again under the lock: the partner may have ended the pairing
    since this request loaded it."""
    status = db.session.scalar(
        sa.select(Pairing.status).where(Pairing.id == pairing.id).with_for_update()
    )
    if status is not PairingStatus.ACTIVE:
        raise Conflict(
            _("This pairing has ended. Its page stays as a record, but it can't change.")
        )


def check_can_change(pairing: Pairing, member: Member) -> None:
    open_for_changes(pairing, member)


def open_for_changes(pairing: Pairing, member: Member) -> str:
    side = side_of(pairing, member)
    if not pairing.is_active:
        raise Conflict(
            _("This pairing has ended. Its page stays as a record, but it can't change.")
        )
    return side


def check_quarter_open(pairing: Pairing) -> None:
    open_quarter(pairing)


def open_quarter(pairing: Pairing) -> Quarter:
    quarter = current_quarter(pairing)
    if quarter.is_complete:
        raise Conflict(
            _(
                "This quarter is complete: both of you have reflected. "
                "Renew for the next quarter to plan and log more."
            )
        )
    return quarter
