"""The pairing page, the list of a member's pairings, goals and the agenda.

Every change is a plain POST form (303 back to the page) that htmx also posts, and
then gets back only the section it changed. Invalid input answers 422 with the form
and what was typed; a refusal from the services answers 403 or 409 with its message.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.extensions import db
from portal.pairings import bp, services
from portal.pairings.forms import (
    GoalForm,
    ItemForm,
    MoveForm,
)
from portal.pairings.models import Pairing
from portal.pairings.page import PairingPage
from portal.pairings.page import session_form as page_session_form
from portal.web.forms import ActionForm
from portal.web.htmx import is_htmx


def load(pairing_id: int) -> Pairing:
    """The pairing, for its two members and admins; anyone else learns nothing (404)."""
    found = db.session.get(Pairing, pairing_id)
    if found is None or not services.can_view(found, current_user):
        abort(404)
    return found


def load_for_change(pairing_id: int) -> Pairing:
    """The pairing, if this member may change it now: admins read but don't write (403),
    and an ended pairing is a record (409). Checked before the form, so a refusal
    never looks like a typing mistake."""
    found = load(pairing_id)
    services.check_can_change(found, current_user)
    return found


def load_for_quarter_change(pairing_id: int) -> Pairing:
    """As `load_for_change`, for what only the quarter under way takes (goals, agenda,
    the log, reflections): a completed quarter answers 409, before any form is read."""
    found = load_for_change(pairing_id)
    services.check_quarter_open(found)
    return found


def dates_for(pairing: Pairing) -> dict:
    """The bounds of a session's date, in the member's own time zone."""
    page = PairingPage(pairing, current_user)
    return {"began_on": page.began_on, "today": page.today}


def session_form(items, entry=None, bound: bool = False):
    return page_session_form(items, current_user, entry, bound)


def _section(page: PairingPage, name: str, **given) -> str:
    template, context = page.section(name, **given)
    return render_template(template, **context)


def answer(pairing: Pairing, section: str, message: str | None = None, status: int = 200, **given):
    """After a change: the section for htmx, or (without JS) back to the page.
    With an error status, the form with its messages: the section, or the whole page."""
    anchor = "quarter-current" if section == "quarter" else section
    if status == 200 and not is_htmx():
        if message:
            flash(message, "success")
        return redirect(url_for("pairings.pairing", pairing_id=pairing.id) + f"#{anchor}", 303)
    page = PairingPage(pairing, current_user)
    if is_htmx():
        body = _section(page, section, status_message=message, **given)
        if section == "quarter" and status == 200:
            # The log's "Agenda item" choices follow the agenda (only the list: what is
            # typed in the log's other fields stays).
            body += _section(page, "agenda_choices")
        if section == "reflections" and status == 200 and page.current.is_complete:
            # A completed quarter changes its heading, and the log takes no more sessions.
            body += _section(page, "quarter", oob=True)
            body += _section(page, "sessions", oob=True)
        return body, status
    main = page.main(**given)
    return render_template("pairings/pairing.html", pairing=pairing, main=main), status


@bp.get("/pairings/")
@login_required
def mine():
    pairings = services.pairings_of(current_user)
    return render_template(
        "pairings/list.html",
        pairings=pairings,
        quarters=services.latest_quarters([p.id for p in pairings]),
    )


@bp.get("/pairings/<int:pairing_id>")
@login_required
def pairing(pairing_id: int):
    found = load(pairing_id)
    if found.side_of(current_user.id):
        services.mark_seen(found, current_user)
    main = PairingPage(found, current_user).main()
    return render_template("pairings/pairing.html", pairing=found, main=main)


@bp.post("/pairings/<int:pairing_id>/goals/<side>")
@login_required
def goal(pairing_id: int, side: str):
    if side not in services.SIDES:
        abort(404)
    found = load_for_quarter_change(pairing_id)
    services.check_own_goal(found, current_user, side)  # 403 before the form is read
    form = GoalForm()
    if not form.validate():
        return answer(found, "quarter", status=422, goal_form=form, status_in="goal")
    services.set_goal(found, current_user, side, form.goal.data or "")
    return answer(found, "quarter", _("Your goal is saved."), status_in="goal")


@bp.post("/pairings/<int:pairing_id>/agenda")
@login_required
def add_item(pairing_id: int):
    found = load_for_quarter_change(pairing_id)
    form = ItemForm()
    if not form.validate():
        return answer(found, "quarter", status=422, item_form=form, status_in="agenda")
    added = services.add_item(found, current_user, form.title.data, form.detail.data or "")
    return answer(
        found,
        "quarter",
        _("The item is added to the agenda."),
        status_in="agenda",
        focus_item=added.id,
    )


def _item(found: Pairing, change, *args) -> None:
    try:
        change(found, current_user, *args)
    except LookupError:
        abort(404)


@bp.post("/pairings/<int:pairing_id>/agenda/<int:item_id>")
@login_required
def edit_item(pairing_id: int, item_id: int):
    found = load_for_quarter_change(pairing_id)
    form = ItemForm(prefix=f"i{item_id}")
    if not form.validate():
        return answer(found, "quarter", status=422, item_forms={item_id: form}, status_in="agenda")
    _item(found, services.edit_item, item_id, form.title.data, form.detail.data or "")
    return answer(
        found, "quarter", _("The agenda item is saved."), status_in="agenda", focus_item=item_id
    )


@bp.post("/pairings/<int:pairing_id>/agenda/<int:item_id>/move")
@login_required
def move_item(pairing_id: int, item_id: int):
    found = load_for_quarter_change(pairing_id)
    form = MoveForm()
    if not form.validate() or form.direction.data not in ("up", "down"):
        abort(400)
    direction = form.direction.data
    _item(found, services.move_item, item_id, direction)
    return answer(
        found,
        "quarter",
        _("The item moved up.") if direction == "up" else _("The item moved down."),
        status_in="agenda",
        focus_item=item_id,  # its same button takes focus (see _quarter.html)
        moved=direction,
    )


@bp.post("/pairings/<int:pairing_id>/agenda/<int:item_id>/delete")
@login_required
def delete_item(pairing_id: int, item_id: int):
    found = load_for_quarter_change(pairing_id)
    if not ActionForm().validate():
        abort(400)
    neighbour = _neighbour(found, item_id)
    _item(found, services.delete_item, item_id)
    return answer(
        found,
        "quarter",
        _("The item is removed from the agenda."),
        status_in="agenda",
        focus_item=neighbour,  # None: the last one went, and "Add an item" takes focus
    )


def _neighbour(found: Pairing, item_id: int) -> int | None:
    """The agenda item that takes focus when `item_id` is removed: the one after it, or
    the one before it if it was last."""
    quarter = services.current_quarter(found)
    ids = [item.id for item in services.agenda([quarter.id])[quarter.id]]
    if item_id not in ids:
        return None
    others = [other for other in ids if other != item_id]
    position = ids.index(item_id)
    return others[min(position, len(others) - 1)] if others else None
