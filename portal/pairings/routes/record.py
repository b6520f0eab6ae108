"""The record on profiles: who may see it, the switch that makes it public, and a
junior's shareable "taught upward" page."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.members.sections import profile_section
from portal.members.services import find_by_handle
from portal.pairings import bp, record, services
from portal.pairings.forms import RecordForm
from portal.web.htmx import redirect_to


@bp.post("/account/record")
@login_required
def record_visibility():
    form = RecordForm()
    if not form.validate():
        abort(400)
    services.set_record_public(current_user, bool(form.public.data))
    if form.public.data:
        flash(_("Your participation record is now on your public profile."), "success")
    else:
        flash(_("Your participation record is private: only you and the admins see it."), "success")
    return redirect_to(f"/members/{current_user.handle}#participation")


@bp.get("/members/<handle>/taught-upward")
def taught_upward(handle: str):
    """Public and shareable: only quarters from pairings both members agreed to show."""
    member = find_by_handle(handle) or abort(404)
    taught = record.taught_upward(member)
    owner = current_user.is_authenticated and current_user.id == member.id
    return render_template(
        "pairings/taught_upward.html",
        member=member,
        taught=taught,
        tools=sorted({t.tool for t in taught}),
        owner=owner,
    )


@profile_section("pairings/_profile_record.html", order=20)
def participation_section(member, viewer) -> dict:
    """The participation record, for whoever may see it, and the owner's switch."""
    visible = record.can_see_record(member, viewer)
    owner = viewer.is_authenticated and viewer.id == member.id
    return {
        "record": record.participation(member) if visible else None,
        # Built only for the owner, who sees the switch: building a form puts a CSRF
        # token in the session, and a reader's profile page must set no cookie.
        "record_form": (
            RecordForm(formdata=None, data={"public": member.record_public}) if owner else None
        ),
    }
