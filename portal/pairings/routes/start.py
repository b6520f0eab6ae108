"""Where a pairing begins: the author accepts an answer on the request's page, and
the two members find their way from the matched request to their pairing."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.board.forms import AcceptForm
from portal.board.models import Answer
from portal.board.services import get_request
from portal.extensions import db
from portal.members.security import verified_required
from portal.pairings import bp, services
from portal.web.htmx import redirect_to


def _answer_of(item, answer_id: int) -> Answer:
    found = db.session.get(Answer, answer_id)
    if found is None or found.request_id != item.id:
        abort(404)
    return found


@bp.post("/requests/<int:request_id>/answers/<int:answer_id>/accept")
@verified_required
def accept(request_id: int, answer_id: int):
    item = get_request(request_id) or abort(404)
    chosen = _answer_of(item, answer_id)
    form = AcceptForm()
    if not form.validate():
        abort(400)
    try:
        accepted = services.accept_answer(
            current_user, item, chosen, same_organisation_ok=bool(form.same_organisation_ok.data)
        )
    except services.NeedsConfirmation:
        # A reporting line makes teaching upward harder: say so, and ask again.
        return render_template("board/same_organisation.html", item=item, answer=chosen, form=form)
    flash(
        _("You accepted an answer: your pairing begins. Everyone else has been told, kindly."),
        "success",
    )
    return redirect_to(url_for("pairings.pairing", pairing_id=accepted.pairing.id))


@bp.get("/requests/<int:request_id>/pairing")
@login_required
def for_request(request_id: int):
    """From a matched request to the pairing it became, for its two members (and
    admins); anyone else learns nothing (404)."""
    found = services.pairing_for_request(request_id)
    if found is None or not services.can_view(found, current_user):
        abort(404)
    return redirect_to(url_for("pairings.pairing", pairing_id=found.id))
