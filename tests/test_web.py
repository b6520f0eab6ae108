"""What every response shares: security headers, limits, errors, health, assets."""

from __future__ import annotations

import logging

import pytest

from portal import ConfigError, create_app
from portal.web.security import CONTENT_SECURITY_POLICY

from .helpers import HTMX, PASSWORD, ROOT, make_app

PAGES = ["/", "/essays/", "/essays/teaching-upward", "/about", "/feed.xml", "/robots.txt", "/nope"]


@pytest.mark.parametrize("url", PAGES)
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "HX-Request" in headers["Vary"]


def test_csp_is_strict():
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"


def test_pages_carry_no_inline_script_or_style(client):
    page = client.get("/essays/teaching-upward").get_data(as_text=True)
    assert " style=" not in page and "<style" not in page
    # The only inline script is JSON-LD data, which browsers never execute.
    assert page.count("<script") == page.count("<script src=") + 1
    assert '<script type="application/ld+json">' in page


def test_htmx_is_configured_to_need_no_unsafe_csp(client):
    page = client.get("/requests/").get_data(as_text=True)  # a page that uses htmx
    assert '<meta name="htmx-config"' in page
    for setting in ("includeIndicatorStyles", "allowEval", "allowScriptTags"):
        assert f"&#34;{setting}&#34;:false" in page
    assert "&#34;historyCacheSize&#34;:0" in page


def test_htmx_is_served_from_node_modules_with_a_long_cache_lifetime(client):
    page = client.get("/requests/").get_data(as_text=True)
    src = page.split('<script src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/vendor/htmx/htmx.min.js?v=")
    with client.get(src) as response:
        assert response.status_code == 200
        assert b"htmx" in response.data[:2000]
        assert response.cache_control.max_age >= 365 * 24 * 3600
        assert response.cache_control.public


def test_own_css_is_versioned_and_cached_long(client):
    page = client.get("/").get_data(as_text=True)
    href = page.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/static/css/portal.css?v=")
    with client.get(href) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age >= 365 * 24 * 3600


def test_no_hsts_or_secure_cookies_in_development(client, app):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_sends_hsts_and_uses_secure_host_cookies(production_app):
    app = production_app()
    response = app.test_client().get("/", base_url="https://portal.test")
    hsts = response.headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_unknown_hosts(production_app):
    client = production_app().test_client()
    assert client.get("/", base_url="https://portal.test").status_code == 200
    refused = client.get("/", base_url="https://evil.example")
    assert refused.status_code == 400
    assert "Traceback" not in refused.get_data(as_text=True)


def test_production_without_secret_key_is_a_clear_startup_error(migrated, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"TESTING": False, "DEBUG": False, "SECRET_KEY": None, "SITE_URL": "https://x"})


def test_production_without_site_url_is_a_clear_startup_error(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    with pytest.raises(ConfigError, match="SITE_URL is not set"):
        create_app({"TESTING": False, "DEBUG": False, "SECRET_KEY": "k", "SITE_URL": None})


def test_a_malformed_site_url_is_refused():
    with pytest.raises(ConfigError, match="SITE_URL must look like"):
        create_app({"TESTING": True, "SITE_URL": "portal.test"})


def test_wsgi_reports_a_config_error_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG")}
    env["SITE_URL"] = "https://portal.test"
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Portal cannot start: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_come_from_the_environment(monkeypatch, migrated):
    monkeypatch.setenv("SITE_NAME", "Test Club")
    monkeypatch.setenv("PROXY_COUNT", "1")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/portal")
    app = create_app({"TESTING": True})
    assert app.config["SITE_NAME"] == "Test Club"
    assert app.config["PROXY_COUNT"] == 1
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/portal"


def test_a_bad_number_in_the_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="MAIL_PORT must be a whole number"):
        create_app({"TESTING": True})


def test_proxy_count_makes_the_client_address_the_forwarded_one(migrated):
    app = make_app(migrated, PROXY_COUNT=1)

    @app.get("/_ip")
    def ip():
        from flask import request

        return request.remote_addr

    client = app.test_client()
    response = client.get("/_ip", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.get_data(as_text=True) == "203.0.113.7"
    direct = make_app(migrated).test_client()
    # Without PROXY_COUNT a forged header is ignored.
    direct.application.add_url_rule("/_ip", view_func=ip)
    assert direct.get("/_ip", headers={"X-Forwarded-For": "203.0.113.7"}).text == "127.0.0.1"


def test_request_body_over_2_mb_is_refused_with_413(app):
    @app.post("/_form")
    def form():
        from flask import request

        return str(len(request.form))

    client = app.test_client()
    assert client.post("/_form", data={"a": "x" * 1000}).status_code == 200
    response = client.post("/_form", data={"a": "x" * (2 * 1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We couldn" in page and '<main id="main"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_friendly_500_page_logs_the_error_with_a_request_id(production_app, caplog):
    app = production_app()

    @app.get("/_boom")
    def boom():
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR, logger="portal"):
        response = app.test_client().get("/_boom", base_url="https://portal.test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert "Something went wrong on our side" in page and request_id in page
    assert "kaboom" not in page and "Traceback" not in page
    assert f"request id {request_id}" in caplog.text and "kaboom" in caplog.text


def test_htmx_requests_get_an_error_fragment_not_a_page(client):
    response = client.get("/nope", headers=HTMX)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="notice notice-error" role="alert">')
    assert "<html" not in body


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "mail": {"oldest_waiting_minutes": 0, "late": False},
    }


def test_healthz_answers_503_when_the_database_does_not(migrated):
    app = make_app(migrated, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_method_not_allowed_is_friendly(client):
    response = client.post("/about")
    assert response.status_code in (400, 405)  # CSRF is off here: 405
    assert "<html" in response.get_data(as_text=True)


def test_csrf_protects_posts_in_production(production_app):
    app = production_app()

    @app.post("/_change")
    def change():
        return "changed"

    response = app.test_client().post("/_change", base_url="https://portal.test")
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_a_cross_site_origin_is_refused_on_posts(production_app):
    app = production_app(WTF_CSRF_ENABLED=False)

    @app.post("/_change")
    def change():
        return "changed"

    client = app.test_client()
    base = "https://portal.test"
    assert client.post("/_change", base_url=base).status_code == 200
    assert client.post("/_change", base_url=base, headers={"Origin": base}).status_code == 200
    for origin in ("https://evil.example", "null", "http://portal.test"):
        response = client.post("/_change", base_url=base, headers={"Origin": origin})
        assert response.status_code == 400, origin
    # Reading is never refused.
    assert (
        client.get("/", base_url=base, headers={"Origin": "https://evil.example"}).status_code
        == 200
    )


def test_production_refuses_an_http_site_url_unless_allowed(caplog):
    """Issue 11, item 13: over http:// the Secure, __Host- cookies never came back, and
    every form said "Your form expired"."""
    production = {"TESTING": False, "DEBUG": False, "SECRET_KEY": "k"}
    with pytest.raises(ConfigError, match="must be https://"):
        create_app({**production, "SITE_URL": "http://192.168.1.20:8000"})
    trial = create_app({**production, "SITE_URL": "http://192.168.1.20:8000", "ALLOW_HTTP": True})
    assert trial.config["SESSION_COOKIE_SECURE"] is False
    assert trial.config["SESSION_COOKIE_NAME"] == "session"
    # A __Host- cookie without Secure is refused by browsers: "keep me signed in" too.
    assert not trial.config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert "cookies are NOT secure" in caplog.text
    secure = create_app({**production, "SITE_URL": "https://bharath.club"})
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    assert secure.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert secure.config["REMEMBER_COOKIE_NAME"] == "__Host-remember"


def test_a_database_outage_answers_a_friendly_503_signed_in_or_not(app, client, tmp_path):
    """Issue 11, item 15: with the database down a signed-in member got Werkzeug's bare
    "Internal Server Error"; the error page itself needed the database."""
    from .factories import make_member
    from .helpers import make_app, sign_in

    make_member(app)
    sign_in(client, "asha@example.com")
    down = make_app(f"sqlite:///{tmp_path}/no/such/folder/portal.sqlite3")
    member = down.test_client()
    member.set_cookie("session", client.get_cookie("session").value)  # signed in
    answers = [
        down.test_client().get("/requests/"),  # signed out
        member.get("/account"),
        member.get("/"),
    ]
    for response in answers:
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "busy for a moment" in page
        assert "nothing you did is lost" in page
        assert response.headers["Retry-After"] == "30"
    assert down.test_client().get("/healthz").status_code == 503


def test_redis_down_leaves_sign_in_working_and_the_health_check_says_so(migrated, app):
    """Issue 11, item 16: with Redis down every join and sign-in was a 500."""
    import time

    from .factories import make_member
    from .helpers import free_port, make_app

    make_member(app)
    down = make_app(
        migrated, RATELIMIT_ENABLED=True, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    client = down.test_client()
    start = time.monotonic()
    wrong = client.post("/login", data={"email": "asha@example.com", "password": "not it at all"})
    right = client.post("/login", data={"email": "asha@example.com", "password": PASSWORD})
    assert (wrong.status_code, right.status_code) == (422, 303)
    assert time.monotonic() - start < 5  # short timeouts, not a hang per request
    health = client.get("/healthz")
    assert health.status_code == 200  # degraded (each worker counts alone), not down
    assert health.get_json()["redis"] == "unreachable"


def test_the_health_check_reports_a_redis_that_answers(migrated, app):
    import os

    from .helpers import make_app

    up = make_app(migrated, REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    assert up.test_client().get("/healthz").get_json()["redis"] == "ok"


def test_no_database_wait_outlasts_a_person(app):
    """Issue 11, item 14: a 40 s row lock hung posts until gunicorn killed the worker.
    PostgreSQL gives up on a lock after 5 s and on a statement after 15 s (the page then
    says "busy", 503); SQLite waits its busy timeout of 5 s for the write lock."""
    import sqlalchemy as sa

    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(sa.text("SHOW lock_timeout")).scalar() == "5s"
            assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "15s"
        else:
            assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
        db.session.rollback()


def test_a_write_held_up_by_a_lock_answers_busy_not_a_hang(migrated, app, client, tmp_path):
    """Another connection holds the board's row (PostgreSQL) or the write lock (SQLite)
    for longer than the wait allows: the post answers the friendly 503, and nothing of
    it is written."""
    import sqlalchemy as sa

    from portal.board.models import BoardState, PairingRequest
    from portal.extensions import db

    from .factories import new_member
    from .helpers import form_data, sign_in

    email, _ = new_member(app, "senior", season=True)
    sign_in(client, email)
    data = form_data(title="Teach me pivot tables")
    with app.app_context():
        holder = db.engine.connect()
        holder.begin()
        holder.execute(sa.update(BoardState).values(version=BoardState.version + 1))
        try:
            response = client.post("/requests/", data=data)
        finally:
            holder.rollback()
            holder.close()
        assert response.status_code == 503
        assert "busy for a moment" in response.get_data(as_text=True)
        titles = db.session.scalars(sa.select(PairingRequest.title)).all()
        assert "Teach me pivot tables" not in titles
        db.session.rollback()


def test_redis_down_is_logged_loudly_in_production(migrated, app):
    """Issue 11, item 16: "log it loudly". Flask-Limiter gives its logger a NullHandler,
    so its switch to per-worker counting went nowhere in production; the portal's log
    handler now carries it to stderr (here: an app in production mode, in its own process)."""
    import subprocess
    import sys

    from .factories import make_member
    from .helpers import ROOT, free_port

    make_member(app)
    script = f"""
from portal import create_app
app = create_app({{
    "SECRET_KEY": "a-production-secret-of-some-length-0123456789",
    "DATABASE_URL": {migrated!r},
    "SITE_URL": "https://portal.test",
    "REDIS_URL": "redis://127.0.0.1:{free_port()}/0",
    "RATELIMIT_ENABLED": True,
    "WTF_CSRF_ENABLED": False,
}})
client = app.test_client()
answer = client.post(
    "/login", data={{"email": "asha@example.com", "password": "wrong guess"}},
    base_url="https://portal.test",
)
print("status", answer.status_code)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "status 422" in done.stdout, done.stderr[-2000:]
    [line] = [x for x in done.stderr.splitlines() if "flask-limiter" in x]
    assert "WARNING" in line and "falling back to in-memory storage" in line


def test_reading_an_essay_never_waits_for_a_write_lock(migrated, app, client):
    """Issue 11, item 14: a writer holding SQLite's lock for 10 s stalled essays and
    /healthz too. With another connection holding the write lock (SQLite) or the board's
    row (PostgreSQL) beyond the wait a write is allowed, essays (signed out and signed in),
    the essay index and the health check still answer 200, not the 503 a wait would end in."""
    import sqlalchemy as sa

    from portal.board.models import BoardState
    from portal.extensions import db

    from .factories import make_member
    from .helpers import sign_in

    make_member(app)
    member = app.test_client()
    sign_in(member, "asha@example.com")
    slug = client.get("/essays/").get_data(as_text=True).split('href="/essays/', 2)[1]
    essay = "/essays/" + slug.split('"', 1)[0]
    with app.app_context():
        holder = db.engine.connect()
        holder.begin()
        holder.execute(sa.update(BoardState).values(version=BoardState.version + 1))
        try:
            if db.engine.dialect.name == "sqlite":  # the lock is really held
                import sqlite3

                other = sqlite3.connect(db.engine.url.database, timeout=0)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                other.close()
            answers = {
                "signed out": client.get(essay),
                "signed in": member.get(essay),
                "index": member.get("/essays/"),
                "health": client.get("/healthz"),
            }
        finally:
            holder.rollback()
            holder.close()
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)


def test_readyz_says_ready_with_what_it_found(app, client):
    """Issue 13: readiness for a load balancer, JSON detail, never cached."""
    response = client.get("/readyz")
    assert response.status_code == 200
    found = response.get_json()
    assert found["status"] == "ready" and found["database"] == "ok"
    assert set(found["mail"]) == {"oldest_waiting_minutes", "late"}
    assert "redis" not in found  # none configured
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_without_the_database_or_a_configured_redis(migrated, tmp_path):
    from .helpers import free_port, make_app

    down = make_app(f"sqlite:///{tmp_path}/no/such/folder/portal.sqlite3")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready", "database": "unreachable"}
    no_redis = make_app(migrated, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    response = no_redis.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"
    assert response.get_json()["database"] == "ok"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_every_log_line_carries_its_request_id(migrated, app, log_format):
    """Issue 13: a request id in every log line (the one the response sends back), as
    JSON lines in production unless LOG_FORMAT=text; an app in its own process."""
    import json
    import subprocess
    import sys

    from .factories import make_member
    from .helpers import ROOT

    make_member(app)
    script = f"""
from portal import create_app
app = create_app({{
    "SECRET_KEY": "a-production-secret-of-some-length-0123456789",
    "DATABASE_URL": {migrated!r},
    "SITE_URL": "https://portal.test",
    "WTF_CSRF_ENABLED": False,
    "LOG_FORMAT": {log_format!r},
}})
answer = app.test_client().post(
    "/login", data={{"email": "asha@example.com", "password": "wrong guess"}},
    base_url="https://portal.test",
)
print("id", answer.headers["X-Request-ID"])
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    request_id = done.stdout.split("id ", 1)[1].strip()
    [line] = [x for x in done.stderr.splitlines() if "Sign-in failed" in x]
    if log_format == "json":
        entry = json.loads(line)
        assert entry["request_id"] == request_id and entry["level"] == "INFO"
        assert entry["logger"] == "portal.members"
    else:
        assert f"[{request_id}]" in line


def test_a_log_format_the_portal_doesnt_know_is_refused(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT must be json or text"):
        create_app({"TESTING": True, "SECRET_KEY": "k"})


def test_metrics_count_requests_and_the_mail_queue_for_a_local_scraper_only(client):
    """Issue 13: Prometheus metrics on a path nginx doesn't pass on; only a scraper on
    this machine, talking straight to the app, reads them."""
    from prometheus_client.parser import text_string_to_metric_families

    def robots_count() -> float:
        page = client.get("/metrics")
        assert page.status_code == 200
        families = {f.name: f for f in text_string_to_metric_families(page.get_data(True))}
        assert "portal_mail" in families and "portal_mail_oldest_waiting_seconds" in families
        return sum(
            s.value
            for s in families["portal_requests"].samples
            if s.name == "portal_requests_total"
            and s.labels == {"endpoint": "pages.robots", "method": "GET", "status": "200"}
        )

    before = robots_count()
    for _ in range(3):
        client.get("/robots.txt")
    assert robots_count() == before + 3
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 404
