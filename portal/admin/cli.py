"""`flask create-admin EMAIL`: the first admin (and any later one)."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext

from portal.members import services as members


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The admin's name, if a new member is created.")
@with_appcontext
def create_admin(email: str, name: str) -> None:
    """Make the member with EMAIL an admin, or create a confirmed admin and print a
    one-time sign-in link. Running it twice changes nothing."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not an email address: {error}") from error
    existing = members.find_by_email(email)
    member, changed = members.make_admin(email, name)
    if not changed:
        click.echo(f"{member.email} is already an admin; nothing changed.")
        return
    if existing is not None:
        click.echo(f"{member.email} ({member.name}) is now an admin.")
        return
    link = (
        current_app.config["SITE_URL"].rstrip("/") + "/login/link/" + members.sign_in_token(member)
    )
    click.echo(f"Created {member.email} as an admin. Sign in within 10 minutes with this link")
    click.echo("(it works once; afterwards set a password from the account page):")
    click.echo(link)
