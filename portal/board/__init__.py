"""The pairing board: requests and their answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__)

from portal.board import sections  # noqa: E402,F401  (its part of the profile)
from portal.board.routes import answers, requests  # noqa: E402,F401  (routes register on bp)
