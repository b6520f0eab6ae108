"""SQLite made safe for several workers; the same write path on PostgreSQL."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from portal.extensions import db
from portal.web.database import write_transaction

from .helpers import make_app

WRITERS = 8
WRITES = 500


def sqlite_app(tmp_path):
    return make_app(f"sqlite:///{tmp_path / 'w.sqlite3'}")


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = sqlite_app(tmp_path)
    with app.app_context():
        for _ in range(2):  # every connection, not just the first
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            db.engine.dispose()


def test_creating_the_app_opens_no_database_connection(tmp_path):
    app = sqlite_app(tmp_path)
    with app.app_context():
        assert db.engine.pool.checkedin() == 0
        assert db.engine.pool.checkedout() == 0
    assert not (tmp_path / "w.sqlite3").exists()


def _writers(app, table):
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        with app.app_context():
            try:
                for n in range(WRITES):
                    with write_transaction():
                        db.session.execute(table.insert().values(worker=worker, n=n))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("worker", sa.Integer, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )


def test_concurrent_writers_never_see_database_is_locked(tmp_path):
    app = sqlite_app(tmp_path)
    table = _table("writes")
    with app.app_context():
        table.create(db.engine)
    errors = _writers(app, table)
    assert errors == []
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
    assert count == WRITERS * WRITES


def test_write_transaction_rolls_back_everything_on_error(app):
    table = _table("rollback_probe")
    with app.app_context():
        table.create(db.engine)
        try:
            try:
                with write_transaction():
                    db.session.execute(table.insert().values(worker=1, n=1))
                    raise ValueError("bad input halfway")
            except ValueError:
                pass
            count = db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            assert count == 0
        finally:
            db.session.rollback()
            table.drop(db.engine)


def test_concurrent_writers_on_the_configured_database(app):
    """The same writers against DATABASE_URL (PostgreSQL in CI's second run)."""
    table = _table("writes_configured")
    with app.app_context():
        table.create(db.engine)
    try:
        errors = _writers(app, table)
        assert errors == []
        with app.app_context():
            total = db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        assert total == WRITERS * WRITES
    finally:
        with app.app_context():
            table.drop(db.engine)


def test_writes_take_the_lock_up_front_and_reads_do_not(tmp_path):
    app = sqlite_app(tmp_path)
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(
            db.engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(statements.append)
        )
        with write_transaction():
            db.session.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
        db.session.execute(sa.text("SELECT count(*) FROM probe"))
        db.session.commit()
    assert statements[statements.index("CREATE TABLE probe (x INTEGER)") - 1] == "BEGIN IMMEDIATE"
    assert statements[statements.index("SELECT count(*) FROM probe") - 1] == "BEGIN"
