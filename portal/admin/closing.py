"""How reports end: each is closed with its outcome, each reporter hears how (a notice,
and a mail they can turn off), and an author hears what became of their item."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import portal.mail as mail
from portal.admin.items import Item
from portal.admin.models import CONCERN, REVIEW, Outcome, Report
from portal.clock import utcnow
from portal.domain import Conflict
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.email import send_notice
from portal.notifications.services import notify


def close_gone(kind: str, item_id: int, by: Member) -> None:
    closed = db.session.execute(
        sa.update(Report)
        .where(Report.item_kind == kind, Report.item_id == item_id, Report.closed_at.is_(None))
        .values(closed_at=utcnow(), outcome=Outcome.DISMISSED.value, closed_by_id=by.id)
    ).rowcount
    if not closed:
        raise Conflict(_("These reports have been dealt with already."))


THANKS = {
    Outcome.HIDDEN: _l("The moderators looked at what you reported and hid it. Thank you."),
    Outcome.RESTORED: _l("The moderators looked at what you reported and left it up."),
    Outcome.DISMISSED: _l("The moderators looked at what you reported and left it up."),
}


def close_reports(item: Item, outcome: Outcome, by: Member) -> list[Report]:
    """Close the item's open reports, and tell each member who made one how it ended
    (in the portal, and by email if they want the "reports" notices)."""
    open_reports = db.session.scalars(
        sa.select(Report).where(
            Report.item_kind == item.kind.value,
            Report.item_id == item.id,
            Report.closed_at.is_(None),
        )
    ).all()
    now = utcnow()
    for report in open_reports:
        report.closed_at, report.outcome, report.closed_by_id = now, outcome.value, by.id
        reporter = report.reporter
        if reporter is None or reporter.deleted_at or report.reason == REVIEW:
            continue  # an author asking for a review hears through _tell_author
        text = (
            _l("A moderator has looked at the concern you raised. Thank you for telling us.")
            if report.reason == CONCERN
            else THANKS[outcome]
        )
        notify(reporter.id, text, "/notifications")
        send_notice(
            reporter,
            "reports",
            _l("The moderators looked at your report"),
            "report_resolved",
            dedupe_key=f"report:{report.id}",
            text=text,
        )
    db.session.flush()
    return list(open_reports)


def tell_author(item: Item, text: str) -> None:
    author = db.session.get(Member, item.author_id)
    if author is None or author.deleted_at:
        return
    notify(author.id, text, item.url)
    mail.queue(
        author.email,
        _l("A note from the moderators"),
        "moderation",
        member_id=author.id,
        language=author.locale,
        member=author,
        text=text,
        link=current_app.config["SITE_URL"].rstrip("/") + item.url,
    )
