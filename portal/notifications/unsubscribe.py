"""One-click unsubscribe from one kind of notice email (RFC 8058).

Every notice email carries a signed link for its kind. Opening it shows a page with a
button; mail clients that support one-click unsubscribe POST to the same URL without
a session, so the signed token (not a CSRF token) is what authorises that POST.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from portal.extensions import csrf, db
from portal.members.models import Member
from portal.members.tokens import TokenError, read_token
from portal.notifications import bp
from portal.notifications.email import MAX_AGE, PURPOSE
from portal.notifications.models import NOTICES
from portal.web.database import write_transaction


def _read(token: str) -> tuple[Member, str]:
    payload = read_token(PURPOSE, token, MAX_AGE)
    kind = payload.get("k")
    member = db.session.get(Member, payload.get("m")) if isinstance(payload.get("m"), int) else None
    if kind not in NOTICES or member is None or member.deleted_at:
        raise TokenError("This link is not valid any more.")
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
