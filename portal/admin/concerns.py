"""Two ways in to the moderators that are not reports: a member of a pairing raising a
concern (private: the partner is never told), and an author asking for a second look at
something the moderators hid."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.admin.items import load
from portal.admin.models import CONCERN, REVIEW, ItemKind, Report
from portal.domain import Conflict, FieldError, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.services import notify
from portal.web.database import write_transaction
from portal.web.i18n import format_number

log = logging.getLogger("portal.admin")

NOTE_LENGTH = 1000


def _note(text: str, *, required: str | None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise FieldError("note", required)
    if len(text) > NOTE_LENGTH:
        raise FieldError(
            "note", _("Up to %(count)s characters, please.", count=format_number(NOTE_LENGTH))
        )
    return text


def _file(member: Member, kind: ItemKind, item_id: int, author_id, reason: str, note: str):
    made = Report(
        reporter_id=member.id,
        item_kind=kind.value,
        item_id=item_id,
        author_id=author_id,
        reason=reason,
        note=note,
    )
    db.session.add(made)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("The moderators have this already; they will be in touch.")) from error
    return made


def _tell_moderators(text: str, *, about: tuple[int, ...]) -> None:
    """Every moderator and admin but those the concern is about."""
    staff = db.session.scalars(
        sa.select(Member.id).where(
            Member.deleted_at.is_(None),
            sa.or_(Member.is_admin, Member.is_moderator),
            Member.id.not_in(about),
        )
    )
    for member_id in staff:
        notify(member_id, text, "/admin/reports")


def raise_concern(member: Member, pairing_id: int, note: str) -> Report:
    """A member of a pairing tells the moderators something is wrong. Only they read it."""
    note = _note(note, required=_("Please tell the moderators what worries you."))
    with write_transaction():
        item = load(ItemKind.PAIRING, pairing_id, lock=True)
        if item is None or item.row.side_of(member.id) is None:
            raise NotAllowed(_("Only the two members of a pairing can raise a concern about it."))
        partner = item.row.partner_of(member.id)
        open_concern = db.session.scalar(
            sa.select(Report.id).where(
                Report.reporter_id == member.id,
                Report.item_kind == ItemKind.PAIRING.value,
                Report.item_id == pairing_id,
                Report.closed_at.is_(None),
            )
        )
        if open_concern:
            raise Conflict(
                _(
                    "You raised a concern about this pairing already; the moderators have it "
                    "and will be in touch."
                )
            )
        made = _file(member, ItemKind.PAIRING, pairing_id, partner.id, CONCERN, note)
        _tell_moderators(
            _l("A member raised a concern about their pairing."),
            about=(item.row.senior_id, item.row.junior_id),
        )
    log.info("Member %s raised a concern about pairing %s", member.id, pairing_id)
    return made


def request_review(member: Member, kind: str, item_id: int, note: str = "") -> Report:
    """The author of something hidden asks the moderators to look again."""
    note = _note(note, required=None)
    with write_transaction():
        item = load(kind, item_id, lock=True)
        if item is None or item.author_id != member.id or not item.row.is_hidden:
            raise NotAllowed(_("Only the author of something hidden can ask for a review."))
        asked = db.session.scalar(
            sa.select(Report.id).where(
                Report.reporter_id == member.id,
                Report.item_kind == item.kind.value,
                Report.item_id == item.id,
                Report.closed_at.is_(None),
            )
        )
        if asked:
            raise Conflict(_("You have asked for a review already; the moderators will look."))
        made = _file(member, item.kind, item.id, member.id, REVIEW, note)
    log.info("Member %s asked for a review of %s %s", member.id, item.kind.value, item.id)
    return made
