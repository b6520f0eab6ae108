"""Security headers on every response, and the production-only hardening.

Flask sends none of these by default; SECURITY.md "Headers" lists what we promise.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

from portal.web.errors import NulByte

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

HSTS = "max-age=31536000; includeSubDomains"


def add_vary(headers, token: str, present: set[str] | None = None) -> None:
    """Add `token` to the Vary header (without parsing it into werkzeug's HeaderSet:
    this is on every response's path)."""
    if present is not None and "vary" not in present:
        headers["Vary"] = token
        return
    current = headers.get("Vary")
    if not current:
        headers["Vary"] = token
    elif token.lower() not in (part.strip().lower() for part in current.split(",")):
        headers["Vary"] = f"{current}, {token}"


def register_security(app: Flask, *, production: bool) -> None:
    """Cookie flags, proxy handling and the headers added to every response."""
    secure = app.config.get("SECURE_COOKIES", production)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
    )
    if production and not secure:
        logging.getLogger("portal").warning(
            "ALLOW_HTTP: SITE_URL is http://, so sign-in cookies are NOT secure. "
            "Use this for a trial on a private network only."
        )
    if secure:
        # __Host- cookies are only sent over HTTPS, to this exact host, for every path.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None

    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=0
        )

    site = urlsplit(app.config["SITE_URL"])
    site_origin = f"{site.scheme}://{site.netloc}"

    @app.before_request
    def refuse_nul_bytes() -> None:
        # Most requests are GETs with no NUL anywhere: decide from the raw strings
        # without parsing the query (a NUL in it is sent as %00).
        if request.method != "POST" and "\x00" not in request.path:
            query = request.environ.get("QUERY_STRING", "")
            if "%00" not in query and "\x00" not in query:
                return
        pairs = list(request.args.items(multi=True))
        if request.method == "POST":
            pairs += request.form.items(multi=True)
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in pairs):
            raise NulByte()

    @app.before_request
    def refuse_cross_site_posts() -> None:
        # Browsers name the page a POST came from; CSRF tokens already stop forgeries,
        # and this refuses a cross-site Origin before any work is done.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        origin = request.headers.get("Origin")
        if origin is None:
            return
        if origin not in (site_origin, request.host_url.rstrip("/")):
            abort(400, "Cross-site request refused.")

    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        # same-origin (not no-referrer): Flask-WTF's strict Referer check needs it on HTTPS.
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        *([("Strict-Transport-Security", HSTS)] if secure else []),
        # Pages that may be shared by caches say so themselves (see web/caching.py);
        # anything else may carry personal data.
        ("Cache-Control", "no-store"),
    ]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # Each default unless the response set its own (one pass over the headers: this
        # runs on every response, the cheapest ones included).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (Headers)
        headers.extend([(k, v) for k, v in defaults if k.lower() not in present])
        # One URL can answer with a page or an htmx fragment: caches must keep them apart.
        add_vary(headers, "HX-Request", present)
        return response
