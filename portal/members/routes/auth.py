"""Signing in (password or emailed link), signing out, and resetting a password."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import limiter
from portal.members import bp, services
from portal.members.forms import ConfirmForm, EmailOnlyForm, NewPasswordForm, SignInForm
from portal.members.security import (
    config_limit,
    forget_browser,
    password_guesses_limited,
    safe_next,
    sign_in_here,
    user_agent,
)
from portal.members.tokens import TokenError
from portal.web.htmx import redirect_to, render


def _email_key() -> str:
    return "account:" + services.email_key(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: config_limit("RATELIMIT_SIGN_IN"), methods=["POST"])
@password_guesses_limited
def login():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect_to(form.next.data)
        return render("members/login.html", "members/_login_form.html", form=form)
    if form.validate():
        member = services.authenticate(form.email.data, form.password.data)
        if member:
            remember = form.remember.data
            try:
                token = services.start_session(member, remember=remember, user_agent=user_agent())
            except services.Suspended as refused:
                form.form_errors.append(str(refused))
            else:
                sign_in_here(member, token, remember=remember)
                return redirect_to(safe_next(form.next.data))
        else:
            form.form_errors.append(
                _(
                    "That email and password don't match an account. Check them, or sign in "
                    "with an emailed link instead."
                )
            )
    form.password.data = ""
    return render("members/login.html", "members/_login_form.html", 422, form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user.session_token)
    forget_browser()
    flash(_("You are signed out."), "info")
    return redirect_to(url_for("pages.home"))


def _email_request(kind: str, template: str):
    """The shared shape of "email me a link" forms: the same answer, in the same time,
    for every address (the mail itself goes out in the background)."""
    form = EmailOnlyForm()
    if request.method == "POST" and form.validate():
        services.send_link(kind, form.email.data)
        return render_template("members/sent.html", email=form.email.data, kind=kind)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form), status


@bp.route("/login/link", methods=["GET", "POST"])
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), methods=["POST"])
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), methods=["POST"], key_func=_email_key)
def sign_in_request():
    return _email_request("sign-in", "members/sign_in_request.html")


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def sign_in_link(token: str):
    if request.method == "GET":
        try:
            services.check_sign_in_link(token)
        except TokenError as error:
            return render_template("members/link_problem.html", message=str(error)), 400
        return render_template(
            "members/confirm.html",
            form=ConfirmForm(),  # built only here: a dead link's page sets no cookie
            title=_("Sign in"),
            intro=_(
                "Press the button to sign in on this device. The link works once, for 10 minutes."
            ),
            button=_("Sign me in"),
        )
    try:
        member, session_token = services.sign_in_with_link(token, user_agent=user_agent())
    except TokenError as error:
        return render_template("members/link_problem.html", message=str(error)), 400
    sign_in_here(member, session_token)
    flash(_("Welcome back, %(name)s.", name=member.name), "success")
    return redirect_to(url_for("pages.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), methods=["POST"])
@limiter.limit(lambda: config_limit("RATELIMIT_EMAIL_LINKS"), methods=["POST"], key_func=_email_key)
def reset_request():
    return _email_request("reset", "members/reset_request.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.member_for_reset(token)
    except TokenError as error:
        return render_template("members/link_problem.html", message=str(error)), 400
    form = NewPasswordForm()
    if request.method == "POST" and form.validate():
        try:
            services.reset_password(token, form.password.data)
        except TokenError as error:
            return render_template("members/link_problem.html", message=str(error)), 400
        except services.FieldError as error:
            form.password.errors = [error.message]
        else:
            forget_browser()
            flash(_("Your password is changed. Please sign in with it."), "success")
            return redirect_to(url_for("members.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("members/reset.html", form=form), status
