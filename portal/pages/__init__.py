"""Home, the About and Guidelines pages, discovery files and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template

from portal.board.queries import Filters, board
from portal.essays import snapshot, today
from portal.essays.loader import Library
from portal.extensions import db
from portal.mail.status import queue_health
from portal.web.caching import etag_for, serve_page
from portal.web.database import database_answers

bp = Blueprint("pages", __name__)

HOME_ESSAYS = 3
HOME_REQUESTS = 4


def pages_library() -> Library:
    lib = current_app.extensions.get("portal.pages")
    if lib is None:
        lib = Library(
            current_app.config["PAGES_DIR"],
            default_author=current_app.config["SITE_NAME"],
            min_interval=current_app.config["ESSAYS_CHECK_INTERVAL"],
            require_date=False,
        )
        current_app.extensions["portal.pages"] = lib
    return lib


@bp.get("/")
def home():
    """The newest essays and a few open requests: live data, so rendered each time
    (a proxy may still share it for half a minute)."""
    essays = snapshot().published(today())[:HOME_ESSAYS]
    return serve_page(
        None,
        ("home",),
        lambda: render_template(
            "pages/home.html",
            essays=essays,
            requests=board(Filters(), per_page=HOME_REQUESTS).requests,
        ),
        max_age=30,
    )


@bp.get("/<any(about, guidelines, privacy):name>")
def page(name: str):
    snap = pages_library().current()
    found = snap.essays.get(name)
    if found is None:
        abort(404)
    return serve_page(
        snap.cache,
        ("page", name),
        lambda: render_template("pages/page.html", page=found),
        etag=etag_for(snap.version, name),
        last_modified=found.modified,
        max_age=300,
    )


ROBOTS = "User-agent: *\nDisallow: /account\nDisallow: /admin/\nDisallow: /healthz\n"


@bp.get("/robots.txt")
def robots():
    body = ROBOTS + f"Sitemap: {current_app.config['SITE_URL']}/sitemap.xml\n"
    response = current_app.response_class(body, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/sitemap.xml")
def sitemap():
    snap = snapshot()
    essays = snap.published(today())
    tags = sorted({t for e in essays for t in e.tags})
    authors = sorted({e.author_slug for e in essays if e.author_slug})
    response = serve_page(
        None,  # small, and built from both folders: rendered each time
        ("sitemap",),
        lambda: render_template(
            "sitemap.xml",
            essays=essays,
            tags=tags,
            authors=authors,
            pages=list(pages_library().current().essays.values()),
        ),
        max_age=3600,
    )
    response.mimetype = "application/xml"
    return response


@bp.get("/healthz")
def healthz():
    if not database_answers():
        return {"status": "unavailable", "database": "unreachable"}, 503
    try:
        health = {"status": "ok", "database": "ok", "mail": queue_health()}
    finally:
        db.session.close()
    if current_app.config.get("REDIS_URL"):
        # Shared rate limits: without Redis each worker counts alone (degraded, not down).
        health["redis"] = "ok" if redis_answers(current_app.config["REDIS_URL"]) else "unreachable"
    return health, 200


@bp.get("/readyz")
def readyz():
    """Readiness, for a load balancer or an orchestrator: 200 when this host can serve
    (the database answers, and Redis, if configured, so rate limits are shared), 503
    otherwise, with what was found. The mail queue's age is reported, never a reason to
    take a web host out: the worker, not this host, sends mail."""
    found = {"database": "ok" if database_answers() else "unreachable"}
    if found["database"] == "ok":
        try:
            found["mail"] = queue_health()
        finally:
            db.session.close()
    if current_app.config.get("REDIS_URL"):
        found["redis"] = "ok" if redis_answers(current_app.config["REDIS_URL"]) else "unreachable"
    ready = all(found[name] == "ok" for name in ("database", "redis") if name in found)
    response = jsonify({"status": "ready" if ready else "not ready", **found})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(
            redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        )
    except redis.RedisError:
        return False
