"""Database set-up that the stack does not do by itself.

SQLite is made safe for several gunicorn workers: WAL, a busy timeout, foreign
keys on every connection, and `BEGIN IMMEDIATE` for write transactions so two
writers queue instead of failing with "database is locked" on lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from portal.extensions import db

WRITE_OPTION = "portal_write"


def configure_sqlite(engine: Engine) -> None:
    """Attach the pragmas and the transaction handling to a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run a block of writes in one transaction that takes the write lock up front.

    On SQLite this is `BEGIN IMMEDIATE`; on PostgreSQL it is an ordinary transaction.
    Commits at the end, rolls back (and re-raises) on any error: no partial writes.
    """
    session = db.session()  # the real Session behind the scoped proxy
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def database_answers() -> bool:
    """True when a trivial query succeeds (used by /healthz)."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return False
    finally:
        db.session.close()
