"""`flask backup DIR` and `flask restore FILE`: backups that restore.

SQLite: SQLite's online backup API, which copies a consistent snapshot (the WAL
included) while the portal keeps writing; `cp portal.sqlite3` does not (writes still in
the WAL are lost). PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`.
Backups are named `portal-<UTC time>.<sqlite3|dump>`; the newest `--keep` stay.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(Exception):
    """Something an operator can fix, said in words."""


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url) -> str:
    backend = url.get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"Backups know SQLite and PostgreSQL, not {backend}.")
    return backend


def _libpq(url) -> tuple[str, dict]:
    """The SQLAlchemy URL as pg_dump and pg_restore read it, without its password (which
    goes in their environment: a command line is visible to every local user)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client")
    return found


def backup(directory: Path, keep: int = 14, now: datetime | None = None) -> Path:
    """Write a backup into `directory` and drop all but the newest `keep`; its path."""
    url = _url()
    kind = _kind(url)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Can't use {directory} for backups: {error.strerror}.") from error
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"portal-{stamp}{SUFFIXES[kind]}"
    partial = target.with_name(target.name + ".partial")
    # Every member's data and password hash: readable by the portal's user alone.
    partial.touch(mode=0o600)
    try:
        if kind == "sqlite":
            source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            dsn, env = _libpq(url)
            done = subprocess.run(  # noqa: S603 (no shell; the configured URL and path)
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                 dsn],
                capture_output=True,
                text=True,
                env=env,
            )  # fmt: skip
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        partial.rename(target)  # a backup is either whole or not there
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup failed: {error}") from error
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    for old in sorted(directory.glob(f"portal-*{SUFFIXES[kind]}"))[:-keep]:
        old.unlink()
    return target


def restore(source: Path) -> None:
    """Replace the database's contents with the backup's. Stop the portal and the worker
    first: a restore is not made under traffic."""
    url = _url()
    kind = _kind(url)
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    if source.suffix != SUFFIXES[kind]:
        raise BackupError(f"{source.name} is not a {kind} backup (they end in {SUFFIXES[kind]}).")
    if kind == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"{source.name} is damaged: {check}")
            target = sqlite3.connect(url.database)
            try:
                with target:
                    backup_db.backup(target)
            finally:
                target.close()
                backup_db.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source.name} is not a SQLite backup: {error}") from error
        return
    dsn, env = _libpq(url)
    done = subprocess.run(  # noqa: S603 (no shell; the configured URL and path)
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--dbname", dsn, str(source)],
        capture_output=True,
        text=True,
        env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", default=14, show_default=True, type=click.IntRange(min=1),
              help="How many backups to keep in DIRECTORY (the newest).")  # fmt: skip
@with_appcontext
def backup_command(directory: Path, keep: int) -> None:
    """Back up the database into DIRECTORY (safe while the portal runs)."""
    try:
        made = backup(directory, keep)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {made}")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Don't ask: replace the database's contents.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE. Stop the portal first."""
    if not yes:
        click.confirm(
            f"Replace everything in the database with {source.name}? Stop the portal and "
            "the worker first.",
            abort=True,
        )
    try:
        restore(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {source}. Run `flask db upgrade` if the backup is older.")
