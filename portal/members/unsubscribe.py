"""One-click unsubscribe from one kind of notice email (RFC 8058).

Every notice email carries a signed link for its kind. Opening it shows a page with a
button; mail clients that support one-click unsubscribe POST to the same URL without
a session, so the signed token (not a CSRF token) is what authorises that POST.
"""

from __future__ import annotations

from flask import render_template, request, url_for

from portal.extensions import csrf, db
from portal.members import bp
from portal.members.models import NOTICES, Member
from portal.members.tokens import TokenError, make_token, read_token
from portal.web.database import write_transaction
from portal.web.templating import absolute_url

PURPOSE = "unsubscribe"
MAX_AGE = 10 * 365 * 24 * 3600  # links in old emails keep working


def unsubscribe_url(member: Member, kind: str) -> str:
    token = make_token(PURPOSE, {"m": member.id, "k": kind})
    return absolute_url("members.unsubscribe", token=token)


def headers_for(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


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
        action=url_for("members.unsubscribe", token=token),
    )
