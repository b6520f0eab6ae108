"""`flask worker`, `flask mail send|status` and `flask jobs list|run`.

The worker is one long-running process beside the web workers: it delivers due mail
and runs the scheduled jobs until it is stopped. SIGTERM (or Ctrl-C) lets the mail in
hand finish, gives the rest of its batch back, and exits. A database outage is logged
and waited out: the worker carries on when the database answers again.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

import portal.jobs as jobs
from portal.clock import utcnow
from portal.extensions import db
from portal.mail import delivery
from portal.mail import status as outbox

log = logging.getLogger("portal.worker")

mail_cli = AppGroup("mail", help="The outbox: deliver what is due, or see how it stands.")
jobs_cli = AppGroup("jobs", help="The scheduled jobs the worker runs.")


@click.command("worker")
@click.option("--once", is_flag=True, help="One turn (due jobs, then due mail), then exit.")
def worker(once: bool) -> None:
    """Deliver mail and run the scheduled jobs until stopped (SIGTERM finishes the mail
    in hand, then exits)."""
    stop = jobs.STOP  # also tells a long job to stop between batches
    stop.clear()

    def on_signal(signum, _frame):
        log.info("Worker stopping (%s): finishing the mail in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    poll = current_app.config["WORKER_POLL_SECONDS"]
    log.info("Worker %s started", delivery.WORKER_ID)
    click.echo(f"Worker {delivery.WORKER_ID} delivering mail and running jobs. Stop with Ctrl-C.")
    while not stop.is_set():
        busy = turn(stop)
        if once:
            break
        if not busy:
            stop.wait(poll)
    log.info("Worker %s stopped", delivery.WORKER_ID)


def turn(stop: threading.Event | None = None) -> bool:
    """One turn of the worker; True if it had mail to deliver (so it goes on at once)."""
    try:
        jobs.run_due()
        if stop is not None and stop.is_set():
            return False
        return delivery.deliver_due(stop=stop).handled > 0
    except SQLAlchemyError as exc:
        log.error("Worker: the database did not answer (%s); trying again", type(exc).__name__)
        return False
    except Exception:  # a bug must not stop the mail: logged, and the loop goes on
        log.exception("Worker: a turn failed; trying again")
        return False
    finally:
        db.session.remove()


@mail_cli.command("send")
def send() -> None:
    """Deliver every mail that is due now, once, then exit."""
    outcome = delivery.deliver_due()
    click.echo(
        f"{outcome.sent} sent, {outcome.retrying} to retry, {outcome.failed} failed, "
        f"{outcome.dropped} dropped."
    )


@mail_cli.command("status")
def status() -> None:
    """Counts by state, and the age of the oldest mail still waiting."""
    for state, count in outbox.counts().items():
        click.echo(f"{state:>9}: {count}")
    oldest = outbox.oldest_waiting()
    click.echo(f"   oldest: {describe_age(oldest) if oldest else 'nothing waiting'}")


def describe_age(moment) -> str:
    seconds = max(int((utcnow() - moment).total_seconds()), 0)
    return f"{timedelta(seconds=seconds)} ago ({seconds} s)"


@jobs_cli.command("list")
def list_jobs() -> None:
    """Each job, and when it last ran."""
    for name, found in jobs.JOBS.items():
        row = db.session.get(jobs.JobRun, name)
        last = (
            f"done for {row.done_period}: {row.last_result}"
            if row and row.done_period
            else "never run"
        )
        click.echo(f"{name}: {found.description} ({last})")


@jobs_cli.command("run")
@click.argument("name")
def run(name: str) -> None:
    """Run one job now, even if it already ran this period."""
    if name not in jobs.JOBS:
        raise click.BadParameter(f"No job called {name!r}. Jobs: {', '.join(jobs.JOBS)}.")
    summary = jobs.run_job(name, force=True)
    if summary is None:
        raise click.ClickException(f"{name} is running in another worker right now; try later.")
    click.echo(f"{name}: {summary}")
