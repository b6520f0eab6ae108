"""The monthly digest: one email a month, built from sections the features register
(new essays, open requests that fit the member, each pairing's next step). Members
who turned it off get none, nor does one for whom every section would be empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import check_stop, job, monthly
from portal.members.models import Member
from portal.notifications.email import send_notice
from portal.web.database import write_transaction
from portal.web.i18n import in_language

SINCE = timedelta(days=31)
BATCH = 200  # members per transaction


@dataclass
class Section:
    title: str
    items: list[tuple[str, str]]  # (text, absolute link)


DIGEST_SECTIONS: list[Callable[[Member, datetime], Section | None]] = []


def digest_section(fn):
    """Register fn(member, since) -> Section, or None when it has nothing to say."""
    DIGEST_SECTIONS.append(fn)
    return fn


def sections_for(member: Member, since: datetime) -> list[Section]:
    """Each feature's section, written in the member's language."""
    with in_language(member.locale):
        return [found for fn in DIGEST_SECTIONS if (found := fn(member, since)) and found.items]


@job("digest", period=monthly, first_run_now=False)
def send_digests(period: str) -> str:
    """The monthly digest, to each confirmed member who wants it."""
    since = utcnow() - SINCE
    query = (
        sa.select(Member)
        .where(Member.deleted_at.is_(None), Member.email_verified_at.is_not(None))
        .order_by(Member.id)
    )
    queued = 0
    last_id = 0
    while True:
        members = list(db.session.scalars(query.where(Member.id > last_id).limit(BATCH)))
        if not members:
            break
        last_id = members[-1].id
        # Read first, then write: the write lock is held only while the mails are queued.
        planned = [
            (member.id, sections)
            for member in members
            if member.wants_notice("digest") and (sections := sections_for(member, since))
        ]
        with write_transaction():
            for member_id, sections in planned:
                queued += send_notice(
                    db.session.get(Member, member_id),
                    "digest",
                    _l("This month at %(site)s", site=current_app.config["SITE_NAME"]),
                    "digest",
                    dedupe_key=f"digest:{period}:{member_id}",
                    sections=sections,
                )
        check_stop()
    return f"{queued} digest(s) queued for {period}"
