"""The mail path as deployed: gunicorn (2 workers, production mode) answers the pages,
a separate `flask worker` delivers the outbox to an SMTP server, both on the test
database.

Each account mail (confirmation on join, sign-in link, reset, email change) is asked
for over HTTP and arrives once, through the worker, with a link that works; notices
made through the services arrive with their unsubscribe headers. With the mail server
down or stalled, pages still answer at once (no page waits on SMTP) and the mail waits
in the outbox until it can leave; SIGTERM stops the worker between two mails without
losing or doubling one.

The SMTP servers are this module's own (an aiosmtpd sink, a closed port, a server
that never answers), never conftest's `smtp`: reading that one delivers the outbox
itself, which would hide what the worker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from portal import mail
from portal.board.models import Answer, PairingRequest
from portal.extensions import db
from portal.mail.models import Status
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.web.database import write_transaction

from .factories import make_answer, make_member, make_request
from .helpers import PASSWORD, _apps, csrf_field, join_data, make_app, make_due, outbox_rows

ROOT = Path(__file__).resolve().parent.parent
SECRET = "mail-production-test"
DEADLINE = 20.0  # seconds for a mail to arrive through the worker
PAGE_BOUND = 1.0  # seconds: no page waits on SMTP (a bound for correctness, not a benchmark)
POLL = 1  # WORKER_POLL_SECONDS

CONFIRM = "Please confirm your email address"
SIGN_IN = "Your sign-in link"
RESET = "Reset your password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _address(what: str) -> str:
    return f"{what}-{secrets.token_hex(4)}@example.com"


def wait_for(what: str, check, timeout: float = DEADLINE, every: float = 0.1):
    """Poll `check` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


# --- mail servers ------------------------------------------------------------------------


class Sink:
    """aiosmtpd's handler: keeps every message; `delay` makes each one take that long."""

    def __init__(self) -> None:
        self.messages: list = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str, subject: str | None = None) -> list:
        return [
            m
            for m in list(self.messages)
            if m["To"] == address and (subject is None or subject in m["Subject"])
        ]

    def arrived(self, address: str, subject: str):
        """Wait for the mail to `address` with `subject`; the first one."""
        return wait_for(f"{subject!r} to {address}", lambda: self.to(address, subject))[0]


def link_in(message, contains: str) -> str:
    """The path of the first link in the message containing `contains`."""
    body = message.get_content()
    for url in re.findall(r"https?://\S+", body):
        if contains in url:
            return urlsplit(url).path
    raise AssertionError(f"no link containing {contains!r} in:\n{body}")


class Stalled:
    """A mail server that accepts every connection and never says a word."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="module")
def sink():
    from aiosmtpd.controller import Controller

    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def stalled():
    server = Stalled()
    yield server
    server.close()


# --- the deployment ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: str
    seconds: float


class Browser:
    """One visitor over HTTP: keeps the cookies the server sets (the Secure flag binds
    browsers, not http.client), and posts forms with the CSRF token of their page."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode()
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair, _, attributes = value.partition(";")
                key, _, cookie = pair.strip().partition("=")
                if cookie and "max-age=0" not in attributes.lower():
                    self.cookies[key] = cookie
                else:
                    self.cookies.pop(key, None)
        return Reply(response.status, response.getheader("Location") or "", page, seconds)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def submit(self, page: str, action: str | None = None, **fields) -> Reply:
        """GET `page`, then POST its form (to `action`, else the page) with its CSRF token;
        `seconds` is the POST's time alone."""
        shown = self.get(page)
        assert shown.status == 200, (page, shown.status, shown.body[:500])
        return self.request(
            "POST", action or page, {**fields, "csrf_token": csrf_field(shown.body)}
        )

    def join(self, email: str) -> Reply:
        reply = self.submit("/join", **join_data(email=email))
        assert reply.status == 303 and reply.location.endswith("/join/welcome"), reply
        return reply


class Deployment:
    """gunicorn and `flask worker` as deployed, on the test database, mail to `mail_port`."""

    def __init__(self, database: str, logs: Path, mail_port: int, **settings) -> None:
        self.port = _free_port()
        self.logs = logs
        self.site = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for name in (
            "FLASK_DEBUG",
            "FLASK_TESTING",
            "REDIS_URL",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "MAIL_USE_TLS",
            "MAIL_DEFAULT_SENDER",
        ):
            env.pop(name, None)
        env.update(
            SECRET_KEY=SECRET,
            SITE_URL=self.site,
            ALLOW_HTTP="true",  # a production start on plain http, on this machine
            TRUSTED_HOSTS="127.0.0.1",
            DATABASE_URL=database,
            RATELIMIT_ENABLED="false",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(mail_port),
            MAIL_TIMEOUT="10",
            WORKER_POLL_SECONDS=str(POLL),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        env.update({key: str(value) for key, value in settings.items()})
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.worker: subprocess.Popen | None = None

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.logs / f"{name}-{self.port}.log", "ab") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start_web(self) -> None:
        server = self._spawn(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                if Browser(self.port).get("/healthz").status == 200:
                    return
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + self.log("gunicorn"))
            time.sleep(0.1)

    def start_worker(self) -> subprocess.Popen:
        self.worker = self._spawn(
            "worker", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        )
        return self.worker

    def stop_worker(self, timeout: float = 15) -> tuple[int, float]:
        """SIGTERM to the worker; its exit code and how long it took to exit."""
        assert self.worker is not None and self.worker.poll() is None, self.log("worker")
        started = time.monotonic()
        self.worker.send_signal(signal.SIGTERM)
        code = self.worker.wait(timeout=timeout)
        return code, time.monotonic() - started

    def flask(self, *args: str, **settings) -> str:
        """One `flask --app wsgi ...` command with this deployment's settings; its output."""
        env = {**self.env, **{key: str(value) for key, value in settings.items()}}
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mail-production-logs")


@contextlib.contextmanager
def deployed(database: str, logs: Path, mail_port: int, *, web=True, worker=True, **settings):
    """A started Deployment; its process groups are stopped when the block ends."""
    deployment = Deployment(database, logs, mail_port, **settings)
    try:
        if web:
            deployment.start_web()
        if worker:
            deployment.start_worker()
        yield deployment
    finally:
        deployment.close()


@pytest.fixture
def deploy(migrated, logs):
    """deploy(mail_port, web=True, worker=True, **settings) → a started Deployment,
    stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda mail_port, **options: stack.enter_context(
            deployed(migrated, logs, mail_port, **options)
        )


@pytest.fixture(scope="module")
def portal(migrated):
    """The portal in this process, on the same database and secret as the deployments:
    it reads the outbox and builds what members make through the services."""
    app = make_app(migrated, SECRET_KEY=SECRET)
    _apps.remove(app)  # lives for the module
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_afterwards(portal):
    """Every test starts on empty tables (as conftest's `app` leaves them)."""
    yield
    with portal.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "tools":  # the curated catalogue comes with the migration
                conn.execute(table.delete().where(table.c.curated.is_(False)))
            elif table.name != "board_state":  # one row, made by the migration
                conn.execute(table.delete())


def statuses(app, to: str) -> list[Status]:
    return [row.status for row in outbox_rows(app, to_address=to)]


def member_row(app, email: str) -> Member:
    with app.app_context():
        found = db.session.scalar(sa.select(Member).where(Member.email == email))
        db.session.expunge_all()
        return found


def no_duplicates(sink: Sink) -> None:
    ids = Counter(m["Message-ID"] for m in list(sink.messages))
    assert not [i for i, n in ids.items() if n > 1], ids.most_common(3)


# --- as deployed, with a working mail server ---------------------------------------------


@pytest.fixture(scope="class")
def stack(migrated, logs, sink):
    """One gunicorn and one worker, mail to the sink, for the tests of one class (stopped
    before the tests that start their own)."""
    with deployed(migrated, logs, sink.port) as deployment:
        yield deployment


class TestDeployed:
    """gunicorn and the worker with a working mail server."""

    def test_metrics_add_up_every_worker(self, stack):
        """Issue 13: under gunicorn (2 workers) /metrics counts every worker's requests."""
        from prometheus_client.parser import text_string_to_metric_families

        def robots_served() -> float:
            reply = Browser(stack.port).get("/metrics")
            assert reply.status == 200, reply.body[:300]
            return sum(
                sample.value
                for family in text_string_to_metric_families(reply.body)
                for sample in family.samples
                if sample.name == "portal_requests_total"
                and sample.labels.get("endpoint") == "pages.robots"
            )

        before = robots_served()
        for _ in range(20):  # a new connection each: both workers answer some
            assert Browser(stack.port).get("/robots.txt").status == 200
        assert robots_served() == before + 20

    def test_account_mails_arrive_once_and_their_links_work(self, stack, sink, portal):
        member = _address("joiner")
        visitor = Browser(stack.port)
        visitor.join(member)

        # The confirmation arrives through the worker; its link opens, and its button
        # confirms (and signs in).
        link = link_in(sink.arrived(member, CONFIRM), "/verify/")
        assert visitor.get(link).status == 200
        confirmed = visitor.submit(link)
        assert confirmed.status == 303, confirmed.body[:500]
        assert member_row(portal, member).email_verified_at is not None

        # A sign-in link and a reset link for the address: each arrives, each opens.
        assert visitor.submit("/login/link", email=member).status == 200
        link = link_in(sink.arrived(member, SIGN_IN), "/login/link/")
        assert Browser(stack.port).get(link).status == 200
        assert visitor.submit("/reset", email=member).status == 200
        link = link_in(sink.arrived(member, RESET), "/reset/")
        assert Browser(stack.port).get(link).status == 200

        # A new address: its confirmation goes to the new address, and confirms it.
        new = _address("moved")
        changed = visitor.submit(
            "/account", "/account/email", **{"email-email": new, "email-current_password": PASSWORD}
        )
        assert changed.status == 303, changed.body[:500]
        link = link_in(sink.arrived(new, CONFIRM), "/verify/")
        assert visitor.submit(link).status == 303
        assert member_row(portal, new) is not None

        # A link asked for an address no account has: nothing leaves, the row is dropped.
        stranger = _address("stranger")
        assert Browser(stack.port).submit("/login/link", email=stranger).status == 200
        wait_for("the stranger's mail dropped", lambda: statuses(portal, stranger) == ["dropped"])

        time.sleep(2.5 * POLL)  # a couple more turns of the worker: nothing is sent twice
        assert [len(sink.to(member, s)) for s in (CONFIRM, SIGN_IN, RESET)] == [1, 1, 1]
        assert len(sink.to(new)) == 1
        assert sink.to(stranger) == []
        assert set(statuses(portal, member)) == {Status.SENT}
        no_duplicates(sink)

    def test_notices_arrive_with_their_unsubscribe_link(self, stack, sink):
        app = make_app(stack.env["DATABASE_URL"], SECRET_KEY=SECRET, SITE_URL=stack.site)
        senior_email, junior_email = _address("senior"), _address("junior")
        senior = make_member(app, email=senior_email, name="Asha Kulkarni", role="senior")
        junior = make_member(
            app,
            email=junior_email,
            name="Ravi Iyer",
            role="junior",
            can_teach=["chatgpt"],
            wants_to_learn=[],
        )
        title = "Teach me ChatGPT for board notes"
        request_id = make_request(app, senior, title=title)
        answer_id = make_answer(app, request_id, junior)
        with app.app_context():
            asha = db.session.get(Member, senior)
            accepted = pairings.accept_answer(
                asha, db.session.get(PairingRequest, request_id), db.session.get(Answer, answer_id)
            )
            pairings.post_message(accepted.pairing, asha, "Saturday at ten?")

        notices = [
            sink.arrived(senior_email, f"A new answer to \u201c{title}\u201d"),
            sink.arrived(junior_email, f"Your answer to \u201c{title}\u201d was accepted"),
            sink.arrived(junior_email, "sent you a message"),
        ]
        for notice in notices:
            assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            unsubscribe = re.fullmatch(r"<(.+)>", notice["List-Unsubscribe"]).group(1)
            assert unsubscribe.startswith(f"{stack.site}/unsubscribe/")
            assert Browser(stack.port).get(urlsplit(unsubscribe).path).status == 200

        time.sleep(2.5 * POLL)
        assert len(sink.to(senior_email, "A new answer")) == 1
        assert len(sink.to(junior_email, "was accepted")) == 1
        assert len(sink.to(junior_email, "sent you a message")) == 1
        no_duplicates(sink)


# --- the mail server down, stalled; the worker stopped ----------------------------------


def test_mail_server_down_pages_answer_at_once_and_mail_leaves_later(deploy, sink, portal):
    stack = deploy(_free_port())  # nothing listens there
    warm_up = [_address("warm-up") for _ in range(2)]  # each gunicorn worker's first join
    timed = [_address(f"down{n}") for n in range(10)]
    visitors = {address: Browser(stack.port) for address in warm_up + timed}
    for address in warm_up:
        visitors[address].join(address)
    times = [visitors[address].join(address).seconds for address in timed]
    print(f"\njoins with the mail server down: {', '.join(f'{t * 1000:.0f}' for t in times)} ms")
    assert max(times) < PAGE_BOUND, times

    # The worker tries each, is refused, and keeps each for a later try.
    addresses = warm_up + timed
    wait_for(
        "every confirmation to wait for a retry",
        lambda: all(statuses(portal, a) == [Status.RETRYING] for a in addresses),
    )
    assert stack.stop_worker()[0] == 0
    row = outbox_rows(portal, to_address=addresses[0])[0]
    assert row.attempts == 1 and row.last_error, row.last_error

    # The server is back: the retry (due now) delivers each confirmation once.
    make_due(portal)
    output = stack.flask("mail", "send", MAIL_PORT=sink.port)
    assert output.strip() == "12 sent, 0 to retry, 0 failed, 0 dropped.", output
    for address in addresses:
        [late] = sink.to(address, CONFIRM)
        assert visitors[address].submit(link_in(late, "/verify/")).status == 303
        assert member_row(portal, address).email_verified_at is not None
    no_duplicates(sink)


def test_a_stalled_mail_server_holds_up_no_page(deploy, stalled, portal):
    senior = make_member(portal, email=_address("senior"), role="senior")
    junior_email = _address("junior")
    make_member(portal, email=junior_email, role="junior", can_teach=["chatgpt"], wants_to_learn=[])
    request_id = make_request(portal, senior, title="Teach me ChatGPT, slowly")
    stack = deploy(stalled.port, MAIL_TIMEOUT=2)

    first = _address("stalled")
    Browser(stack.port).join(first)
    wait_for("the worker to be stuck on the stalled server", lambda: stalled.held)

    times = [Browser(stack.port).join(_address("stalled")).seconds for _ in range(3)]
    junior = Browser(stack.port)
    signed_in = junior.submit("/login", email=junior_email, password=PASSWORD)
    assert signed_in.status == 303, signed_in.body[:500]
    answered = junior.submit(
        f"/requests/{request_id}",
        f"/requests/{request_id}/answers",
        message="I use it every day; happy to meet on Saturday mornings.",
    )
    assert answered.status == 303, answered.body[:500]
    times.append(answered.seconds)
    print(f"\njoins and an answer with SMTP stalled: {[f'{t * 1000:.0f} ms' for t in times]}")
    assert max(times) < PAGE_BOUND, times

    status = stack.flask("mail", "status")
    print(status)
    counts = {k: int(v) for k, v in re.findall(r"^\s*(\w+): (\d+)$", status, re.M)}
    assert counts["queued"] + counts["sending"] + counts["retrying"] >= 5, status
    assert re.search(r"^\s*oldest: \d+:\d\d:\d\d ago \(\d+ s\)$", status, re.M), status

    # MAIL_TIMEOUT ends the wait: the first mail is kept for a retry, not lost.
    wait_for("the first mail to time out", lambda: statuses(portal, first) == [Status.RETRYING])
    assert "timed out" in outbox_rows(portal, to_address=first)[0].last_error
    assert stack.stop_worker()[0] == 0


def test_sigterm_stops_the_worker_between_two_mails(deploy, sink, portal):
    addresses = [_address(f"term{n:02}") for n in range(30)]
    with portal.app_context():
        with write_transaction():
            for address in addresses:
                mail.queue(address, "Your account is deleted", "deleted", home="http://x.test/")
        db.session.remove()
    queued = {row.message_id for row in outbox_rows(portal) if row.to_address in addresses}
    assert len(queued) == 30

    def delivered() -> list:
        return [m for m in list(sink.messages) if m["To"] in addresses]

    sink.delay = 0.3
    try:
        stack = deploy(sink.port, web=False)
        wait_for("a few mails delivered", lambda: len(delivered()) >= 3)
        code, seconds = stack.stop_worker()
    finally:
        sink.delay = 0.0
    print(f"\nworker exited {seconds:.2f} s after SIGTERM, {len(delivered())} of 30 sent")
    assert code == 0, stack.log("worker")
    assert seconds < 5

    rows = [row for row in outbox_rows(portal) if row.to_address in addresses]
    by_status = Counter(row.status for row in rows)
    assert Status.SENDING not in by_status, by_status
    assert set(by_status) <= {Status.SENT, Status.QUEUED, Status.RETRYING}, by_status
    assert by_status[Status.SENT] == len(delivered()) < 30

    output = stack.flask("mail", "send")
    assert output.startswith(f"{30 - by_status[Status.SENT]} sent,"), output
    ids = [m["Message-ID"] for m in delivered()]
    assert len(ids) == 30 and set(ids) == queued
    assert {row.status for row in outbox_rows(portal)} == {Status.SENT}
