"""Answers: posting one (in place with htmx) and withdrawing it."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.board import bp, services
from portal.board.forms import AnswerForm
from portal.board.models import Answer
from portal.board.routes.requests import load_request, request_context
from portal.extensions import db
from portal.members.security import posting_limited, verified_required
from portal.web.forms import ActionForm
from portal.web.htmx import is_htmx, redirect_to


def _back_to(item, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect_to(url_for("board.request_page", request_id=item.id) + anchor)


@bp.post("/requests/<int:request_id>/answers")
@posting_limited("RATELIMIT_ANSWERS")
@verified_required
def answer(request_id: int):
    item = load_request(request_id)
    form = AnswerForm()
    if not form.validate():
        if is_htmx():
            return render_template("board/_answer_form.html", item=item, answer_form=form), 422
        context = request_context(item, answer_form=form)
        return render_template("board/request.html", **context), 422
    created = services.answer_request(current_user, item, form.data["message"])
    if is_htmx():
        return render_template(
            "board/_answered.html",
            item=item,
            answer=created,
            action=ActionForm(formdata=None),
            rights=services.rights_for(item, current_user, [created]),
        )
    return _back_to(
        item, _("Your answer is posted. The author has been told."), f"#answer-{created.id}"
    )


@bp.post("/answers/<int:answer_id>/withdraw")
@login_required
def withdraw_answer(answer_id: int):
    found = db.session.get(Answer, answer_id)
    if found is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    services.withdraw_answer(current_user, found)
    return _back_to(load_request(found.request_id), _("Your answer is withdrawn."))
