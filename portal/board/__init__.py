"""The pairing board: requests and their answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__)

from portal.board import export, sections  # noqa: E402,F401  (export and profile parts)
from portal.board.routes import answers, requests  # noqa: E402,F401  (routes register on bp)
