"""`flask backup` and `flask restore` (issue 13): a backup taken while the portal writes
restores every write acknowledged before it began, on SQLite (the online backup API,
WAL included) and PostgreSQL (pg_dump); rotation; clear refusals."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.backup import BackupError, backup, restore
from portal.extensions import db
from portal.notifications.models import Notification
from portal.web.database import write_transaction

from .factories import make_member
from .helpers import make_app


def other_database(app, tmp_path: Path) -> str:
    """An empty database beside the suite's, to restore into."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    name = urlsplit(url).path.lstrip("/") + "_restore"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


def test_a_backup_under_writes_restores_every_write_acknowledged_before_it(app, tmp_path):
    member_id = make_member(app)
    acknowledged: list[int] = []
    stop = threading.Event()

    def writer():
        with app.app_context():
            n = 0
            while not stop.is_set():
                with write_transaction():
                    row = Notification(member_id=member_id, text=f"write {n}", url="/")
                    db.session.add(row)
                    db.session.flush()
                    written = row.id
                acknowledged.append(written)  # after the commit: acknowledged
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acknowledged) < 50:
            time.sleep(0.01)
        before = set(acknowledged)
        with app.app_context():
            made = backup(tmp_path / "backups")
        while len(acknowledged) < len(before) + 50:  # and the writes go on after it
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert made.exists() and not list(made.parent.glob("*.partial"))
    assert made.stat().st_mode & 0o077 == 0  # the portal's user alone reads it

    target = make_app(other_database(app, tmp_path))
    with target.app_context():
        db.engine.dispose()
        restore(made)
        restored = set(db.session.scalars(sa.select(Notification.id)))
        db.session.remove()
        db.engine.dispose()
    assert before <= restored  # every acknowledged write before the backup
    assert set(acknowledged) - restored  # and it is a snapshot: later writes are not in it


def test_backups_rotate_and_say_where_they_are(app, runner, tmp_path):
    folder = tmp_path / "backups"
    paths = []
    for _ in range(3):
        result = runner.invoke(args=["backup", str(folder), "--keep", "2"])
        assert result.exit_code == 0, result.output
        paths.append(Path(result.output.strip().removeprefix("Backed up to ")))
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted(p.name for p in paths[1:])


def test_a_backup_into_somewhere_unusable_is_refused_clearly(app, runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(args=["backup", str(blocker / "backups")])
    assert result.exit_code == 1
    assert "Can't use" in result.output and "for backups" in result.output


def test_restore_refuses_what_is_not_a_backup(app, runner, tmp_path):
    kind = "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "pg"
    suffix = ".sqlite3" if kind == "sqlite" else ".dump"
    garbage = tmp_path / f"portal-garbage{suffix}"
    garbage.write_text("this is not a database")
    missing = runner.invoke(args=["restore", str(tmp_path / f"none{suffix}"), "--yes"])
    assert missing.exit_code == 1 and "There is no backup at" in missing.output
    wrong = tmp_path / "notes.txt"
    wrong.write_text("x")
    refused = runner.invoke(args=["restore", str(wrong), "--yes"])
    assert refused.exit_code == 1 and "is not a" in refused.output
    broken = runner.invoke(args=["restore", str(garbage), "--yes"])
    assert broken.exit_code == 1
    assert ("is not a SQLite backup" if kind == "sqlite" else "pg_restore failed") in (
        broken.output
    )
    asked = runner.invoke(args=["restore", str(garbage)], input="n\n")
    assert asked.exit_code == 1 and "Aborted" in asked.output


def test_backup_error_is_raised_for_an_unknown_database(app):
    with app.app_context():
        app.config["SQLALCHEMY_DATABASE_URI"], saved = (
            "mysql://x@127.0.0.1/portal",
            app.config["SQLALCHEMY_DATABASE_URI"],
        )
        try:
            with pytest.raises(BackupError, match="not mysql"):
                backup(Path("/tmp"))
        finally:
            app.config["SQLALCHEMY_DATABASE_URI"] = saved
