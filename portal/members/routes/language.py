"""The language switch (web/i18n.py): a reader's choice is a cookie, a member's is
their setting. Both work without JavaScript: a link for readers (a GET, so a cached
page can carry it: no form, no CSRF token, no session), a small form for members."""

from __future__ import annotations

from flask import abort, current_app, redirect, request
from flask_login import current_user, login_required

from portal.members import bp, services
from portal.web.i18n import COOKIE, COOKIE_MAX_AGE, LOCALES
from portal.web.urls import safe_next


def _back(lang: str):
    """Back where the switch was, with the `lang` cookie: the one cookie an anonymous
    reader may get, because they asked for it (tests/test_no_anonymous_cookie.py)."""
    if lang not in LOCALES:
        abort(404)
    response = redirect(safe_next(request.values.get("next")), 303)
    response.set_cookie(
        COOKIE,
        lang,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get("/language/<lang>")
def switch_language(lang: str):
    return _back(lang)


@bp.post("/language/<lang>")
@login_required
def save_language(lang: str):
    response = _back(lang)
    services.set_locale(current_user, lang)
    return response
