"""The outbox (SPEC §7): every mail is a row written with its change, and the worker's
delivery sends it once, retries what failed for a while, and gives up for good reasons.

Delivery here is the worker's own code (`flask mail send`, or `deliver_due`), against
real SMTP servers: the shared sink, and one whose answer a test chooses (4xx, 5xx)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from portal.clock import utcnow
from portal.extensions import db
from portal.mail import delivery

from .helpers import (
    EMAILS,
    PASSWORD,
    free_port,
    join_data,
    mail_send,
    make_app,
    make_due,
    outbox_rows,
    sign_in,
)

ROOT = Path(__file__).resolve().parent.parent


class Answering:
    """An SMTP server that answers DATA with the code a test sets."""

    def __init__(self) -> None:
        self.reply = "250 OK"
        self.sender_reply = "250 OK"
        self.delay = 0.0
        self.received: list = []

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        if not self.sender_reply.startswith("250"):
            return self.sender_reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply.startswith("250"):
            self.received.append(envelope.content)
        return self.reply


@pytest.fixture(scope="module")
def answering():
    from aiosmtpd.controller import Controller

    handler = Answering()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def picky(migrated, app, answering):
    """An app whose mail goes to the `answering` server (250 unless a test says not)."""
    answering.reply = answering.sender_reply = "250 OK"
    answering.delay = 0.0
    answering.received.clear()
    return make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=answering.port)


def _queue(app, count: int = 1, **fields) -> list[int]:
    from portal import mail

    with app.app_context(), app.test_request_context():
        for n in range(count):
            mail.queue(
                fields.get("to", f"reader{n}@example.com"),
                "A note",
                "deleted",
                home="http://portal.test/",
            )
        db.session.commit()
    return [row.id for row in outbox_rows(app)]


# --- written with the change ---------------------------------------------------------


def test_a_join_writes_its_confirmation_in_the_same_transaction(app, client):
    client.post("/join", data=join_data())
    [row] = outbox_rows(app)
    assert (row.kind, row.to_address, row.status) == ("verify", "meera@example.com", "queued")
    assert row.member_id is not None and row.body is None  # written when it leaves
    assert row.message_id.startswith("<") and row.message_id.endswith("@portal.test>")


def test_a_refused_change_writes_no_mail(app, client, people, answered):
    """A rolled-back change sends nothing: an answer to a request that just closed."""
    from portal.board.models import PairingRequest, Status

    with app.app_context():
        db.session.execute(
            sa.update(PairingRequest).values(status=Status.CLOSED, closed_at=utcnow())
        )
        db.session.commit()
    before = [row.id for row in outbox_rows(app)]
    sign_in(client, EMAILS["stranger"])
    response = client.post(f"/requests/{answered['request']}/answers", data={"message": "x" * 40})
    assert response.status_code == 409
    assert [row.id for row in outbox_rows(app)] == before


def test_an_answer_writes_its_notice_with_the_answer(app, people, smtp):
    from tests import factories

    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    [row] = outbox_rows(app, kind="answered")
    assert row.to_address == "asha@example.com"
    assert row.subject == "A new answer to \u201cTeach me Excel\u201d"
    assert "List-Unsubscribe" in row.headers
    mail = smtp.last("asha@example.com")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Message-ID"] == row.message_id
    assert outbox_rows(app, kind="answered")[0].body == ""  # delivered: the body is let go


# --- delivery, retries, failures -----------------------------------------------------


def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(picky, answering):
    [row_id] = _queue(picky)
    answering.reply = "451 4.3.0 Try again later"
    assert "0 sent, 1 to retry" in mail_send(picky)
    [row] = outbox_rows(picky)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert row.last_error.startswith("451")
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert "0 sent, 0 to retry" in mail_send(picky)  # not due yet: nothing tried

    answering.reply = "250 OK"
    make_due(picky)
    assert "1 sent" in mail_send(picky)
    [row] = outbox_rows(picky)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    [content] = answering.received
    assert f"Message-ID: {row.message_id}".encode() in content
    assert "0 sent" in mail_send(picky)  # never twice
    assert len(answering.received) == 1


def test_backoff_doubles_then_stays_hourly():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


def test_a_permanent_refusal_fails_at_once_with_the_reason(picky, answering):
    _queue(picky)
    answering.reply = "550 5.1.1 No such mailbox"
    assert "1 failed" in mail_send(picky)
    [row] = outbox_rows(picky)
    assert (row.status, row.last_error) == ("failed", "550 5.1.1 No such mailbox")
    make_due(picky)
    assert "0 sent, 0 to retry, 0 failed" in mail_send(picky)


def test_a_refusal_of_our_own_sender_or_account_is_retried_not_failed(picky, answering):
    """A 5xx to MAIL FROM (or to our login) is about our account, not this mail: a
    rotated password must not fail every mail for good."""
    _queue(picky, 2)
    answering.sender_reply = "553 5.7.1 Sender address rejected"
    assert "0 sent, 2 to retry, 0 failed" in mail_send(picky)
    assert {(r.status, r.last_error) for r in outbox_rows(picky)} == {
        ("retrying", "553 5.7.1 Sender address rejected")
    }
    answering.sender_reply = "250 OK"
    make_due(picky)
    assert "2 sent" in mail_send(picky)


def test_a_mail_still_failing_after_the_retry_window_fails(migrated, app):
    down = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    _queue(down)
    assert "1 to retry" in mail_send(down)
    with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
        make_due(down)
        assert "1 failed" in mail_send(down)
    [row] = outbox_rows(down)
    assert row.status == "failed"
    assert row.last_error.startswith("gave up after 2 tries: ConnectionRefusedError")


def test_a_claim_left_by_a_killed_worker_is_taken_up_when_its_lease_ends(app, smtp):
    _queue(app)
    with app.app_context():
        [claimed] = delivery.claim()  # a worker claims it, then dies before sending
        db.session.remove()
    assert outbox_rows(app)[0].status == "sending"
    assert smtp.to("reader0@example.com") == []  # still held by the dead worker
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        assert "1 sent" in mail_send(app)
    assert outbox_rows(app)[0].status == "sent"
    assert len(smtp.received) == 1


def test_a_mail_in_a_workers_hands_when_its_member_leaves_is_not_sent(app, client, people):
    from tests import factories

    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    with app.app_context():
        [claimed] = delivery.claim()  # the answered notice, claimed a moment before
        db.session.remove()
    sign_in(client, "asha@example.com")
    client.post("/account/delete", data={"delete-current_password": PASSWORD})
    with app.app_context():
        assert delivery._renew(claimed) is False  # so the worker does not send it
        db.session.remove()
    notice = outbox_rows(app, kind="answered")[0]
    assert (notice.status, notice.to_address, notice.claimed_by) == ("dropped", "(forgotten)", None)


def test_a_link_asked_for_by_address_leaves_no_trace_once_its_member_leaves(app, client, people):
    client.post("/login/link", data={"email": "ASHA@example.com"})
    assert outbox_rows(app)[0].to_address == "ASHA@example.com"
    sign_in(client, "asha@example.com")
    client.post("/account/delete", data={"delete-current_password": PASSWORD})
    link_row = outbox_rows(app, kind="sign-in")[0]
    assert (link_row.status, link_row.to_address) == ("dropped", "(forgotten)")


def test_a_link_goes_to_the_members_address_as_they_wrote_it(app, client, people, smtp):
    client.post("/login/link", data={"email": "  ASHA@Example.COM "})
    assert [m["Subject"] for m in smtp.to("asha@example.com")] == ["Your sign-in link"]


def test_a_claim_taken_over_after_its_lease_ran_out_is_neither_sent_nor_recorded(app, smtp):
    """A slow worker whose lease ran out while it sent other mail must not send the row
    another worker has taken since, nor give it back, nor record an outcome for it."""
    _queue(app)
    with app.app_context():
        [slow] = delivery.claim()
        db.session.remove()
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False), app.app_context():
        [fresh] = delivery.claim()
        db.session.remove()
    with app.app_context():
        assert delivery._renew(slow) is False  # so deliver_due skips it
        delivery.release([slow])  # a late release from the slow worker changes nothing
        assert outbox_rows(app)[0].status == "sending"
        outcome = delivery.Outcome()
        assert delivery._renew(fresh) is True
        delivery._deliver(fresh, outcome)
        delivery._deliver(slow, delivery.Outcome())  # even if it did send: not recorded
        db.session.remove()
    assert outcome.sent == 1
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 2, None)


def test_mail_waiting_for_a_member_who_leaves_is_dropped_and_the_goodbye_goes(
    app, client, people, smtp
):
    from tests import factories

    request_id = factories.make_request(app, people["senior"], title="Teach me Excel")
    factories.make_answer(app, request_id, people["junior"])
    assert outbox_rows(app, kind="answered")[0].status == "queued"
    sign_in(client, "asha@example.com")
    response = client.post("/account/delete", data={"delete-current_password": PASSWORD})
    assert response.status_code == 303
    notice = outbox_rows(app, kind="answered")[0]
    assert (notice.status, notice.last_error) == ("dropped", "the member left")
    goodbye = smtp.last("asha@example.com")
    assert goodbye["Subject"] == "Your account is deleted"
    assert [m["Subject"] for m in smtp.to("asha@example.com")] == ["Your account is deleted"]
    # No row keeps the address, or what was sent to it, once the goodbye has gone.
    rows = outbox_rows(app)
    assert not [r for r in rows if "asha" in f"{r.to_address} {r.subject} {r.body} {r.data}"]
    assert {r.to_address for r in rows if r.kind in ("answered", "deleted")} == {"(forgotten)"}


# --- several workers -----------------------------------------------------------------


def _worker_env(migrated: str, port: int) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": "outbox-test",
        "SITE_URL": "https://portal.test",
        "DATABASE_URL": migrated,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
    }
    env.pop("FLASK_DEBUG", None)
    return env


def test_two_workers_deliver_a_hundred_mails_each_exactly_once(migrated, picky, answering):
    answering.delay = 0.05  # 5 s of sending in all: both workers are at it together
    ids = _queue(picky, 100)
    assert len(ids) == 100
    env = _worker_env(migrated, answering.port)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    sent = [int(output.split(" sent")[0].split()[-1]) for output in outputs]
    assert sum(sent) == 100, outputs
    assert min(sent) > 0, outputs  # both took a share
    message_ids = [
        line
        for content in answering.received
        for line in content.split(b"\r\n")
        if line.startswith(b"Message-ID:")
    ]
    assert len(message_ids) == 100
    assert len(set(message_ids)) == 100  # 0 duplicates
    statuses = {row.status for row in outbox_rows(picky)}
    assert statuses == {"sent"}


# --- commands ------------------------------------------------------------------------


def test_mail_status_counts_by_state_and_gives_the_oldest_waiting_age(migrated, app):
    down = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with time_machine.travel(utcnow() - timedelta(minutes=5), tick=False):
        _queue(down, 2)
    mail_send(down)
    _queue(down, 1)
    output = down.test_cli_runner().invoke(args=["mail", "status"]).output
    lines = dict(line.strip().split(": ", 1) for line in output.strip().splitlines())
    assert lines["queued"] == "1"
    assert lines["retrying"] == "2"
    assert lines["sent"] == lines["failed"] == "0"
    assert lines["oldest"].startswith("0:05:")


def test_mail_status_with_nothing_waiting(app):
    output = app.test_cli_runner().invoke(args=["mail", "status"]).output
    assert "oldest: nothing waiting" in output


def test_healthz_says_when_mail_is_late_and_nothing_finer(migrated, app, client):
    assert client.get("/healthz").get_json()["mail"] == {
        "oldest_waiting_minutes": 0,
        "late": False,
    }
    _queue(app)
    assert client.get("/healthz").get_json()["mail"]["late"] is False
    with time_machine.travel(utcnow() - timedelta(minutes=7, seconds=30), tick=False):
        _queue(app)
    response = client.get("/healthz")
    assert response.status_code == 200  # the pages are fine: mail is late, not down
    assert response.get_json()["mail"] == {"oldest_waiting_minutes": 7, "late": True}


# --- what the member sees ------------------------------------------------------------


def _state(client) -> str:
    import re

    page = client.get("/account").get_data(as_text=True)
    found = re.search(r'<p class="confirmation-state" role="status">(.*?)</p>', page, re.S)
    return " ".join(found.group(1).split()) if found else ""


def test_the_account_page_says_where_the_confirmation_link_stands(migrated, picky, answering, smtp):
    client = picky.test_client()
    client.post("/join", data=join_data())
    sign_in(client, "meera@example.com")
    assert _state(client) == "The link you asked for just now is on its way."

    down = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    mail_send(down)
    assert "hasn't left yet: our mail server is slow to answer" in _state(client)

    answering.reply = "550 5.1.1 No such mailbox"
    make_due(picky)
    mail_send(picky)
    assert "We couldn't deliver the link to meera@example.com." in _state(client)
    assert "send the link again" in _state(client)

    # Sent again, and this time it leaves.
    answering.reply = "250 OK"
    assert client.post("/account/verify/resend").status_code == 303
    assert "is on its way" in _state(client)
    mail_send(picky)
    assert _state(client).startswith("The latest link was sent just now.")


def test_a_confirmed_member_sees_no_link_state(app, client, people):
    sign_in(client, "asha@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert "confirmation-state" not in page
    assert "Confirm your email address" not in page


def test_ages_read_as_people_say_them():
    from portal.mail import ago

    now = utcnow()
    assert ago(now) == "just now"
    assert ago(now - timedelta(seconds=61)) == "1 minute ago"
    assert ago(now - timedelta(minutes=2, seconds=5)) == "2 minutes ago"
    assert ago(now - timedelta(hours=3)) == "3 hours ago"
    assert ago(now - timedelta(days=1, hours=2)) == "1 day ago"


def test_the_demo_community_leaves_no_mail_to_send(app, runner):
    result = runner.invoke(args=["board", "demo", "--members", "6", "--requests", "4"])
    assert result.exit_code == 0, result.output
    rows = outbox_rows(app)
    assert rows, "the demo's pairing queues its notices"
    assert {(row.status, row.last_error) for row in rows} == {("dropped", "demo data")}


def test_joins_with_a_members_address_send_them_one_note_an_hour(app, client, people, smtp):
    """Issue 11, item 6: a script joining with someone's address can't flood them."""
    for _ in range(3):
        assert client.post("/join", data=join_data(email="asha@example.com")).status_code == 303
    notes = [m for m in smtp.to("asha@example.com") if m["Subject"].startswith("Someone tried")]
    assert len(notes) == 1
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        client.post("/join", data=join_data(email="ASHA@example.com"))
    make_due(app)  # queued an hour ahead of the sink's clock
    notes = [m for m in smtp.to("asha@example.com") if m["Subject"].startswith("Someone tried")]
    assert len(notes) == 2


def test_the_demo_is_refused_in_production_unless_forced(app, production_app):
    """Issue 11, item 8: it adds confirmed members with a published password."""
    live = production_app()
    result = live.test_cli_runner().invoke(args=["board", "demo", "--members", "4"])
    assert result.exit_code == 1
    assert "Not in production" in result.output
    assert outbox_rows(live) == []
    forced = live.test_cli_runner().invoke(args=["board", "demo", "--members", "4", "--force"])
    assert forced.exit_code == 0, forced.output


def test_the_demo_reads_as_its_people_would_write(app, runner):
    """Issue 11, item 27: "Help me use Prompt writing for board notes", "Message 1…4"."""
    import sqlalchemy as sa

    from portal.board.models import PairingRequest
    from portal.pairings.models import Message

    assert (
        runner.invoke(args=["board", "demo", "--members", "8", "--requests", "12"]).exit_code == 0
    )
    with app.app_context():
        titles = db.session.scalars(sa.select(PairingRequest.title)).all()
        messages = db.session.scalars(sa.select(Message.body)).all()
    assert len(set(titles)) > 6  # varied, not one pattern
    assert not [t for t in titles if t.startswith(("Help me use ", "I can teach "))]
    assert messages and not [m for m in messages if m.startswith("Message ")]
    assert len(set(messages)) == len(messages)
