"""Joining, the welcome page, confirming an email, and public profiles."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.essays import snapshot, today
from portal.extensions import limiter
from portal.members import bp, services
from portal.members.forms import ConfirmForm, EmailOnlyForm, JoinForm, parse_tags
from portal.members.models import Member
from portal.members.sections import profile_sections
from portal.members.security import config_limit, sign_in_here, user_agent
from portal.members.tokens import TokenError
from portal.moderation import can_see
from portal.web.htmx import redirect_to, render
from portal.web.i18n import language


def _essay_slug(value: str | None) -> str | None:
    """The essay that brought the reader, if it is a published one (else ignored)."""
    if value and snapshot().find(value, today()):
        return value
    return None


@bp.route("/join", methods=["GET", "POST"])
# An office behind one address: its typos must not use up its joins (issue 11, item 7).
@limiter.limit(
    lambda: config_limit("RATELIMIT_JOIN"),
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 303,
)
@limiter.limit(lambda: config_limit("RATELIMIT_JOIN_ATTEMPTS"), methods=["POST"])
def join():
    if current_user.is_authenticated:
        return redirect(url_for("members.account"), 303)
    form = JoinForm()
    if request.method == "GET":
        form.from_essay.data = _essay_slug(request.args.get("from"))
        return render("members/join.html", "members/_join_form.html", form=form)

    if form.website.data:  # the honeypot: answer as if all went well, keep nothing
        session["welcome"] = {"role": form.role.data or "senior", "email": form.email.data}
        return _to_welcome()
    if not form.validate():
        return render("members/join.html", "members/_join_form.html", 422, form=form)
    try:
        services.join(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            role=form.role.data,
            can_teach=parse_tags(form.can_teach.data),
            wants_to_learn=parse_tags(form.wants_to_learn.data),
            organisation=form.organisation.data or "",
            city=form.city.data or "",
            language=form.language.data,
            meeting_mode=form.meeting_mode.data,
            timezone=form.timezone.data,
            locale=language(),  # the interface they joined in: their pages and mails
            joined_from=_essay_slug(form.from_essay.data),
            browser=_browser_mark(),
        )
    except services.FieldError as error:
        getattr(form, error.field).errors = [error.message]
        return render("members/join.html", "members/_join_form.html", 422, form=form)

    # A new member's confirmation, or a note to the address's owner, is queued with it.
    session["welcome"] = {"role": form.role.data, "email": form.email.data.strip()}
    return _to_welcome()


def _browser_mark() -> str:
    """A random mark kept in this browser's session (whether or not the address was
    new, so the cookie tells nothing): the confirmation link signs in where it matches."""
    session["join_browser"] = secrets.token_hex(8)
    return session["join_browser"]


def _to_welcome():
    return redirect_to(url_for("members.welcome"))


@bp.get("/join/welcome")
def welcome():
    details = session.get("welcome")
    if not details:
        return redirect(url_for("members.join"), 303)
    return render_template("members/welcome.html", role=details["role"], email=details["email"])


@bp.get("/join/check-email")
def check_email():
    """htmx asks on blur whether the email looks right (never whether it is registered)."""
    form = EmailOnlyForm(request.args, meta={"csrf": False})
    form.validate()
    return render_template("members/_email_field.html", form=form)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link from the email opens this page; its button (a POST) confirms.
    Mail scanners that open links therefore can't spend it."""
    if request.method == "GET":
        # Say at once if the button would not work (it used to say so only after it).
        try:
            services.check_verify_link(token)
        except services.AlreadyConfirmed:
            return render_template("members/already_confirmed.html")
        except TokenError as error:
            return render_template("members/link_problem.html", message=str(error)), 400
        return render_template(
            "members/confirm.html",
            form=ConfirmForm(),  # built only here: a dead link's page sets no cookie
            title=_("Confirm your email address"),
            intro=_("One click and your email is confirmed."),
            button=_("Confirm my email"),
        )
    signed_in_as = current_user.id if current_user.is_authenticated else None
    try:
        member, session_token = services.confirm_email(
            token,
            user_agent=user_agent(),
            signed_in_as=signed_in_as,
            browser=session.get("join_browser"),
        )
    except services.AlreadyConfirmed:
        return render_template("members/already_confirmed.html")
    except TokenError as error:
        return render_template("members/link_problem.html", message=str(error)), 400
    if session_token:
        sign_in_here(member, session_token)
    elif signed_in_as != member.id:
        # Confirmed; but an old link opened elsewhere signs nobody in.
        flash(_("Your email address is confirmed. Sign in to continue."), "success")
        return redirect_to(url_for("members.login"))
    flash(_("Your email address is confirmed. Welcome to the club!"), "success")
    return redirect_to(url_for("members.account"))


def member_or_404(handle: str) -> Member:
    """A current member by handle; a deleted or unknown one is not found, nor one whose
    profile the moderators hid (but for that member and the moderators)."""
    member = services.find_by_handle(handle) or abort(404)
    if not can_see(member, member.id, current_user):
        abort(404)
    return member


@bp.get("/members/<handle>")
def profile(handle: str):
    """The public profile, with what other features add (open requests, the record)."""
    member = member_or_404(handle)
    return render_template(
        "members/profile.html",
        member=member,
        sections=profile_sections(member, current_user),
    )
