"""HTTP caching for pages that are the same for every anonymous reader."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import Response, current_app, make_response, request
from werkzeug.http import http_date

from portal.web.i18n import choose as interface_language


def viewer_is_anonymous() -> bool:
    """True when nobody is signed in (membership plugs Flask-Login in here)."""
    if not hasattr(current_app, "login_manager"):
        return True
    from flask_login import current_user

    return not current_user.is_authenticated


def etag_for(*parts: object) -> str:
    """A short validator from whatever a page is built from (or from its body)."""
    seed = parts[0] if len(parts) == 1 and isinstance(parts[0], bytes) else repr(parts).encode()
    return hashlib.sha1(seed, usedforsecurity=False).hexdigest()[:20]


@cache
def build_id() -> str:
    """Identifies this deploy's templates, static files and translations (computed
    once): a deploy that changes only the Hindi catalogue changes every ETag too."""
    digest = hashlib.sha1(usedforsecurity=False)
    root = Path(__file__).resolve().parent.parent
    for folder in ("templates", "static", "translations"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


class BoundedCache(OrderedDict):
    """A small least-recently-used dict: rendered pages for keys that can't be
    enumerated in advance (filters, page numbers) without growing for ever."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key, default=None):
        try:  # no check-then-act: another thread may evict the key in between
            value = self[key]
            self.move_to_end(key)
        except KeyError:
            return default
        return value

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


def shares_pages() -> bool:
    """True when this request may get the page every anonymous reader gets: a plain
    GET (not htmx) from a browser with no session or remember-me cookie. Anonymous
    pages set no cookie (tests/test_no_anonymous_cookie.py), so a reader keeps this."""
    environ = request.environ
    if request.method not in ("GET", "HEAD") or environ.get("HTTP_HX_REQUEST") == "true":
        return False
    if not environ.get("HTTP_COOKIE"):
        return True
    config = current_app.config
    signed_in_cookies = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME"))
    return not any(name in request.cookies for name in signed_in_cookies)


def _shareable(response: Response, *, etag, last_modified, max_age) -> Response:
    """Let browsers and the reverse proxy keep the page briefly; answer conditional
    GETs with 304. Signed-in pages keep the default `no-store`. The headers are set
    as plain strings (werkzeug's cache_control, vary and set_etag parse and rebuild
    them: a quarter of a cached page's time)."""
    headers = response.headers
    headers["Cache-Control"] = f"public, max-age={max_age}"
    # A proxy must not give this to a browser that carries a session, nor a page in
    # one language to a reader of the other (the `lang` cookie or Accept-Language).
    headers["Vary"] = "Cookie, Accept-Language"
    if etag:
        # A deploy that changes templates or assets changes every ETag; so does the
        # interface's language.
        headers["ETag"] = f'"{build_id()}-{interface_language()}-{etag}"'
    if last_modified:
        headers["Last-Modified"] = http_date(last_modified)
    environ = request.environ
    if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return response.make_conditional(request)
    return response  # no validator was sent: nothing to compare


def serve_page(
    cache: dict | None,
    key: tuple,
    render,
    *,
    etag: str | None = None,
    last_modified: datetime | None = None,
    max_age: int = 60,
) -> Response:
    """Serve a page that is the same for every anonymous reader.

    The rendered HTML is kept in `cache` (owned by whatever the page is built from,
    so it is dropped when that changes) and answered with ETag/Last-Modified. With
    no cache (a page that shows live data), it is rendered every time and, unless
    given, the ETag is the body's hash: still shareable by a proxy for `max_age` s.
    Signed-in members, htmx requests and visitors with a session get a fresh render.
    """
    if not shares_pages():
        return make_response(render())
    if cache is None:
        body = render().encode()
        etag = etag or etag_for(body)
    else:
        key = (interface_language(), key)  # a page per language
        body = cache.get(key)
        if body is None:
            body = cache[key] = render().encode()
    response = current_app.response_class(body, mimetype="text/html")
    # No session or remember-me cookie: nobody is signed in, no need to ask Flask-Login.
    return _shareable(response, etag=etag, last_modified=last_modified, max_age=max_age)
