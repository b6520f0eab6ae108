"""The board's version: one row every change bumps, first in its own transaction, so
that changes queue on it and cached anonymous pages know when they are stale."""

from __future__ import annotations

import sqlalchemy as sa

from portal.board.models import BoardState
from portal.extensions import db


def board_changed() -> None:
    """Bump the board's version (first in the transaction: changes queue on this row)."""
    db.session.execute(sa.update(BoardState).values(version=BoardState.version + 1))


# Read on every board and request page: a Core statement on the session's connection
# (in its transaction, so a change made earlier in the request is seen), without the
# ORM's execution path, which cost more than the query itself.
_VERSION = sa.select(BoardState.__table__.c.version).where(BoardState.__table__.c.id == 1)


def board_version() -> int:
    return db.session.connection().execute(_VERSION).scalar() or 0
