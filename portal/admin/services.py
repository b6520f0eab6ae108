"""Moderation: reports (three from different members hide an item at once), the queue's
hide / restore / dismiss, suspensions, roles, and the audit log every action writes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.admin.audit import audit
from portal.admin.closing import close_gone, close_reports, tell_author
from portal.admin.items import Item, can_report, involves, load
from portal.admin.models import REASONS, REVIEW, ItemKind, Outcome, Report
from portal.admin.suspensions import set_moderator, suspend, unsuspend
from portal.board.services.version import board_changed
from portal.clock import utcnow
from portal.domain import Conflict, FieldError, NotAllowed
from portal.extensions import db
from portal.members.models import Member
from portal.moderation import require_staff
from portal.web.database import write_transaction
from portal.web.i18n import format_number

log = logging.getLogger("portal.admin")


def N_(text: str) -> str:
    """Marks text for the catalogue (pybabel's default keyword), kept as it is: the reason
    is stored and compared in English, and shown through gettext."""
    return text


AUTO_HIDE_REPORTERS = 3
AUTO_HIDE_REASON = N_("Reported by several members; a moderator will look at it soon.")
NOTE_LENGTH = 1000


def _require_item(kind: str, item_id: int, moderator: Member) -> Item:
    item = load(kind, item_id, lock=True)
    if item is None:
        raise Conflict(_("That is no longer here."))
    if involves(item, moderator.id):
        raise NotAllowed(_("This is about you: another moderator will decide it."))
    return item


# --- reports ----------------------------------------------------------------------------


@dataclass
class Reported:
    report: Report
    hidden_now: bool


def report(reporter: Member, kind: str, item_id: int, reason: str, note: str = "") -> Reported:
    """A member reports an item. One live report per member per item; the third member's
    report hides it at once (once, however many arrive together)."""
    if not reporter.is_verified or reporter.is_suspended():
        raise NotAllowed(_("Confirm your email address before reporting."))
    if reason not in REASONS:
        raise FieldError("reason", _("Please choose a reason."))
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise FieldError(
            "note", _("Up to %(count)s characters, please.", count=format_number(NOTE_LENGTH))
        )
    with write_transaction():
        board_changed()  # first, like every board change: what it hides leaves cached pages
        item = load(kind, item_id, lock=True)  # reports on one item queue on its row
        if item is None or not can_report(item, reporter):
            raise NotAllowed(_("You can't report that."))
        open_reports = sa.select(Report).where(
            Report.item_kind == item.kind.value,
            Report.item_id == item.id,
            Report.closed_at.is_(None),
        )
        already = db.session.scalar(open_reports.where(Report.reporter_id == reporter.id))
        if already is not None:
            raise Conflict(_("You have reported this already; the moderators have it."))
        made = Report(
            reporter_id=reporter.id,
            item_kind=item.kind.value,
            item_id=item.id,
            author_id=item.author_id,
            reason=reason,
            note=note,
        )
        db.session.add(made)
        try:
            db.session.flush()
        except IntegrityError as error:  # the same member, twice at the same moment
            raise Conflict(_("You have reported this already; the moderators have it.")) from error
        reporters = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Report.reporter_id))).where(
                Report.item_kind == item.kind.value,
                Report.item_id == item.id,
                Report.closed_at.is_(None),
                Report.reason.in_(REASONS),  # not the author's own request for a review
            )
        )
        # Once a moderator has looked and left it up, reports wait for a moderator again:
        # the same few members can't overrule that decision by reporting anew.
        decided = db.session.scalar(
            sa.select(sa.func.count()).where(
                Report.item_kind == item.kind.value,
                Report.item_id == item.id,
                Report.outcome.in_((Outcome.RESTORED.value, Outcome.DISMISSED.value)),
            )
        )
        hidden_now = False
        if reporters >= AUTO_HIDE_REPORTERS and not decided and not item.row.is_hidden:
            hidden_now = _hide(item, AUTO_HIDE_REASON)
            if hidden_now:
                audit(None, "auto-hide", item=item, reason=f"{reporters} members reported it")
                tell_author(
                    item,
                    _l(
                        "Several members reported %(thing)s, so it is hidden until a moderator "
                        "looks at it. Only you and the moderators can see it meanwhile.",
                        thing=item.kind.yours,
                    ),
                )
    log.info("Member %s reported %s %s", reporter.id, item.kind.value, item.id)
    return Reported(made, hidden_now)


def _hide(item: Item, reason: str) -> bool:
    """Hide the item if it is not hidden yet; True if this call hid it."""
    model = type(item.row)
    changed = db.session.execute(
        sa.update(model)
        .where(model.id == item.id, model.hidden_at.is_(None))
        .values(hidden_at=utcnow(), hidden_reason=reason[:200])
    ).rowcount
    db.session.refresh(item.row)
    return bool(changed)


# --- the queue's actions ------------------------------------------------------------------


def hide(moderator: Member, kind: str, item_id: int, reason: str) -> Item:
    require_staff(moderator)
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldError("reason", _("Please say why: the author is shown it."))
    with write_transaction():
        board_changed()
        item = _require_item(kind, item_id, moderator)
        if not item.can_hide:
            raise Conflict(_("A pairing can't be hidden: close the concern, or suspend a member."))
        if item.row.is_hidden and item.row.hidden_reason != AUTO_HIDE_REASON:
            raise Conflict(_("A moderator has hidden this already."))
        model = type(item.row)
        db.session.execute(
            sa.update(model)
            .where(model.id == item.id)
            .values(hidden_at=item.row.hidden_at or utcnow(), hidden_reason=reason[:200])
        )
        db.session.refresh(item.row)
        close_reports(item, Outcome.HIDDEN, moderator)
        audit(moderator, "hide", item=item, reason=reason)
        tell_author(
            item,
            _l(
                "The moderators have hidden %(thing)s: %(reason)s Only you and the moderators "
                "can see it now. If you think this is a mistake, ask for a review on its page.",
                thing=item.kind.yours,
                reason=reason,
            ),
        )
    log.info("Moderator %s hid %s %s", moderator.id, item.kind.value, item.id)
    return item


def restore(moderator: Member, kind: str, item_id: int, reason: str = "") -> Item:
    require_staff(moderator)
    with write_transaction():
        board_changed()
        item = _require_item(kind, item_id, moderator)
        if not item.can_hide or not item.row.is_hidden:
            raise Conflict(_("This is not hidden."))
        model = type(item.row)
        db.session.execute(
            sa.update(model).where(model.id == item.id).values(hidden_at=None, hidden_reason="")
        )
        db.session.refresh(item.row)
        close_reports(item, Outcome.RESTORED, moderator)
        audit(moderator, "restore", item=item, reason=reason)
        tell_author(
            item,
            _l(
                "The moderators looked again: %(thing)s is visible to everyone once more.",
                thing=item.kind.yours,
            ),
        )
    return item


def dismiss(moderator: Member, kind: str, item_id: int, reason: str = "") -> Item | None:
    """The reports were unfounded: they close, and an item they hid comes back. Reports
    on something gone since (a profile whose member left) close too."""
    require_staff(moderator)
    with write_transaction():
        board_changed()
        if load(kind, item_id) is None:
            close_gone(kind, item_id, moderator)
            audit(moderator, "dismiss", reason=reason or f"{kind} {item_id}: gone")
            return None
        item = _require_item(kind, item_id, moderator)
        closed = close_reports(item, Outcome.DISMISSED, moderator)
        if not closed:
            raise Conflict(_("These reports have been dealt with already."))
        if item.can_hide and item.row.is_hidden and item.row.hidden_reason == AUTO_HIDE_REASON:
            model = type(item.row)
            db.session.execute(
                sa.update(model).where(model.id == item.id).values(hidden_at=None, hidden_reason="")
            )
            db.session.refresh(item.row)
            tell_author(
                item,
                _l(
                    "The moderators looked at %(thing)s: everyone can see it again.",
                    thing=item.kind.yours,
                ),
            )
        elif item.can_hide and item.row.is_hidden and any(r.reason == REVIEW for r in closed):
            tell_author(
                item,
                _l(
                    "The moderators looked again at %(thing)s. It stays hidden: %(reason)s",
                    thing=item.kind.yours,
                    reason=item.row.hidden_reason,
                ),
            )
        audit(moderator, "dismiss", item=item, reason=reason)
    return item


__all__ = [
    "AUTO_HIDE_REPORTERS",
    "ItemKind",
    "audit",
    "dismiss",
    "hide",
    "report",
    "restore",
    "set_moderator",
    "suspend",
    "unsuspend",
]
