"""Template helpers every page uses."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_login import current_user
from werkzeug.urls import iri_to_uri

from portal.clock import local
from portal.web.caching import viewer_is_anonymous
from portal.web.markdown import plain_paragraphs


def absolute_url(endpoint: str, **values) -> str:
    """A public URL built from SITE_URL, never from the request's Host header; it works
    outside a request too (the worker writes mails with it)."""
    if has_request_context():
        return current_app.config["SITE_URL"] + url_for(endpoint, **values)
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["SITE_URL"] + path + (f"#{quote(anchor)}" if anchor else "")


def canonical_url() -> str:
    # Only a paginated view says which page it is (and keys its cache on it): on any
    # other page a ?page= is noise, and must not reach the canonical link of a page the
    # cache shares with every reader.
    page = g.get("page_number", 1)
    query = f"?page={page}" if page > 1 else ""
    # Percent-encoded, as url_for writes it (og:url, links): a Hindi tag's page is
    # /essays/tags/%E0%A4%B9..., whichever form the request used. ASCII is unchanged.
    return current_app.config["SITE_URL"] + iri_to_uri(request.path) + query


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
    app.jinja_env.filters["paragraphs"] = plain_paragraphs
    app.jinja_env.filters["local"] = _local
    # HTML as text to be escaped once more (Atom's type="html" content).
    app.jinja_env.filters["as_source"] = str


def _csrf_header() -> dict:
    # Signed-in pages carry the CSRF token for htmx requests; anonymous pages stay
    # cookie-free so that caches can share them (their forms carry the hidden field).
    return {"csrf_header": not viewer_is_anonymous()}


def _local(moment):
    """A stored UTC moment in the reader's time zone (a member's own; India's otherwise)."""
    return local(moment, current_user if current_user.is_authenticated else None)
