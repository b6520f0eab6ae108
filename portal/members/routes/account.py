"""The account page: profile, password, email, notices, export, deletion."""

from __future__ import annotations

import json

from flask import Response, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

import portal.mail as mail
from portal.extensions import limiter
from portal.members import blocks, bp, services
from portal.members.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    NotificationsForm,
    ProfileForm,
    parse_tags,
)
from portal.members.models import Role
from portal.members.security import (
    config_limit,
    forget_browser,
    password_guesses_limited,
    user_agent,
)
from portal.notifications.models import NOTICES
from portal.web.forms import ActionForm
from portal.web.htmx import redirect_to
from portal.web.i18n import refresh_language

PROFILE_FIELDS = (
    "name",
    "organisation",
    "city",
    "language",
    "meeting_mode",
    "timezone",
    "locale",
)


def _member_key() -> str:
    # Limits are checked before login_required runs: an anonymous caller counts by address.
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"ip:{request.remote_addr}"


# Wrong current passwords count like failed sign-ins: a stolen session cookie must
# not become a way to guess the password.


def _forms(**given) -> dict:
    member = current_user._get_current_object()
    # `data`, not `obj`: the tag boxes show text, not the lists the model holds.
    profile = ProfileForm(
        formdata=None,
        data={
            **{name: getattr(member, name) for name in PROFILE_FIELDS},
            "role": member.role.value,
            "can_teach": ", ".join(member.can_teach),
            "wants_to_learn": ", ".join(member.wants_to_learn),
        },
    )
    notices = NotificationsForm(formdata=None, data={k: member.wants_notice(k) for k in NOTICES})
    forms = {
        "profile": profile,
        "password": ChangePasswordForm(formdata=None),
        "email": ChangeEmailForm(formdata=None, prefix="email"),
        "notices": notices,
        "delete": DeleteAccountForm(formdata=None, prefix="delete"),
    }
    forms.update(given)
    return forms


def _page(status: int = 200, **given):
    return render_template(
        "members/account.html",
        confirmation=_confirmation(),
        blocked=blocks.blocks_of(current_user),
        action=ActionForm(formdata=None),
        **_forms(**given),
    ), status


def _confirmation() -> dict | None:
    """Where the latest confirmation link stands, for a member who has not confirmed:
    on its way, sent (and when), or not deliverable (so they can ask again)."""
    if current_user.is_verified:
        return None
    row = mail.latest(current_user.id, "verify", to=current_user.email)
    if row is None or row.status == "dropped":
        return None
    return {
        "status": row.status.value,
        "address": row.to_address,
        "asked": mail.ago(row.created_at),
        "sent": mail.ago(row.sent_at) if row.sent_at else None,
    }


@bp.get("/account")
@login_required
def account():
    return _page()


@bp.post("/account/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate():
        return _page(422, profile=form)
    services.update_profile(
        current_user,
        **{name: form[name].data or "" for name in PROFILE_FIELDS},
        role=Role(form.role.data),
        can_teach=parse_tags(form.can_teach.data),
        wants_to_learn=parse_tags(form.wants_to_learn.data),
    )
    refresh_language()  # the message, and the page after it, in the language just chosen
    flash(_("Your profile is saved."), "success")
    return redirect_to(url_for("members.account"))


@bp.post("/account/password")
@login_required
@password_guesses_limited
def change_password():
    form = ChangePasswordForm()
    if form.validate():
        try:
            services.check_password(current_user, form.current_password.data)
            token, remember = services.set_password(
                current_user,
                form.password.data,
                current_session=current_user.session_token,
                user_agent=user_agent(),
            )
        except services.FieldError as error:
            getattr(form, error.field).errors = [error.message]
        else:
            # The old session is gone with the others: this browser gets the new one,
            # and a fresh cookie session (remember-me renewed if it was set).
            member = current_user._get_current_object()
            forget_browser()
            member.session_token = token
            login_user(member, remember=remember)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect_to(url_for("members.account"))
    return _page(422, password=form)


@bp.post("/account/email")
@login_required
@password_guesses_limited
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), key_func=_member_key)
def change_email():
    form = ChangeEmailForm(prefix="email")
    if form.validate():
        try:
            services.check_password(current_user, form.current_password.data)
        except services.FieldError as error:
            form.current_password.errors = [error.message]
        else:
            new = form.email.data.strip()
            # Sent only if no other account has the address (the worker checks).
            services.send_verification(current_user, new)
            # The same words whether or not the address is taken.
            flash(
                _(
                    "We sent a confirmation link to %(email)s. It usually arrives within a "
                    "minute; your email changes when you open it.",
                    email=new,
                ),
                "success",
            )
            return redirect_to(url_for("members.account"))
    return _page(422, email=form)


@bp.post("/account/verify/resend")
@login_required
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), key_func=_member_key)
def resend_verification():
    if current_user.is_verified:
        flash(_("Your email address is already confirmed."), "info")
    else:
        services.send_verification(current_user)
        flash(
            _("A new confirmation link is on its way to %(email)s.", email=current_user.email),
            "success",
        )
    return redirect_to(url_for("members.account"))


@bp.post("/account/notifications")
@login_required
def update_notifications():
    form = NotificationsForm()
    if not form.validate():
        return _page(422, notices=form)
    services.set_notifications(current_user, {k: bool(form[k].data) for k in NOTICES})
    flash(_("Your email preferences are saved."), "success")
    return redirect_to(url_for("members.account"))


@bp.get("/account/export")
@login_required
def export():
    data = json.dumps(services.export(current_user), indent=2, ensure_ascii=False)
    return Response(
        data,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-bharath-club-data.json"'},
    )


@bp.post("/account/delete")
@login_required
@password_guesses_limited
def delete_account():
    form = DeleteAccountForm(prefix="delete")
    if form.validate():
        try:
            services.check_password(current_user, form.current_password.data)
        except services.FieldError as error:
            form.current_password.errors = [error.message]
        else:
            services.delete_account(current_user)  # the goodbye mail is queued with it
            forget_browser()
            flash(_("Your account is deleted. Thank you for the time you spent with us."), "info")
            return redirect_to(url_for("pages.home"))
    return _page(422, delete=form)
