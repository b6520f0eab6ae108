"""The pairing board: requests and their answers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__)

from portal.board import actions, sections, views  # noqa: E402,F401  (routes, profile section)
