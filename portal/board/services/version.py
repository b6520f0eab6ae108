"""The board's version: one row every change bumps, first in its own transaction, so
that changes queue on it and cached anonymous pages know when they are stale."""

from __future__ import annotations

import sqlalchemy as sa

from portal.board.models import BoardState
from portal.extensions import db


def board_changed() -> None:
    """Bump the board's version (first in the transaction: changes queue on this row)."""
    db.session.execute(sa.update(BoardState).values(version=BoardState.version + 1))


def board_version() -> int:
    return db.session.scalar(sa.select(BoardState.version).where(BoardState.id == 1)) or 0
