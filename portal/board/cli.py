"""`flask board expire` (for a scheduler) and `flask board demo` (a living board)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.board import services

board_cli = AppGroup("board", help="The pairing board.")


@board_cli.command("expire")
def expire() -> None:
    """Expire open requests past the end of their quarter (safe to run often)."""
    count = services.expire_requests()
    click.echo(f"{count} request(s) expired.")


@board_cli.command("demo")
@click.option("--members", default=24, show_default=True, help="How many members.")
@click.option("--requests", "request_count", default=30, show_default=True)
@click.option("--seed", default=7, show_default=True, help="Same seed, same community.")
@click.option("--force", is_flag=True, help="Fill it even in production (you rarely want this).")
def demo(members: int, request_count: int, seed: int, force: bool) -> None:
    """Fill the database with a realistic demo community (members, requests, answers)."""
    from flask import current_app

    from portal.board.demo import fill

    if current_app.config["PRODUCTION"] and not force:
        raise click.ClickException(
            "Not in production: the demo adds confirmed members whose shared password it "
            "prints. Run it with --debug (or FLASK_DEBUG=1) on a development database, or "
            "add --force if this really is a trial site."
        )

    if members < 2 or request_count < 0:
        raise click.BadParameter("Use at least 2 members and 0 or more requests.")
    made = fill(members=members, requests=request_count, seed=seed)
    if made is None:
        click.echo("The demo community is already here; nothing added.")
        return
    click.echo(
        f"Demo community: {made['members']} members, {made['requests']} requests, "
        f"{made['answers']} answers. Every demo member's password: {made['password']}"
    )
    showcase = demo_pairing()
    click.echo(
        f"A pairing in its second quarter: /pairings/{showcase.id} "
        f"(sign in as {showcase.senior.email} or {showcase.junior.email})."
    )
    from portal.board.demo import drop_demo_mail

    drop_demo_mail()  # the notices the demo's answers and pairing queued go nowhere


def demo_pairing():
    """Two demo members with a running pairing: a completed quarter, one under way."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.members.models import Member, Role
    from portal.pairings.demo import make_pairing

    def first(role):
        return db.session.scalar(
            sa.select(Member).where(Member.handle.like("demo-%"), Member.role == role).limit(1)
        )

    senior, junior = first(Role.SENIOR), first(Role.JUNIOR)
    pairing = make_pairing(senior, junior, quarters=2, sessions_per_quarter=3)
    from portal.pairings import services as pairings

    pairings.set_record_public(senior, True)
    pairings.set_record_public(junior, True)
    return pairing
