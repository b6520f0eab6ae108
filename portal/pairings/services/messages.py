"""Messages between the two, and what each agrees to show publicly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.domain import Conflict, FieldError
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.services import has_unread, notify
from portal.pairings import emails
from portal.pairings.models import Message, Pairing
from portal.pairings.services.access import lock, open_for_changes, side_of
from portal.web.database import write_transaction

DUPLICATE_MESSAGE_WINDOW = timedelta(minutes=2)


@dataclass
class Posted:
    message: Message
    notify_by_email: bool  # False while an earlier message notice is still unread


def post_message(pairing: Pairing, member: Member, body: str) -> Posted:
    body = body.strip()
    if not body:
        raise FieldError("body", _("Please write a message."))
    open_for_changes(pairing, member)  # an ended pairing is a record: messages close too
    partner = pairing.partner_of(member.id)
    link = f"/pairings/{pairing.id}#messages"
    with write_transaction():
        lock(pairing)
        repeat = db.session.scalar(
            sa.select(Message.id).where(
                Message.pairing_id == pairing.id,
                Message.author_id == member.id,
                Message.body == body,
                Message.created_at > utcnow() - DUPLICATE_MESSAGE_WINDOW,
            )
        )
        if repeat:
            raise Conflict(_("You sent this message a moment ago."))
        message = Message(pairing_id=pairing.id, author_id=member.id, body=body)
        db.session.add(message)
        # One unread notice per conversation: a burst of messages is one nudge, not ten.
        waiting = has_unread(partner.id, link)
        if not waiting:
            notify(
                partner.id,
                _l("%(name)s sent you a message.", name=member.display_name),
                link,
                actor=member,
            )
            db.session.flush()
            emails.messaged(pairing, member, message)
    return Posted(message, notify_by_email=not waiting)


def set_sharing(pairing: Pairing, member: Member, shares: bool) -> None:
    side = side_of(pairing, member)
    with write_transaction():
        setattr(pairing, f"{side}_shares", shares)


def set_record_public(member: Member, public: bool) -> None:
    with write_transaction():
        member.record_public = public
