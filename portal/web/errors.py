"""Friendly error pages, a request id on every request, and plain messages for htmx.

A service's refusal (`NotAllowed`, `Conflict`) needs no handling in views: it answers
403 or 409 here with its message, as a page or as an htmx fragment."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import time

from flask import Flask, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from portal.domain import Conflict, NotAllowed
from portal.extensions import db, limiter
from portal.web.htmx import is_htmx
from portal.web.i18n import HTML_LANG, language

log = logging.getLogger("portal")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

MESSAGES = {
    400: (_l("That request didn't make sense"), _l("Something in it was missing or malformed.")),
    403: (_l("That isn't yours to change"), _l("You don't have permission to do that.")),
    404: (_l("We couldn't find that page"), _l("The link may be old, or the page may have moved.")),
    405: (_l("That didn't work"), _l("This address doesn't accept that kind of request.")),
    409: (
        _l("That has already changed"),
        _l("Someone changed this before you did. Reload and try again."),
    ),
    413: (_l("That was too large"), _l("What you sent is bigger than we accept (2 MB at most).")),
    429: (
        _l("Please slow down"),
        _l("Too many attempts in a short time. Wait a little and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("It has been logged and we will look into it."),
    ),
}


class NulByte(BadRequest):
    """A NUL character in the address or a form: no page needs one, and PostgreSQL
    refuses to store it (it was a 500)."""


def _retry_after() -> int:
    """Seconds until the limit that was hit lets a request through again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(int(current.reset_at - time.time()) + 1, 1)


def _try_again(seconds: int) -> str:
    """How long to wait, in a whole sentence (one per case, for the translations)."""
    if seconds < 90:
        return _("Too many attempts in a short time. Try again in a minute.")
    if seconds < 55 * 60:
        return ngettext(
            "Too many attempts in a short time. Try again in %(num)d minute.",
            "Too many attempts in a short time. Try again in %(num)d minutes.",
            round(seconds / 60),
        )
    hours = round(seconds / 3600)
    if hours <= 1:
        return _("Too many attempts in a short time. Try again in an hour.")
    return ngettext(
        "Too many attempts in a short time. Try again in %(num)d hour.",
        "Too many attempts in a short time. Try again in %(num)d hours.",
        hours,
    )


def _request_id() -> str:
    given = request.environ.get("HTTP_X_REQUEST_ID", "")  # (headers.get raises inside)
    return given if _REQUEST_ID.match(given) else secrets.token_hex(8)


def register_errors(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        g.request_id = _request_id()

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    def render_error(code: int, title: str | None = None, detail: str | None = None):
        default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
        if request_ctx.url_adapter is None:
            # The Host header was refused (TRUSTED_HOSTS): no URLs can be built.
            return f"{title or default_title}.", code, {"Content-Type": "text/plain"}
        context = {
            "code": code,
            "title": title or default_title,
            "detail": detail or default_detail,
            "request_id": g.get("request_id"),
        }
        template = (
            "errors/_message.html" if request.headers.get("HX-Request") else "errors/page.html"
        )
        return render_template(template, **context), code

    def refusal(status: int, error: Exception):
        # A service refused: nothing it began is kept, and the member reads why.
        db.session.rollback()
        template = "errors/_refusal.html" if is_htmx() else "errors/refusal.html"
        return render_template(template, message=str(error), status=status), status

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        return refusal(403, error)

    @app.errorhandler(Conflict)
    def conflict(error: Conflict):
        return refusal(409, error)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        # Say how long: "wait a little" left an office locked out, guessing, for an hour.
        wait = _retry_after()
        body, code = render_error(429, detail=_try_again(wait))[:2]
        return body, code, {"Retry-After": str(wait)}

    @app.errorhandler(NulByte)
    def nul_byte(error: NulByte):
        return render_error(
            400,
            _("That has a character we can't keep"),
            _(
                "It contains a NUL character (\\0), which no text needs. Remove it and send it "
                "again; what you typed is still in the form if you go back."
            ),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _("Your form expired"),
            _(
                "For your safety, forms expire after a while. Reload the page and send it "
                "again; what you typed is still in the form if you go back."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code if error.code in MESSAGES else 500)

    def standalone(code: int, title: str, detail: str, headers: dict | None = None):
        # From the template alone: context processors read the signed-in member.
        page = current_app.jinja_env.get_template("errors/standalone.html").render(
            code=code,
            title=title,
            detail=detail,
            request_id=g.get("request_id"),
            html_lang=HTML_LANG[language()],
        )
        return page, code, headers or {}

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: Exception):
        # The database is down, or too busy to answer in time: say so kindly, with a
        # page that needs neither it nor Redis (the usual one reads the member).
        with contextlib.suppress(Exception):  # it is down: there may be nothing to undo
            db.session.rollback()
        log.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
        return standalone(
            503,
            _("We're busy for a moment"),
            _(
                "We couldn't reach our database just now. Please try again in half a minute; "
                "nothing you did is lost."
            ),
            {"Retry-After": "30"},
        )

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # Flask calls this for any unhandled exception (outside testing, where it propagates).
        original = error.original_exception
        if original is not None:
            log.error(
                "Unhandled error (request id %s) on %s %s",
                g.get("request_id"),
                request.method,
                request.path,
                exc_info=original,
            )
        try:
            return render_error(500)
        except Exception:  # noqa: BLE001 - the page itself failed (the database is down?)
            log.exception("The error page could not be rendered")
            return standalone(500, *MESSAGES[500])
