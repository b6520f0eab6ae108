"""The pairing board: requests, answers, acceptance, notifications."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__)

from portal.board import actions, notices, views  # noqa: E402,F401  (routes register on bp)
