"""Pairings: what an accepted answer becomes. The pairings work builds the agenda,
session log and reflections on this page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from portal.board.models import Pairing
from portal.extensions import db

bp = Blueprint("pairings", __name__)


@bp.get("/pairings/<int:pairing_id>")
@login_required
def pairing(pairing_id: int):
    found = db.session.get(Pairing, pairing_id)
    # Anyone but the two members (and admins) learns nothing, not even that it exists.
    if found is None or (
        current_user.id not in (found.senior_id, found.junior_id) and not current_user.is_admin
    ):
        abort(404)
    return render_template("pairings/pairing.html", pairing=found)
