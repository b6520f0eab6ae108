"""Portal: a community portal for reverse mentorship."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from portal.config import PROJECT_ROOT, ConfigError, finalise, load_settings
from portal.extensions import csrf, db, limiter

__all__ = ["ConfigError", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` (tests) overrides what the environment says."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.update(load_settings())
    app.config.update(
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        ESSAYS_CHECK_INTERVAL=1.0,
        ESSAYS_PER_PAGE=10,
    )
    if config:
        app.config.update(config)
    production = not (app.debug or app.testing)
    app.config["PRODUCTION"] = production
    if app.debug or app.testing:
        app.config["ESSAYS_CHECK_INTERVAL"] = app.config.get("ESSAYS_CHECK_INTERVAL_DEV", 0.0)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    finalise(app.config, production=production, instance_path=app.instance_path)

    register_logging(app)
    register_extensions(app)
    register_web(app, production=production)
    register_blueprints(app)
    register_cli(app)
    register_jobs()
    return app


def register_logging(app: Flask) -> None:
    """The portal's log to stderr, with Flask-Limiter's warnings beside it: its switch to
    per-worker counting when Redis stops answering must be seen, not swallowed by the
    NullHandler it installs for itself."""
    from portal.web.logs import make_handler

    if logging.getLogger("portal").handlers or app.testing:
        return
    handler = make_handler(app.config["LOG_FORMAT"])
    logging.getLogger("portal").addHandler(handler)
    logging.getLogger("portal").setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.addHandler(handler)
    limiter_log.setLevel(logging.WARNING)
    limiter_log.propagate = False


def register_extensions(app: Flask) -> None:
    import portal.admin.models  # noqa: F401  (models register on db.metadata)
    import portal.board.models  # noqa: F401
    import portal.jobs  # noqa: F401
    import portal.mail.models  # noqa: F401
    import portal.members.models  # noqa: F401
    import portal.notifications.models  # noqa: F401
    import portal.pairings.models  # noqa: F401
    import portal.tools  # noqa: F401
    from portal.web.database import configure_sqlite

    db.init_app(app)
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true" or app.testing:
        # Flask-Migrate brings in Alembic (about 11 MB in every worker): only the
        # `flask` command (db upgrade, db check...) and the tests need it.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            # Attaches listeners only; no connection is opened before gunicorn forks.
            configure_sqlite(db.engine)


def register_web(app: Flask, *, production: bool) -> None:
    from portal.web.assets import register_assets
    from portal.web.errors import register_errors
    from portal.web.i18n import register_i18n
    from portal.web.metrics import register_metrics
    from portal.web.numbers import IdConverter
    from portal.web.security import register_security
    from portal.web.templating import register_templating

    if production and app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = list(app.config["TRUSTED_HOSTS"])
    elif not production:
        app.config["TRUSTED_HOSTS"] = None
    app.url_map.converters["int"] = IdConverter  # before any route is added
    register_security(app, production=production)
    register_errors(app)
    register_assets(app)
    register_i18n(app)
    register_templating(app)
    register_metrics(app)


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.board import bp as board_bp
    from portal.essays import bp as essays_bp
    from portal.members import bp as members_bp
    from portal.members.security import register_login
    from portal.notifications import register_notifications
    from portal.pages import bp as pages_bp
    from portal.pairings import bp as pairings_bp

    register_login(app)
    register_notifications(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(essays_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(pairings_bp)
    app.register_blueprint(admin_bp)


def register_jobs() -> None:
    """The scheduled jobs, digest sections and mail composers register themselves on import."""
    import portal.admin.jobs  # noqa: F401
    import portal.board.jobs  # noqa: F401
    import portal.essays.digest  # noqa: F401
    import portal.mail.status  # noqa: F401
    import portal.members.composers  # noqa: F401
    import portal.members.jobs  # noqa: F401
    import portal.pairings.jobs  # noqa: F401


def register_cli(app: Flask) -> None:
    from portal.admin.cli import create_admin
    from portal.backup import backup_command, restore_command
    from portal.board.cli import board_cli
    from portal.essays.cli import essays_cli
    from portal.worker import jobs_cli, mail_cli, worker

    app.cli.add_command(essays_cli)
    app.cli.add_command(board_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker)
    app.cli.add_command(create_admin)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
