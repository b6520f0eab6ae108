"""Membership: joining, verifying, signing in and out, the account, profiles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("members", __name__)

from portal.members.routes import account, auth, blocking, join, language  # noqa: E402,F401  (routes register on bp)
