"""In-app notifications (the list, the unread count in the header, marking read) and
one-click unsubscribe from one kind of notice email (RFC 8058): every notice email
carries a signed link for its kind; opening it shows a page with a button, and mail
clients that support one-click unsubscribe POST to the same URL without a session,
so the signed token (not a CSRF token) is what authorises that POST."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.extensions import csrf, db
from portal.members.models import Member
from portal.members.tokens import TokenError, read_token
from portal.notifications import bp, services
from portal.notifications.email import MAX_AGE, PURPOSE
from portal.notifications.models import NOTICES
from portal.web.database import write_transaction
from portal.web.forms import ReadForm
from portal.web.htmx import is_htmx
from portal.web.numbers import whole_number
from portal.web.urls import safe_next


@bp.get("/notifications")
@login_required
def notifications():
    """The list, newest first; opening it reads them (those new until now say so)."""
    items = services.notifications(current_user)
    page = render_template("notifications/page.html", items=items)
    if any(n.read_at is None for n in items):
        services.mark_read(current_user)
    return page


@bp.get("/notifications/count")
@login_required
def notification_count():
    """Polled by htmx from the header; the same badge the layout renders."""
    return render_template("notifications/_count.html")


@bp.post("/notifications/read")
@login_required
def mark_read():
    form = ReadForm()
    if form.validate():
        raw = form.notification.data or ""
        services.mark_read(current_user, whole_number(raw))
    target = safe_next(request.form.get("next"), url_for("notifications.notifications"))
    if is_htmx():
        return render_template("notifications/_count.html")
    return redirect(target, 303)


def _read(token: str) -> tuple[Member, str]:
    payload = read_token(PURPOSE, token, MAX_AGE)
    kind = payload.get("k")
    member = db.session.get(Member, payload.get("m")) if isinstance(payload.get("m"), int) else None
    if kind not in NOTICES or member is None or member.deleted_at:
        raise TokenError(_("This link is not valid any more."))
    return member, kind


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    try:
        member, kind = _read(token)
    except TokenError as error:
        return render_template("members/link_problem.html", message=str(error)), 400
    if request.method == "POST":
        with write_transaction():
            member.notify = {**(member.notify or {}), kind: False}
    return render_template(
        "members/unsubscribe.html",
        kind=NOTICES[kind],
        done=request.method == "POST" or not member.wants_notice(kind),
        action=url_for("notifications.unsubscribe", token=token),
    )
