"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import sys

from portal import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:
    # A clear start-up error rather than a traceback.
    sys.exit(f"Portal cannot start: {exc}")
