"""The audit log: who did what, to what, when and why."""

from __future__ import annotations

from portal.admin.items import Item
from portal.admin.models import AuditEntry
from portal.extensions import db
from portal.members.models import Member


def audit(
    actor: Member | None, action: str, *, item: Item | None = None, member_id=None, reason=""
):
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            action=action,
            item_kind=item.kind.value if item else "",
            item_id=item.id if item else None,
            member_id=member_id
            if member_id is not None
            else ((item.author_id or None) if item else None),
            reason=reason[:500],
        )
    )
