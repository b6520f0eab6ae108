"""Everything the portal holds about a member, as JSON-ready data (DPDP): membership's
own rows here, and each feature's rows from the section it registers."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.members import tokens
from portal.members.models import Member, MemberSession
from portal.members.sections import export_sections
from portal.notifications.models import NOTICES


def export(member: Member) -> dict:
    """Everything the portal holds about the member, as JSON-ready data."""
    sessions = db.session.scalars(
        sa.select(MemberSession).where(MemberSession.member_id == member.id)
    ).all()
    iso = tokens.stamp
    data = {
        "member": {
            "handle": member.handle,
            "name": member.name,
            "email": member.email,
            "email_verified_at": iso(member.email_verified_at),
            "role": member.role.value,
            "can_teach": member.can_teach,
            "wants_to_learn": member.wants_to_learn,
            "organisation": member.organisation,
            "city": member.city,
            "language": member.language,
            "meeting_mode": member.meeting_mode,
            "timezone": member.timezone,
            "notifications": {k: member.wants_notice(k) for k in NOTICES},
            "participation_record_public": member.record_public,
            "joined_from_essay": member.joined_from,
            "joined_at": iso(member.created_at),
            "consent": {
                "notice_version": member.consent_version,
                "agreed_at": iso(member.consented_at),
                "declared_18_or_older": member.adult_declared,
            },
            "last_sign_in_at": iso(member.last_sign_in_at),
            "password_changed_at": iso(member.password_changed_at),
        },
        "sessions": [
            {
                "started_at": iso(s.created_at),
                "expires_at": iso(s.expires_at),
                "remember": s.remember,
                "browser": s.user_agent,
            }
            for s in sessions
        ],
    }
    # Sections other features register (pairings...), before the member's sessions.
    sessions_part = data.pop("sessions")
    return {**data, **export_sections(member), "sessions": sessions_part}
