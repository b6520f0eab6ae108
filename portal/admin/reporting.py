"""Reporting: any verified member, about a request, an answer, a message in their own
pairing, or a profile. A page with the form (JavaScript or not), then back to the item.
Also: raising a concern inside a pairing, and an author asking for a review."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.admin import bp, concerns, services
from portal.admin.forms import ConcernForm, ReportForm, ReviewForm
from portal.admin.items import can_report, load
from portal.admin.models import ItemKind
from portal.domain import FieldError
from portal.members.security import verified_required
from portal.members.services import find_by_handle


def _report(kind: ItemKind, item_id: int):
    item = load(kind, item_id)
    if item is None or not can_report(item, current_user):
        abort(404)
    form = ReportForm()
    if request.method == "POST" and form.validate():
        try:
            services.report(current_user, kind, item_id, form.reason.data, form.note.data or "")
        except FieldError as error:
            form[error.field].errors = [error.message]
        else:
            flash(
                _(
                    "Thank you: your report reached the moderators. They will look at it soon; "
                    "the author isn't told who reported it."
                ),
                "success",
            )
            return redirect(item.url, 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/report.html", form=form, item=item), status


@bp.route("/requests/<int:item_id>/report", methods=["GET", "POST"])
@verified_required
def report_request(item_id: int):
    return _report(ItemKind.REQUEST, item_id)


@bp.route("/answers/<int:item_id>/report", methods=["GET", "POST"])
@verified_required
def report_answer(item_id: int):
    return _report(ItemKind.ANSWER, item_id)


@bp.route("/messages/<int:item_id>/report", methods=["GET", "POST"])
@verified_required
def report_message(item_id: int):
    return _report(ItemKind.MESSAGE, item_id)


@bp.route("/members/<handle>/report", methods=["GET", "POST"])
@verified_required
def report_member(handle: str):
    member = find_by_handle(handle)
    if member is None:
        abort(404)
    return _report(ItemKind.MEMBER, member.id)


# --- a concern inside a pairing ----------------------------------------------------------


@bp.route("/pairings/<int:pairing_id>/concern", methods=["GET", "POST"])
@login_required
def concern(pairing_id: int):
    item = load(ItemKind.PAIRING, pairing_id)
    if item is None or item.row.side_of(current_user.id) is None:
        abort(404)
    form = ConcernForm()
    if request.method == "POST" and form.validate():
        try:
            concerns.raise_concern(current_user, pairing_id, form.note.data)
        except FieldError as error:
            form[error.field].errors = [error.message]
        else:
            flash(
                _(
                    "Your concern reached the moderators, and only them. %(name)s is not "
                    "told. A moderator will be in touch with you by email.",
                    name=item.row.partner_of(current_user.id).display_name,
                ),
                "success",
            )
            return redirect(item.url, 303)
    status = 422 if request.method == "POST" else 200
    partner = item.row.partner_of(current_user.id)
    return render_template("admin/concern.html", form=form, item=item, partner=partner), status


# --- an author asks for a review ------------------------------------------------------------


def _review(kind: ItemKind, item_id: int):
    item = load(kind, item_id)
    if item is None or item.author_id != current_user.id or not item.row.is_hidden:
        abort(404)
    form = ReviewForm()
    if form.validate():
        concerns.request_review(current_user, kind, item_id, form.note.data or "")
        flash(_("You asked the moderators to look again. You will hear from them."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(item.url, 303)


@bp.post("/requests/<int:item_id>/review")
@login_required
def review_request(item_id: int):
    return _review(ItemKind.REQUEST, item_id)


@bp.post("/answers/<int:item_id>/review")
@login_required
def review_answer(item_id: int):
    return _review(ItemKind.ANSWER, item_id)


@bp.post("/messages/<int:item_id>/review")
@login_required
def review_message(item_id: int):
    return _review(ItemKind.MESSAGE, item_id)


@bp.post("/members/<handle>/review")
@login_required
def review_member(handle: str):
    member = find_by_handle(handle)
    if member is None:
        abort(404)
    return _review(ItemKind.MEMBER, member.id)
