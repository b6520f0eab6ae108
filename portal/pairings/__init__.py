"""Pairings: what an accepted answer becomes, run one tool per quarter, both ways."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pairings", __name__)

from portal.pairings import export  # noqa: E402,F401  (its section of the data export)
from portal.pairings.routes import (  # noqa: E402,F401  (routes register on bp)
    changes,
    pairing,
    record,
    start,
)
