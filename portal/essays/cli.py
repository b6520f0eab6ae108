"""`flask essays check [DIR]`: list every problem in the essays folder."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.essays.loader import Library

essays_cli = AppGroup("essays", help="Check the Markdown essays.")


@essays_cli.command("check")
@click.argument("directory", required=False)
def check(directory: str | None) -> None:
    """Report each broken essay (file and reason); exit 1 if there is any."""
    folder = Path(directory or current_app.config["ESSAYS_DIR"])
    if not folder.is_dir():
        click.echo(f"{folder}: not a folder", err=True)
        raise SystemExit(1)
    logger = logging.getLogger("portal.essays")
    logger.disabled = True  # we print the problems ourselves, once each
    try:
        snap = Library(folder, default_author="-").current()
    finally:
        logger.disabled = False
    for problem in snap.problems:
        click.echo(str(problem), err=True)
    if snap.problems:
        click.echo(f"{len(snap.problems)} problem(s) in {folder}", err=True)
        raise SystemExit(1)
    click.echo(f"{len(snap.essays)} essay(s) in {folder}: no problems.")
