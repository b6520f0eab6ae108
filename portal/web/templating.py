"""Template helpers every page uses."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for


def absolute_url(endpoint: str, **values) -> str:
    """A public URL built from SITE_URL, never from the request's Host header."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def canonical_url() -> str:
    page = request.args.get("page", "")
    query = f"?page={page}" if page.isdigit() and int(page) > 1 else ""
    return current_app.config["SITE_URL"] + request.path + query


def csrf_field(form) -> str:
    """The form's hidden CSRF input, without an id: a page with several forms would
    otherwise repeat id="csrf_token". Empty where CSRF is off (most tests)."""
    field = getattr(form, "csrf_token", None)
    return field(id=False) if field is not None else ""


def register_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        absolute_url=absolute_url, canonical_url=canonical_url, csrf_field=csrf_field
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(_csrf_header)
    app.jinja_env.filters["paragraphs"] = _paragraphs
    app.jinja_env.filters["local"] = _local
    app.jinja_env.globals["unread_notifications"] = _unread_notifications
    # HTML as text to be escaped once more (Atom's type="html" content).
    app.jinja_env.filters["as_source"] = str


def _csrf_header() -> dict:
    # Signed-in pages carry the CSRF token for htmx requests; anonymous pages stay
    # cookie-free so that caches can share them (their forms carry the hidden field).
    from portal.web.caching import viewer_is_anonymous

    return {"csrf_header": not viewer_is_anonymous()}


def _paragraphs(text: str):
    from portal.board.markdown import plain_paragraphs

    return plain_paragraphs(text)


def _unread_notifications() -> int:
    from flask_login import current_user

    from portal.board.services import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def _local(moment):
    """A stored UTC moment in the reader's time zone (a member's own; India's otherwise)."""
    from datetime import UTC

    from flask_login import current_user

    from portal.members.models import time_zone

    if moment is None:
        return None
    zone = current_user.zone if current_user.is_authenticated else time_zone(None)
    return moment.replace(tzinfo=UTC).astimezone(zone)
