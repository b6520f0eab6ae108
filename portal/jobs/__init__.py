"""Scheduled jobs, run by `flask worker`: each once per period, on one host only.

A feature registers a job with `@job(name, period=daily)`. The worker asks `run_due()`
every few seconds; a job whose period has turned (a new day, a new month, in the
community's time zone) is run by the first worker to take its lease row, and marked
done for that period. Workers on other hosts see the lease and pass. A job that fails
is tried again after JOB_RETRY; jobs are written to be safe to run twice (the mails
they write carry a dedupe key), so a worker stopped or killed mid-job costs nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import local, utcnow
from portal.extensions import db
from portal.web.database import write_transaction

log = logging.getLogger("portal.jobs")

# Set when the worker is asked to stop: no new job starts, and a long job calls
# `check_stop()` between batches (it is left unfinished, and the next start finishes it).
STOP = threading.Event()


class Stopped(Exception):
    pass


def check_stop() -> None:
    if STOP.is_set():
        raise Stopped


LEASE = timedelta(minutes=30)  # longer than any job takes; a dead worker's lease runs out
JOB_RETRY = timedelta(minutes=10)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


class JobRun(db.Model):
    """One row per job: the last period it finished, and who holds it now."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    done_period: Mapped[str | None] = mapped_column(sa.String(20))
    holder: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_started_at: Mapped[datetime | None] = mapped_column()
    last_finished_at: Mapped[datetime | None] = mapped_column()
    last_result: Mapped[str | None] = mapped_column(sa.String(300))
    last_error: Mapped[str | None] = mapped_column(sa.String(300))


# Periods are the community's days and months (India's, as for anyone signed out).


def daily(now: datetime) -> str:
    return local(now).date().isoformat()


def monthly(now: datetime) -> str:
    return local(now).strftime("%Y-%m")


def hourly(now: datetime) -> str:
    return local(now).strftime("%Y-%m-%dT%H")


@dataclass
class Job:
    name: str
    run: Callable[[str], str]  # run(period) -> a one-line summary
    period: Callable[[datetime], str]
    description: str
    # False: a job that has never run waits for its next period (a monthly digest does
    # not go out on the day a worker first starts, mid-month).
    first_run_now: bool = True


JOBS: dict[str, Job] = {}


def job(name: str, *, period: Callable[[datetime], str], first_run_now: bool = True):
    def register(fn):
        summary = (fn.__doc__ or "").strip().split("\n")[0]
        JOBS[name] = Job(name, fn, period, summary, first_run_now)
        return fn

    return register


def _take(name: str, period: str, now: datetime, force: bool) -> bool:
    """Take the job's lease for this period, or say another worker has it (or it is done)."""
    seen = db.session.get(JobRun, name, populate_existing=True)
    exists = seen is not None
    busy_or_done = exists and (
        (seen.done_period is not None and seen.done_period >= period and not force)
        or (seen.lease_until is not None and seen.lease_until > now)
    )
    db.session.rollback()  # a read, not a lock: most turns of the worker stop here
    if busy_or_done:
        return False
    if not exists:
        try:
            with write_transaction():
                db.session.add(JobRun(name=name))
        except IntegrityError:  # another worker made it first
            pass
    with write_transaction():
        row = db.session.get(JobRun, name, with_for_update=True, populate_existing=True)
        if row.lease_until and row.lease_until > now:
            return False
        # ">=": a host whose clock lags (still yesterday) does not run it again.
        if row.done_period is not None and row.done_period >= period and not force:
            return False
        if row.done_period is None and not JOBS[name].first_run_now and not force:
            row.done_period, row.last_result = period, "first run waits for the next period"
            log.info("Job %s starts with the period after %s", name, period)
            return False
        row.holder, row.lease_until, row.last_started_at = HOLDER, now + LEASE, now
    return True


def run_job(name: str, *, now: datetime | None = None, force: bool = False) -> str | None:
    """Run one job if it is due (or, with force, anyway, unless another worker is
    running it). Returns its summary, or None if it did not run here."""
    found = JOBS[name]
    now = now or utcnow()
    period = found.period(now)
    if not _take(name, period, now, force):
        return None
    try:
        summary = found.run(period)
    except Stopped:
        db.session.rollback()
        with write_transaction():
            row = db.session.get(JobRun, name, populate_existing=True)
            row.lease_until, row.holder = None, None
        log.info("Job %s stopped part-way; the next turn finishes it", name)
        return None
    except Exception as exc:
        db.session.rollback()
        log.exception("Job %s failed", name)
        with write_transaction():
            row = db.session.get(JobRun, name, populate_existing=True)
            row.lease_until = utcnow() + JOB_RETRY
            row.last_error = f"{type(exc).__name__}: {exc}"[:300]
        return None
    with write_transaction():
        row = db.session.get(JobRun, name, populate_existing=True)
        row.done_period, row.lease_until, row.holder = period, None, None
        row.last_finished_at, row.last_result, row.last_error = utcnow(), summary[:300], None
    log.info("Job %s done for %s: %s", name, period, summary)
    return summary


def run_due(now: datetime | None = None) -> dict[str, str]:
    """Every job whose period has turned, once; returns what ran and its summary."""
    ran = {}
    for name in list(JOBS):
        if STOP.is_set():
            break
        summary = run_job(name, now=now)
        if summary is not None:
            ran[name] = summary
    return ran
