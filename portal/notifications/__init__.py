"""In-app notifications and notice emails: the kernel every feature tells members through.

A feature calls `notify()` and `send_notice()` inside its own transaction (the notice
and its email are saved with the change or not at all; the worker sends the email).
The header's unread count, the notifications page and one-click unsubscribe links are
served here.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from portal.web.kept import register_viewer_part

bp = Blueprint("notifications", __name__)

from portal.notifications import export, routes, services  # noqa: E402,F401  (routes, export)


def register_notifications(app: Flask) -> None:
    """The blueprint, and the unread count every signed-in page shows in its header."""
    app.register_blueprint(bp)
    # Read once a request: by the header, and by pages kept per viewer (web/kept.py).
    app.jinja_env.globals["unread_notifications"] = register_viewer_part(
        app, "unread_notifications", services.unread_for_current_member
    )
