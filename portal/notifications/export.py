"""A member's notices, and the emails sent to them, in their data export."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.mail.models import OutboxMail
from portal.members import tokens
from portal.members.models import Member
from portal.members.sections import export_section
from portal.notifications.models import Notification


@export_section("notifications")
def export_notifications(member: Member) -> list[dict]:
    iso = tokens.stamp
    found = db.session.scalars(
        sa.select(Notification)
        .where(Notification.member_id == member.id)
        .order_by(Notification.created_at)
    ).all()
    return [
        {"text": n.text, "link": n.url, "at": iso(n.created_at), "read_at": iso(n.read_at)}
        for n in found
    ]


@export_section("emails")
def export_emails(member: Member) -> list[dict]:
    """What the outbox holds about mail to the member (bodies are not kept once sent)."""
    iso = tokens.stamp
    found = db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.member_id == member.id).order_by(OutboxMail.id)
    ).all()
    return [
        {
            "subject": row.subject or row.kind,
            "to": row.to_address,
            "status": row.status.value,
            "queued_at": iso(row.created_at),
            "sent_at": iso(row.sent_at),
        }
        for row in found
    ]
