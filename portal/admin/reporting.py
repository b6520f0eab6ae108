"""Reporting: any verified member, about a request, an answer, a message in their own
pairing, or a profile. A page with the form (JavaScript or not), then back to the item."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user

from portal.admin import bp, services
from portal.admin.forms import ReportForm
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
                "Thank you: your report reached the moderators. They will look at it soon; "
                "the author isn't told who reported it.",
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
