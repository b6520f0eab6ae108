"""`flask essays check [DIR]`: list every problem in the essays folder.

It needs no secret and no database: it is also a Flask plugin command (see
pyproject.toml), so `flask essays check` runs without starting the portal, and a
production machine without SECRET_KEY in its shell can check its essays. Exit 0: no
problems; 1: problems found (each printed); 2: it could not run (no such folder).
A warning (a tag, an author or a heading with no letters or digits, which the site
would drop or leave without an address) counts as a problem for the exit status; the
essay itself is still published.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click
from dotenv import load_dotenv
from flask import current_app, has_app_context

from portal.config import PROJECT_ROOT
from portal.essays.loader import Library

essays_cli = click.Group("essays", help="Check the Markdown essays.")


def _essays_dir() -> str:
    if has_app_context():
        return current_app.config["ESSAYS_DIR"]
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    return os.environ.get("ESSAYS_DIR") or str(PROJECT_ROOT / "content" / "essays")


@essays_cli.command("check")
@click.argument("directory", required=False)
def check(directory: str | None) -> None:
    """Report each broken essay (file and reason); exit 1 if there is any."""
    folder = Path(directory or _essays_dir())
    if not folder.is_dir():
        click.echo(f"{folder}: not a folder", err=True)
        raise SystemExit(2)
    logger = logging.getLogger("portal.essays")
    logger.disabled = True  # we print the problems ourselves, once each
    try:
        snap = Library(folder, default_author="The editors").current()
    finally:
        logger.disabled = False
    for problem in snap.problems:
        click.echo(str(problem), err=True)
    warnings = [
        f"{Path(essay.path).name}: warning: {warning}"
        for essay in sorted(snap.essays.values(), key=lambda e: e.path)
        for warning in essay.warnings
    ]
    for warning in warnings:
        click.echo(warning, err=True)
    if snap.problems or warnings:
        counts = [f"{len(snap.problems)} problem(s)"] if snap.problems else []
        counts += [f"{len(warnings)} warning(s)"] if warnings else []
        click.echo(f"{' and '.join(counts)} in {folder}", err=True)
        raise SystemExit(1)
    click.echo(f"{len(snap.essays)} essay(s) in {folder}: no problems.")
