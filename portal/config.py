"""Settings read from the environment (and from a `.env` file in development).

The names are the interface contract in the README. `load_settings()` returns a
plain dict so that tests can build an app from explicit values instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at start-up with a plain message."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from exc


def load_settings() -> dict:
    """Read every setting the portal understands from the environment."""
    env = os.environ.get
    settings = {
        "SECRET_KEY": env("SECRET_KEY") or None,
        "DATABASE_URL": env("DATABASE_URL") or None,
        "REDIS_URL": env("REDIS_URL") or None,
        "MAIL_SERVER": env("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or None,
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),  # seconds for each SMTP step
        "MAIL_RETRY_HOURS": _int("MAIL_RETRY_HOURS", 72),  # temporary failures retried this long
        "MAIL_CLAIM_SECONDS": _int("MAIL_CLAIM_SECONDS", 300),  # a worker's hold on its batch
        "WORKER_POLL_SECONDS": _int("WORKER_POLL_SECONDS", 2),  # the worker's nap when idle
        "SITE_NAME": env("SITE_NAME") or "Bharath.club",
        "SITE_URL": env("SITE_URL") or None,
        "ESSAYS_DIR": env("ESSAYS_DIR") or str(PROJECT_ROOT / "content" / "essays"),
        "PAGES_DIR": env("PAGES_DIR") or str(PROJECT_ROOT / "content" / "pages"),
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "ALLOW_HTTP": _flag("ALLOW_HTTP", False),
        # What one member may post, after the new-member limits of their first week.
        "RATELIMIT_REQUESTS": env("RATELIMIT_REQUESTS") or "6 per hour;20 per day",
        "RATELIMIT_ANSWERS": env("RATELIMIT_ANSWERS") or "20 per hour;60 per day",
        "RATELIMIT_MESSAGES": env("RATELIMIT_MESSAGES") or "60 per hour;300 per day",
        # Rate limits in Flask-Limiter's notation; per IP unless the name says account.
        # Joins that succeed, per address; attempts (typos included) more loosely.
        "RATELIMIT_JOIN": env("RATELIMIT_JOIN") or "5 per hour;20 per day",
        "RATELIMIT_JOIN_ATTEMPTS": env("RATELIMIT_JOIN_ATTEMPTS") or "30 per hour",
        "RATELIMIT_SIGN_IN": env("RATELIMIT_SIGN_IN") or "20 per minute;200 per hour",
        "RATELIMIT_SIGN_IN_ACCOUNT": env("RATELIMIT_SIGN_IN_ACCOUNT") or "100 per hour",
        "RATELIMIT_EMAIL_LINKS": env("RATELIMIT_EMAIL_LINKS") or "5 per hour",
        "TRUSTED_HOSTS": [h.strip() for h in env("TRUSTED_HOSTS", "").split(",") if h.strip()]
        or None,
    }
    return settings


def finalise(config: dict, *, production: bool, instance_path: str) -> None:
    """Fill derived defaults and refuse an unsafe production set-up."""
    # /admin/ keeps its drawn figures this long per worker (a minute in production, so a
    # busy dashboard costs its queries once a minute; never in development and tests).
    config.setdefault(
        "DASHBOARD_CACHE_SECONDS", _int("DASHBOARD_CACHE_SECONDS", 60 if production else 0)
    )
    # Log lines: JSON in production (for a collector), text in development.
    log_format = config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT", "").strip().lower()
    log_format = log_format or ("json" if production else "text")
    if log_format not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, not {log_format!r}.")
    config["LOG_FORMAT"] = log_format
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production the portal needs a long random "
                "SECRET_KEY in the environment (for example: "
                'python -c "import secrets; print(secrets.token_hex(32))").'
            )
        # Development only: a fixed, clearly-marked key so sessions survive reloads.
        config["SECRET_KEY"] = "dev-only-insecure-key"  # noqa: S105

    if not config.get("SITE_URL"):
        if production:
            raise ConfigError(
                "SITE_URL is not set. In production the portal needs its public address "
                "(for example https://bharath.club) to build links in pages and emails."
            )
        # Development: the address `flask run` serves (make run PORT=8080 mails :8080 links).
        host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
        config["SITE_URL"] = f"http://{host}:{os.environ.get('FLASK_RUN_PORT') or '5000'}"
    config["SITE_URL"] = config["SITE_URL"].rstrip("/")
    site = urlsplit(config["SITE_URL"])
    if site.scheme not in ("http", "https") or not site.hostname:
        raise ConfigError(
            f"SITE_URL must look like https://example.org, not {config['SITE_URL']!r}."
        )

    # Production cookies are Secure and __Host-: over http:// a browser never sends them
    # back, and every form would say "Your form expired". Refuse, unless asked for a trial.
    config["SECURE_COOKIES"] = production and site.scheme == "https"
    if production and site.scheme == "http" and not config.get("ALLOW_HTTP"):
        raise ConfigError(
            f"SITE_URL is {config['SITE_URL']}: in production it must be https://, because "
            "sign-in cookies are only sent over HTTPS. For a trial on a private network, "
            "set ALLOW_HTTP=true (cookies are then not secure)."
        )

    if production and not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [site.hostname]

    url = config.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
    # Operators paste URLs from their provider: make them use the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("postgresql"):
        # Nothing waits longer than a person would, or than gunicorn's 30 s: a held row
        # lock or a runaway query ends in the friendly "busy" page (503), not a killed
        # worker and a bare 500.
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
        options.setdefault(
            "connect_args",
            {
                "connect_timeout": 5,
                "options": "-c lock_timeout=5000 -c statement_timeout=15000",
            },
        )

    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if config.get("REDIS_URL"):
        # Redis down or frozen must not take sign-in and joining with it: short timeouts,
        # and each worker counts on its own until Redis answers again (Flask-Limiter logs
        # the switch; /healthz reports Redis).
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        )
