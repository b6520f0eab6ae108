"""Pairings: what an accepted answer becomes, run one tool per quarter, both ways."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pairings", __name__)

from portal.pairings import (  # noqa: E402,F401  (routes, export and profile sections)
    actions,
    export,
    profiles,
    start,
    views,
)
