"""Blocking a member from their profile, and lifting it there or from the account page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.members import blocks, bp, services
from portal.members.routes.join import member_or_404
from portal.web.forms import ActionForm
from portal.web.htmx import is_htmx


def _answer(other, blocked: bool, message: str):
    """htmx: the button, changed in place. A plain form: back where it was pressed."""
    back = "account" if request.form.get("back") == "account" else ""
    if is_htmx():
        return render_template(
            "members/_block_button.html",
            member=other,
            blocked=blocked,
            back=back,
            action=ActionForm(formdata=None),
        )
    flash(message, "success")
    if back:
        return redirect(url_for("members.account", _anchor="blocks"), 303)
    return redirect(url_for("members.profile", handle=other.handle), 303)


@bp.post("/members/<handle>/block")
@login_required
def block(handle: str):
    other = member_or_404(handle)
    if not ActionForm().validate():
        abort(400)
    blocks.block(current_user, other)
    return _answer(
        other,
        True,
        _(
            "You blocked %(name)s. You won't see each other's requests or answers. "
            "They are not told.",
            name=other.name,
        ),
    )


@bp.post("/members/<handle>/unblock")
@login_required
def unblock(handle: str):
    # Whatever the moderators did to their profile since, a block can always be lifted.
    other = services.find_by_handle(handle) or abort(404)
    if not ActionForm().validate():
        abort(400)
    blocks.unblock(current_user, other)
    return _answer(other, False, _("You unblocked %(name)s.", name=other.name))
