"""The scheduled jobs the worker runs: each once per period, even with several workers,
safe to run again, and its mails respect each member's choices and can be turned off
from the mail itself."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import time_machine

from portal import jobs
from portal.clock import utcnow
from portal.extensions import db

from . import factories
from .helpers import JUNIOR, SENIOR, THIRD, make_app, outbox_rows

ROOT = Path(__file__).resolve().parent.parent


def run(app, name: str) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run", name])
    assert result.exit_code == 0, result.output
    return result.output


def run_due(app, now=None) -> dict:
    with app.app_context():
        try:
            return jobs.run_due(now)
        finally:
            db.session.remove()


def change(app, model, where, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(model).where(where).values(**values))
        db.session.commit()


def set_choice(app, member_id: int, **choices) -> None:
    from portal.members.models import Member

    with app.app_context():
        member = db.session.get(Member, member_id)
        member.notify = {**(member.notify or {}), **choices}
        db.session.commit()


# --- the lease and the period --------------------------------------------------------


@time_machine.travel("2026-12-15T06:00:00Z", tick=False)  # mid-month: tomorrow is December
def test_each_job_runs_once_a_period_and_again_in_the_next(app):
    first = run_due(app)
    # The digest's first month is the one after the worker first starts.
    assert set(first) == set(jobs.JOBS) - {"digest"}
    assert run_due(app) == {}  # same day, same month: nothing runs twice
    tomorrow = run_due(app, utcnow() + timedelta(days=1))
    assert "expire-requests" in tomorrow and "digest" not in tomorrow
    next_month = run_due(app, utcnow() + timedelta(days=32))
    assert "digest" in next_month


def test_a_job_held_by_another_worker_is_left_alone(app):
    with app.app_context():
        db.session.add(
            jobs.JobRun(
                name="expire-requests",
                holder="elsewhere:1",
                lease_until=utcnow() + timedelta(minutes=5),
            )
        )
        db.session.commit()
    assert "expire-requests" not in run_due(app)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "expire-requests"])
    assert result.exit_code != 0
    assert "running in another worker" in result.output
    # The holder died: its lease runs out, and the job runs.
    assert "expire-requests" in run_due(app, utcnow() + timedelta(minutes=6))


def test_a_failing_job_is_tried_again_later_not_on_every_turn(app, monkeypatch):
    job = jobs.JOBS["forget-sessions"]

    def broken(period):
        raise RuntimeError("disk full")

    monkeypatch.setattr(job, "run", broken)
    assert "forget-sessions" not in run_due(app)
    with app.app_context():
        row = db.session.get(jobs.JobRun, "forget-sessions")
        assert row.last_error == "RuntimeError: disk full"
        assert row.done_period is None
    assert "forget-sessions" not in run_due(app)  # not again at once
    monkeypatch.undo()
    assert "forget-sessions" in run_due(app, utcnow() + timedelta(minutes=11))


def test_jobs_list_and_an_unknown_job(app):
    listed = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    for name in jobs.JOBS:
        assert name in listed
    result = app.test_cli_runner().invoke(args=["jobs", "run", "reindex"])
    assert result.exit_code != 0
    assert "No job called 'reindex'" in result.output


def _worker(migrated: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SECRET_KEY": "jobs-test",
        "SITE_URL": "https://portal.test",
        "DATABASE_URL": migrated,
        "MAIL_SERVER": "",
    }
    env.pop("FLASK_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_started_together_run_each_job_once(migrated, app, people):
    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    from portal.board.models import Answer

    change(app, Answer, sa.true(), created_at=utcnow() - timedelta(days=6))
    workers = [_worker(migrated), _worker(migrated)]
    logs = [worker.communicate(timeout=120)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], logs
    both = "".join(logs)
    for name in set(jobs.JOBS) - {"digest"}:
        assert both.count(f"Job {name} done") == 1, both
    assert both.count("Job digest starts with the period after") == 1, both
    assert len(outbox_rows(app, kind="reminder_answers")) == 1


# --- expiring requests ---------------------------------------------------------------


def test_expire_requests_expires_what_is_past_its_quarter(app, people):
    from portal.board.models import PairingRequest

    old = factories.make_request(app, people["senior"], title="Old request")
    fresh = factories.make_request(app, people["fourth"], title="Fresh request")
    change(app, PairingRequest, PairingRequest.id == old, expires_at=utcnow())
    assert "1 request(s) expired" in run(app, "expire-requests")
    assert "0 request(s) expired" in run(app, "expire-requests")
    with app.app_context():
        statuses = {r.id: r.status.value for r in db.session.scalars(sa.select(PairingRequest))}
    assert statuses == {old: "expired", fresh: "open"}


# --- the digest ----------------------------------------------------------------------


def test_the_digest_brings_requests_that_fit_and_can_be_turned_off(app, people, smtp):
    factories.make_request(app, people["senior"], title="Teach me ChatGPT prompts")
    set_choice(app, people["third"], digest=False)
    assert "digest(s) queued" in run(app, "digest")
    mail = smtp.last(JUNIOR)
    assert mail["Subject"].startswith("This month at ")
    body = mail.get_content()
    assert "Open requests that fit you" in body
    assert "Teach me ChatGPT prompts" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = smtp.link(JUNIOR, "/unsubscribe/")
    assert outbox_rows(app, kind="digest", to_address=THIRD) == []  # turned off
    # Run again (a second worker, a restart): nobody gets it twice.
    run(app, "digest")
    assert len([m for m in smtp.to(JUNIOR) if m["Subject"].startswith("This month")]) == 1
    # One click in the mail turns the digest off.
    client = app.test_client()
    assert client.post(unsubscribe).status_code in (200, 303)
    with app.app_context():
        from portal.members.models import Member

        assert db.session.get(Member, people["junior"]).wants_notice("digest") is False


def test_the_digest_is_written_in_the_members_language(app, people, smtp, make_member):
    """Each section's title and each pairing's next step in Hindi for a member who
    chose Hindi (the worker writes it: no request, no browser to ask)."""
    from portal.members.models import Member

    senior = make_member(email="lata@example.com", name="Lata Menon", role="senior")
    factories.make_pairing(app, senior, people["junior"])
    factories.make_request(app, people["senior"], title="Teach me ChatGPT prompts")
    change(app, Member, Member.id == people["junior"], locale="hi")
    run(app, "digest")
    body = smtp.last(JUNIOR).get_content()
    assert "आपसे मेल खाते खुले अनुरोध" in body and "Open requests that fit you" not in body
    assert "आपकी पेयरिंग" in body and "Lata Menon के साथ ChatGPT: एजेंडा में अगला: " in body
    assert "Teach me ChatGPT prompts" in body
    english = smtp.last("lata@example.com").get_content()  # Lata kept English
    assert "ChatGPT with Ravi Iyer: next on your agenda: " in english


def test_no_digest_for_an_unconfirmed_member_or_one_with_nothing_new(
    migrated, app, make_member, tmp_path
):
    make_member(email="quiet@example.com", name="Quiet Reader", wants_to_learn=[])
    make_member(email="new@example.com", name="New Reader", verified=False)
    make_member(email="keen@example.com", name="Keen Reader", wants_to_learn=["excel"])
    factories.make_request(
        app, make_member(email="kiran@example.com", role="junior"), kind="offering", tool="Excel"
    )
    no_essays = make_app(migrated, ESSAYS_DIR=str(tmp_path))
    assert "1 digest(s) queued" in run(no_essays, "digest")
    assert [row.to_address for row in outbox_rows(app, kind="digest")] == ["keen@example.com"]


def test_the_digest_brings_new_essays(app, make_member, smtp):
    make_member(email="quiet@example.com", name="Quiet Reader", wants_to_learn=[])
    with app.app_context():
        from portal.essays import snapshot, today

        newest = snapshot().published(today())[0]
    with time_machine.travel(newest.date + timedelta(days=3), tick=False):
        run(app, "digest")
    body = smtp.last("quiet@example.com").get_content()
    assert "New essays" in body
    assert newest.title in body
    assert f"/essays/{newest.slug}" in body


# --- reminders -----------------------------------------------------------------------


def test_answers_waiting_five_days_bring_one_reminder(app, people, smtp):
    from portal.board.models import Answer

    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    run(app, "answers-waiting")
    assert outbox_rows(app, kind="reminder_answers") == []  # one day is not five
    change(app, Answer, sa.true(), created_at=utcnow() - timedelta(days=5, minutes=1))
    assert "1 reminder(s)" in run(app, "answers-waiting")
    assert "0 reminder(s)" in run(app, "answers-waiting")
    mail = smtp.last(SENIOR)
    assert mail["Subject"] == "Answers to \u201cTeach me Excel\u201d are waiting for you"
    assert "An answer to your request" in mail.get_content()
    assert f"/requests/{request_id}" in mail.get_content()
    assert "/unsubscribe/" in mail["List-Unsubscribe"]


def test_a_member_who_turned_reminders_off_gets_none(app, people):
    from portal.board.models import Answer

    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    change(app, Answer, sa.true(), created_at=utcnow() - timedelta(days=6))
    set_choice(app, people["senior"], reminders=False)
    assert "0 reminder(s)" in run(app, "answers-waiting")


def test_a_reflection_due_in_the_last_two_weeks_brings_a_reminder(app, pair, smtp):
    from portal.pairings.models import Quarter

    run(app, "pairing-reminders")
    assert outbox_rows(app, kind="reminder_reflection") == []
    change(app, Quarter, sa.true(), started_at=utcnow() - timedelta(days=80))
    factories.log_entry(app, pair.id, pair.senior)  # not quiet: only the reflection is due
    with app.app_context():
        from portal.members.models import Member
        from portal.pairings import services
        from portal.pairings.models import Pairing

        services.reflect(
            db.session.get(Pairing, pair.id),
            db.session.get(Member, pair.junior),
            "Much",
            "Some",
            "More",
        )
    assert "1 reflection reminder(s), 0 quiet" in run(app, "pairing-reminders")
    mail = smtp.last(SENIOR)
    assert mail["Subject"] == "Your reflection on ChatGPT is due"
    assert "#reflections" in mail.get_content()
    assert not [m for m in smtp.to(JUNIOR) if "reflection on" in m["Subject"]]
    assert "0 reflection reminder(s)" in run(app, "pairing-reminders")


def test_three_quiet_weeks_bring_a_reminder_to_both(app, pair, smtp):
    from portal.pairings.models import Pairing

    change(app, Pairing, Pairing.id == pair.id, started_at=utcnow() - timedelta(days=22))
    assert "2 quiet-pairing reminder(s)" in run(app, "pairing-reminders")
    assert "0 quiet-pairing reminder(s)" in run(app, "pairing-reminders")
    for address in (SENIOR, JUNIOR):
        mail = smtp.last(address)
        assert mail["Subject"].startswith("It has been a while since you met ")
        assert "#sessions" in mail.get_content()


# --- cleanup -------------------------------------------------------------------------


def test_cleanup_forgets_ended_sessions_and_old_mail(app, client, people, smtp):
    from portal.mail.models import OutboxMail
    from portal.members.models import MemberSession

    from .helpers import sign_in

    sign_in(client, SENIOR)
    sign_in(app.test_client(), JUNIOR)
    change(app, MemberSession, MemberSession.member_id == people["junior"], expires_at=utcnow())
    assert "1 ended session(s) deleted" in run(app, "forget-sessions")
    assert client.get("/account").status_code == 200  # the live session stays

    old = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, old, people["junior"])
    assert len(smtp.to(SENIOR)) == 1  # delivered: a sent row
    with time_machine.travel(utcnow() + timedelta(days=89), tick=False):
        assert "0 old mail row(s) deleted" in run(app, "forget-old-mail")
    with time_machine.travel(utcnow() + timedelta(days=91), tick=False):
        factories.make_answer(app, old, people["third"])  # queued now, not yet sent
        assert "1 old mail row(s) deleted" in run(app, "forget-old-mail")
    with app.app_context():
        left = db.session.scalars(sa.select(OutboxMail.status)).all()
    assert left == ["queued"]


def test_an_unsubscribe_link_works_for_a_year_and_no_longer(app, people, smtp):
    """Issue 11, item 11: a year's life (it was ten)."""
    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    link = smtp.link(SENIOR, "/unsubscribe/")
    client = app.test_client()
    with time_machine.travel(utcnow() + timedelta(days=360), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=367), tick=False):
        response = client.get(link)
        assert response.status_code == 400
        assert "This link has expired." in response.get_data(as_text=True)
