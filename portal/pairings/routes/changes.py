"""The session log, reflections, ending and renewing, messages and sharing."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.members.security import posting_limited
from portal.pairings import bp, services
from portal.pairings.forms import (
    EndForm,
    MessageForm,
    ReflectionForm,
    RenewForm,
    SessionForm,
    SharingForm,
)
from portal.pairings.routes.pairing import (
    answer,
    dates_for,
    load,
    load_for_change,
    load_for_quarter_change,
    session_form,
)
from portal.web.htmx import is_htmx, redirect_to
from portal.web.numbers import whole_number


def _session_input(form: SessionForm) -> services.SessionInput:
    return services.SessionInput(
        held_on=form.held_on.data,
        agenda_item_id=form.agenda_item_id(),
        covered=form.covered.data,
        notes=form.notes.data or "",
    )


@bp.post("/pairings/<int:pairing_id>/sessions")
@login_required
def log_session(pairing_id: int):
    found = load_for_quarter_change(pairing_id)
    current = services.current_quarter(found)
    form = session_form(services.agenda([current.id])[current.id], bound=True)
    if form.validate():
        try:
            logged = services.log_session(
                found, current_user, _session_input(form), services.today_for(current_user)
            )
        except services.FieldError as error:
            form[error.field].errors = [error.message]
        else:
            return answer(found, "sessions", _("The session is in the log."), focus_entry=logged.id)
    return answer(found, "sessions", status=422, session_form=form)


def _open_entry(pairing_id: int, entry_id: int):
    """The pairing and one entry of its log, if this member may correct it now."""
    found = load_for_quarter_change(pairing_id)
    try:
        entry = services.session_of(found, entry_id)
    except LookupError:
        abort(404)
    services.check_entry_open(found, entry)
    return found, entry


@bp.get("/pairings/<int:pairing_id>/sessions/<int:entry_id>/edit")
@login_required
def edit_session_form(pairing_id: int, entry_id: int):
    """Click to edit: htmx swaps the entry for its form; without JS, a page with the form."""
    found, entry = _open_entry(pairing_id, entry_id)
    form = session_form(services.agenda([entry.quarter_id])[entry.quarter_id], entry)
    context = {"pairing": found, "entry": entry, "edit_form": form, **dates_for(found)}
    if is_htmx():
        return render_template("pairings/_session_edit.html", **context)
    return render_template("pairings/session_edit.html", **context)


@bp.post("/pairings/<int:pairing_id>/sessions/<int:entry_id>")
@login_required
def edit_session(pairing_id: int, entry_id: int):
    found, entry = _open_entry(pairing_id, entry_id)
    items = services.agenda([entry.quarter_id])[entry.quarter_id]
    form = session_form(items, entry, bound=True)
    if form.validate():
        try:
            services.edit_session(
                found,
                current_user,
                entry_id,
                _session_input(form),
                services.today_for(current_user),
            )
        except services.FieldError as error:
            form[error.field].errors = [error.message]
        else:
            return answer(found, "sessions", _("The session is updated."), focus_entry=entry_id)
    if is_htmx():
        return answer(found, "sessions", status=422, edit_forms={entry_id: form})
    context = {"pairing": found, "entry": entry, "edit_form": form, **dates_for(found)}
    return render_template("pairings/session_edit.html", **context), 422


@bp.post("/pairings/<int:pairing_id>/reflection")
@login_required
def reflect(pairing_id: int):
    found = load_for_quarter_change(pairing_id)
    form = ReflectionForm()
    if form.validate():
        try:
            result = services.reflect(
                found,
                current_user,
                form.learned.data,
                form.taught.data,
                form.next_quarter.data,
                finish_early=bool(form.finish_early.data),
            )
        except services.FieldError as error:
            form[error.field].errors = [error.message]
        else:
            if result.completed:
                message = _("Your reflection is saved, and this quarter is complete.")
            else:
                message = _("Your reflection is saved. Your partner's is still to come.")
            return answer(found, "reflections", message)
    return answer(found, "reflections", status=422, reflection_form=form)


@bp.post("/pairings/<int:pairing_id>/end")
@login_required
def end(pairing_id: int):
    found = load_for_change(pairing_id)
    form = EndForm()
    if form.validate():
        try:
            services.end_pairing(found, current_user, form.reason.data)
        except services.FieldError as error:
            form.reason.errors = [error.message]
        else:
            flash(_("The pairing has ended. Its page stays here as a record."), "success")
            return redirect_to(url_for("pairings.pairing", pairing_id=found.id))
    return answer(found, "reflections", status=422, end_form=form)


@bp.post("/pairings/<int:pairing_id>/renew")
@login_required
def renew(pairing_id: int):
    found = load_for_change(pairing_id)
    form = RenewForm()
    if form.validate():
        try:
            seen = form.quarter.data or ""
            quarter = services.renew(found, current_user, form.tool.data, whole_number(seen))
        except services.FieldError as error:
            form.tool.errors = [error.message]
        else:
            flash(
                _(
                    "Quarter %(number)s begins: %(tool)s. "
                    "The three-session template is ready to edit.",
                    number=quarter.number,
                    tool=quarter.tool.name,
                ),
                "success",
            )
            return redirect_to(
                url_for("pairings.pairing", pairing_id=found.id) + "#quarter-current"
            )
    return answer(found, "reflections", status=422, renew_form=form)


@bp.post("/pairings/<int:pairing_id>/messages")
@posting_limited("RATELIMIT_MESSAGES")
@login_required
def message(pairing_id: int):
    found = load_for_change(pairing_id)
    form = MessageForm()
    if form.validate():
        try:
            posted = services.post_message(found, current_user, form.body.data)
        except services.FieldError as error:
            form.body.errors = [error.message]
        else:
            return answer(
                found, "messages", _("Your message is sent."), focus_message=posted.message.id
            )
    return answer(found, "messages", status=422, message_form=form)


@bp.post("/pairings/<int:pairing_id>/sharing")
@login_required
def sharing(pairing_id: int):
    found = load(pairing_id)
    form = SharingForm()
    if not form.validate():
        abort(400)
    services.set_sharing(found, current_user, bool(form.shares.data))
    if form.shares.data:
        message = _("You agreed to show this pairing on the taught-upward page.")
    else:
        message = _("This pairing is no longer shown on the taught-upward page.")
    return answer(found, "sharing", message)
