"""The interface's language: English or Hindi (Flask-Babel; portal/translations/).

Which one a request gets, in order:
1. a signed-in member's own setting (`Member.locale`, on the account page);
2. the reader's explicit choice: the language switch in the footer sets the `lang`
   cookie (a link: it works without JavaScript, and it is the one cookie an anonymous
   reader is given, because they asked for it);
3. the browser's `Accept-Language`, its best match among the two;
4. English.

Anonymous pages are cached (per worker, and by nginx for 2 s), so every cache key and
ETag of such a page carries the language (web/caching.py), each response says
`Vary: Cookie, Accept-Language`, and nginx keys its micro-cache the same way
(deploy/nginx/portal-http.conf, `$portal_lang`). The choice is cheap: two dict
lookups for a reader without cookies whose browser sends a header seen before.

Dates and numbers follow the language's Indian locale: en_IN and hi_IN (Indian digit
grouping, Hindi month names). Mails go out in their recipient's language (`in_language`).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    refresh,
)
from flask_babel import get_locale as babel_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from portal.config import PROJECT_ROOT

# The interface's languages: the short code (cookie, member setting, <html lang>) and
# the locale that formats its dates and numbers.
LOCALES = {"en": "en_IN", "hi": "hi_IN"}
DEFAULT = "en"
NAMES = {"en": "English", "hi": "हिन्दी"}  # each in its own language, for the switch
HTML_LANG = {"en": "en-IN", "hi": "hi"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Date patterns (CLDR): the same shapes in both languages, month names localised.
DATE_FORMATS = {
    "day": "d MMMM y",  # 18 August 2026 / 18 अगस्त 2026
    "short": "d MMM y",  # 18 Aug 2026
    "day_month": "d MMMM",  # 18 August
    "month": "MMMM y",  # August 2026
    "moment": "d MMM y, HH:mm",  # 18 Aug 2026, 14:05
    "day_time": "d MMM, HH:mm",  # 18 Aug, 14:05
    "day_month_time": "d MMMM, HH:mm",
    "time": "HH:mm",
}


def code(value: str | None) -> str:
    """'en' or 'hi' from whatever was stored or sent ('hi_IN', 'HI', None...)."""
    short = (value or "").replace("-", "_").split("_")[0].lower()
    return short if short in LOCALES else DEFAULT


@lru_cache(maxsize=512)
def from_accept_language(header: str) -> str:
    """The browser's best match among the two (cached: few distinct headers exist)."""
    best = parse_accept_header(header, LanguageAccept).best_match(tuple(LOCALES))
    return code(best)


def _signed_in_member():
    """The signed-in member, if the request carries a session at all (a reader without
    one never gets as far as Flask-Login)."""
    config = current_app.config
    names = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME"))
    if not any(name in request.cookies for name in names):
        return None
    if not hasattr(current_app, "login_manager"):
        return None
    return current_user if current_user.is_authenticated else None


def choose() -> str:
    """'en' or 'hi' for this request (kept for the request in `g`)."""
    found = g.get("interface_language")
    if found is not None:
        return found
    found = DEFAULT
    if has_request_context():
        environ = request.environ
        if environ.get("HTTP_COOKIE"):
            try:
                member = _signed_in_member()
            except Exception:  # noqa: BLE001 - the database is down: the error page still speaks
                member = None
            if member is not None:
                found = code(getattr(member, "locale", None))
            elif request.cookies.get(COOKIE) in LOCALES:
                found = request.cookies[COOKIE]
            else:
                found = from_accept_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        else:
            found = from_accept_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        g.interface_language = found
    return found


def language() -> str:
    """The language now in force: a mail being written (`in_language`) or the request's."""
    current = babel_locale()  # forced by in_language, or chosen by choose()
    return code(str(current)) if current is not None else DEFAULT


def _select_locale() -> str:
    return LOCALES[choose()]


@contextmanager
def in_language(value: str | None):
    """Write something (a mail) in a member's language, whatever the request's is."""
    with force_locale(LOCALES[code(value)]):
        yield


def refresh_language() -> None:
    """Forget this request's choice (after a member changes their setting)."""
    g.pop("interface_language", None)
    refresh()


# --- dates and numbers ------------------------------------------------------------------


def format_day(value: date | datetime | None, form: str = "day") -> str:
    """A date (or a local moment's date) in the interface's language."""
    if value is None:
        return ""
    pattern = DATE_FORMATS[form]
    if isinstance(value, datetime):
        return format_datetime(value, pattern, rebase=False)
    return format_date(value, pattern, rebase=False)


def format_number(value) -> str:
    """12,345 / 1,23,456 (Indian grouping in both languages)."""
    return format_decimal(value)


def _template_globals() -> dict:
    lang = language()
    return {"interface_language": lang, "html_lang": HTML_LANG[lang], "language_names": NAMES}


def register_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[DEFAULT])
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "portal" / "translations")
    )
    Babel(app, locale_selector=_select_locale)
    # {% trans %} blocks written over several lines are one message with single spaces
    # (babel.cfg extracts them the same way).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["number"] = format_number
    app.context_processor(_template_globals)
