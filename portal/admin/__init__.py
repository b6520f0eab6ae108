"""Moderation and the organiser's view (SPEC §5): reports, the queue, hiding,
suspensions, roles, the audit log. The top of the stack: it may import every feature."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)

from portal.admin import dashboard_routes, export, reporting, routes  # noqa: E402,F401
