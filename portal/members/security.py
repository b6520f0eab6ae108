"""Flask-Login wired to server-side sessions, safe `next` URLs, and the checks views share."""

from __future__ import annotations

from functools import wraps

from flask import (
    Flask,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from portal.extensions import limiter
from portal.members import services
from portal.members.models import Member
from portal.web.htmx import is_htmx
from portal.web.urls import safe_next

login_manager = LoginManager()


def register_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "members.login"
    # Our own session rows do what "strong" protection would, and can be revoked.
    login_manager.session_protection = None
    app.config.setdefault("REMEMBER_COOKIE_DURATION", services.REMEMBER_FOR)
    app.config.setdefault("REMEMBER_COOKIE_NAME", "remember_token")
    if app.config.get("PRODUCTION") and app.config.get("REMEMBER_COOKIE_SECURE"):
        # __Host- needs Secure: on an ALLOW_HTTP trial a browser would refuse the cookie.
        app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember"
        app.config["REMEMBER_COOKIE_PATH"] = "/"


@login_manager.user_loader
def _load(token: str) -> Member | None:
    return services.load_session(token)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    # After signing in, come back here; a form that was being sent can't be replayed.
    # No flashed message: it would give a reader a session cookie (and every cached
    # page after it would pass them by); the sign-in page says why from `next`.
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    target = url_for("members.login", next=safe_next(back) if back else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    from flask import redirect

    return redirect(target, 303)


def forget_browser() -> None:
    """Sign this browser out: the session emptied, then Flask-Login told to delete
    the remember-me cookie (in that order, or the deletion is lost)."""
    session.clear()
    logout_user()


def sign_in_here(member: Member, session_token: str, *, remember: bool = False) -> None:
    """Make this browser the member's, with a fresh session: whoever was signed in
    here before is signed out for real (their session ended, remember-me deleted)."""
    if current_user.is_authenticated:
        services.end_session(current_user.session_token)
    forget_browser()
    member.session_token = session_token
    login_user(member, remember=remember)


def config_limit(name: str) -> str:
    """A rate limit from the settings (read per request, so tests can change it)."""
    return current_app.config[name]


def user_agent() -> str:
    return request.headers.get("User-Agent", "")[:200]


def verified_required(view):
    """Members must have confirmed their email to post or answer."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_verified:
            return (
                render_template(
                    "members/_need_verification.html"
                    if is_htmx()
                    else "members/need_verification.html"
                ),
                403,
            )
        return view(*args, **kwargs)

    return wrapped


def _guesses_key() -> str:
    """Whose password a guess is at: the signed-in member's (changing the password or
    the email, deleting the account) or the address typed to sign in."""
    if current_user.is_authenticated:
        return "account:" + current_user.email_key
    return "account:" + services.email_key(request.form.get("email", ""))


# One budget of wrong passwords per account, shared by every form that checks one (it
# was a budget each: four forms, four times the guesses).
password_guesses_limited = limiter.shared_limit(
    lambda: config_limit("RATELIMIT_SIGN_IN_ACCOUNT"),
    scope="password-guesses",
    key_func=_guesses_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 422,
)


def member_or_address() -> str:
    """Whose turn a limit counts: the signed-in member's, else the client address."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"ip:{request.remote_addr}"


def posting_limited(setting: str):
    """A per-member limit on something members post (requests, answers, messages):
    generous for a person, tight for a script. Only what was posted counts; a form sent
    back with a mistake does not. Answered with 429, saying how long to wait."""
    return limiter.limit(
        lambda: config_limit(setting),
        key_func=member_or_address,
        methods=["POST"],
        deduct_when=lambda response: response.status_code in (200, 303),
    )
