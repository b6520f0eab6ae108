"""State changes on a request or an answer: thin views over board.services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal.board import bp, notify, services
from portal.board.forms import AcceptForm, ActionForm, AnswerForm
from portal.board.models import Answer
from portal.board.refusals import domain_errors
from portal.board.views import load_request, request_context
from portal.extensions import db
from portal.members.security import verified_required
from portal.web.htmx import is_htmx


def _back_to(item, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("board.request_page", request_id=item.id) + anchor, 303)


@bp.post("/requests/<int:request_id>/answers")
@verified_required
@domain_errors
def answer(request_id: int):
    item = load_request(request_id)
    form = AnswerForm()
    if not form.validate():
        if is_htmx():
            return render_template("board/_answer_form.html", item=item, answer_form=form), 422
        context = request_context(item, answer_form=form)
        return render_template("board/request.html", **context), 422
    created = services.answer_request(current_user, item, form.data["message"])
    notify.answered(item, created)
    if is_htmx():
        return render_template(
            "board/_answered.html", item=item, answer=created, action=ActionForm(formdata=None)
        )
    return _back_to(
        item, "Your answer is posted. The author has been told.", f"#answer-{created.id}"
    )


def _answer_of(item, answer_id: int) -> Answer:
    found = db.session.get(Answer, answer_id)
    if found is None or found.request_id != item.id:
        abort(404)
    return found


@bp.post("/requests/<int:request_id>/answers/<int:answer_id>/accept")
@verified_required
@domain_errors
def accept(request_id: int, answer_id: int):
    item = load_request(request_id)
    chosen = _answer_of(item, answer_id)
    form = AcceptForm()
    if not form.validate():
        abort(400)
    if item.author_id != current_user.id:
        raise services.NotAllowed("Only the member who posted this request can accept an answer.")
    if (
        services.same_organisation(current_user, chosen.author)
        and not form.same_organisation_ok.data
    ):
        # A reporting line makes teaching upward harder: say so, and ask again.
        return render_template("board/same_organisation.html", item=item, answer=chosen, form=form)
    accepted = services.accept_answer(current_user, item, chosen)
    notify.accepted(item, accepted)
    target = url_for("pairings.pairing", pairing_id=accepted.pairing.id)
    flash(
        "You accepted an answer: your pairing begins. Everyone else has been told, kindly.",
        "success",
    )
    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)


def _end(request_id: int, change, message: str):
    item = load_request(request_id)
    if not ActionForm().validate():
        abort(400)
    change(current_user, item)
    if is_htmx():
        flash(message, "success")
        return "", 200, {"HX-Redirect": url_for("board.request_page", request_id=item.id)}
    return _back_to(item, message)


@bp.post("/requests/<int:request_id>/close")
@login_required
@domain_errors
def close(request_id: int):
    return _end(request_id, services.close_request, "Your request is closed.")


@bp.post("/requests/<int:request_id>/withdraw")
@login_required
@domain_errors
def withdraw(request_id: int):
    return _end(request_id, services.withdraw_request, "Your request is withdrawn.")


@bp.post("/requests/<int:request_id>/renew")
@login_required
@domain_errors
def renew(request_id: int):
    return _end(request_id, services.renew_request, "Your request is back on the board.")


@bp.post("/answers/<int:answer_id>/withdraw")
@login_required
@domain_errors
def withdraw_answer(answer_id: int):
    found = db.session.get(Answer, answer_id)
    if found is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    services.withdraw_answer(current_user, found)
    return _back_to(load_request(found.request_id), "Your answer is withdrawn.")
