"""Fixtures in the style of Flask's tutorial: `app`, `client`, `runner`, plus a
database chosen by DATABASE_URL (PostgreSQL in CI's second run, SQLite otherwise)
and a live server for the browser tests; and the members, requests and pairings that
several test modules share (`people`, `answered`; `pairing_people`, `pair`,
`other_pair`, `as_member`), built by factories.py. Plain functions and constants live
in helpers.py, which test modules import (never this file)."""

from __future__ import annotations

import functools
import os
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal import create_app

from . import factories
from .helpers import (
    EMAILS,
    FOURTH,
    JUNIOR,
    NAMES,
    SENIOR,
    THIRD,
    LiveServer,
    _apps,
    make_admin,
    make_app,
    pair_of,
    sign_in,
)

# CI runs the date-sensitive tests again with the clock set where UTC and India
# disagree on the date (e.g. PORTAL_TEST_CLOCK=2026-11-30T23:30:00Z). The clock
# still ticks from there, so timeouts and expiries behave as they do in real time.
FROZEN_AT = os.environ.get("PORTAL_TEST_CLOCK", "")


@pytest.fixture(scope="session", autouse=True)
def _test_clock():
    if not FROZEN_AT:
        yield None
        return
    from datetime import datetime

    import time_machine

    moment = datetime.fromisoformat(FROZEN_AT.replace("Z", "+00:00"))
    with time_machine.travel(moment, tick=True) as traveller:
        yield traveller


def _reset_database(url: str) -> None:
    """Empty the test database, refusing anything that doesn't look like one."""
    if url.startswith("sqlite"):
        return
    name = urlsplit(url).path.lstrip("/")
    if "test" not in name:
        pytest.exit(f"Refusing to wipe database {name!r}: its name must contain 'test'.", 2)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    _reset_database(url)
    return url


@pytest.fixture(scope="session")
def migrated(database_url) -> str:
    """Apply migrations once per run, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        from portal.extensions import db

        db.engine.dispose()
    return database_url


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close every pooled connection a test's apps opened (PostgreSQL warns otherwise)."""
    yield
    from portal.extensions import db

    while _apps:
        app = _apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _empty_tables(app) -> None:
    from portal.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "tools":  # the curated catalogue comes with the migration
                conn.execute(table.delete().where(table.c.curated.is_(False)))
            elif table.name == "board_state":  # one row, made by the migration
                continue
            else:
                conn.execute(table.delete())


@pytest.fixture
def app(migrated, smtp):
    app = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    yield app
    _empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def production_app(migrated):
    """An app as it runs in production (not debug, not testing)."""

    def build(**overrides):
        config = {
            "TESTING": False,
            "DEBUG": False,
            "SITE_URL": "https://portal.test",
            "WTF_CSRF_ENABLED": True,
        }
        config.update(overrides)
        return make_app(migrated, **config)

    return build


@pytest.fixture
def essays_dir(tmp_path):
    folder = tmp_path / "essays"
    folder.mkdir()
    return folder


@pytest.fixture
def write_essay(essays_dir):
    """Write an essay file: write_essay("name", title="T", date="2026-01-01", body="...")."""

    def write(name: str, body: str = "Some words.\n", **meta) -> Path:
        lines = []
        for key, value in meta.items():
            if isinstance(value, list):
                lines.append(f"{key}: [{', '.join(value)}]")
            else:
                lines.append(f"{key}: {value}")
        text = "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body)
        path = essays_dir / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- mail: a real SMTP server on 127.0.0.1 ----------------------------------------


class MailSink:
    """Keeps every message the portal sends; tests read links out of them.

    Reading it first runs the outbox once, as `flask mail send` does (the same
    claim-and-deliver code as the worker), so a test sees what the worker would have
    sent by then. Tests of the worker itself run it as deployed, not through this."""

    def __init__(self) -> None:
        self.received: list = []
        self.deliver = None  # set by `_courier`: one `flask mail send`

    @property
    def messages(self) -> list:
        if self.deliver is not None:
            self.deliver()
        return self.received

    def clear(self) -> None:
        self.received.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last(self, address: str | None = None):
        found = self.to(address) if address else self.messages
        assert found, f"no mail to {address or 'anyone'}; sent: {[m['To'] for m in self.received]}"
        return found[-1]

    def link(self, address: str | None = None, contains: str = "/") -> str:
        """The first link in the latest mail to `address` (as a path, without SITE_URL)."""
        import re

        body = self.last(address).get_content()
        for url in re.findall(r"https?://\S+", body):
            if contains in url:
                return "/" + url.split("/", 3)[3]
        raise AssertionError(f"no link containing {contains!r} in:\n{body}")


class _Receiver:
    """aiosmtpd's handler (kept apart from MailSink: aiosmtpd looks over its handler's
    attributes, and reading MailSink.messages delivers mail)."""

    def __init__(self, received: list) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        from email import message_from_bytes
        from email.policy import default

        self.received.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture(scope="session")
def _smtp_server():
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink()
    controller = Controller(_Receiver(sink.received), hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def _courier(migrated, _smtp_server):
    """An app that delivers the test database's outbox to the SMTP sink when a test reads
    it (every app in a run shares the one database, so it sees every app's mail)."""
    from portal.extensions import db
    from portal.mail.delivery import deliver_due

    courier = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=_smtp_server.port)
    _apps.remove(courier)

    def deliver() -> None:
        with courier.app_context():
            try:
                deliver_due()
            finally:
                db.session.remove()

    _smtp_server.deliver = deliver
    yield courier
    _smtp_server.deliver = None
    with courier.app_context():
        db.engine.dispose()


@pytest.fixture
def smtp(_smtp_server, _courier):
    _smtp_server.clear()
    return _smtp_server


# --- members, the board, pairings ----------------------------------------------------------
# How the feature tests read: each behaviour is checked on the plain path (a form post,
# 303 back to the page, at its section) and, where htmx changes the answer, on the htmx
# path (HX-Request: true: 200 and only the fragment that changed). Invalid input answers
# 422 with what was typed and a message next to the field; refusals answer 403 (not
# yours to change) or 409 (not from this state), and change nothing.


@pytest.fixture
def make_member(app):
    """Create a member through the service: make_member(email=..., verified=True, ...)
    (see factories.make_member); returns their id."""
    return functools.partial(factories.make_member, app)


@pytest.fixture
def people(make_member):
    """The board's members: a senior who wants to learn, a junior who can teach, and two
    more juniors (Meera teaches Claude, Kiran Excel)."""
    return {
        "senior": make_member(email=SENIOR, name="Asha Kulkarni", role="senior"),
        "junior": make_member(
            email=JUNIOR, name="Ravi Iyer", role="junior", can_teach=["chatgpt"], wants_to_learn=[]
        ),
        "third": make_member(
            email=THIRD, name="Meera Nair", role="junior", can_teach=["claude"], wants_to_learn=[]
        ),
        "fourth": make_member(
            email=FOURTH, name="Kiran Rao", role="junior", can_teach=["excel"], wants_to_learn=[]
        ),
    }


@pytest.fixture
def answered(app, people):
    """The senior's request, answered by the junior and by a third member."""
    request_id = factories.make_request(app, people["senior"], title="Teach me ChatGPT")
    return {
        "request": request_id,
        "chosen": factories.make_answer(app, request_id, people["junior"]),
        "other": factories.make_answer(app, request_id, people["third"]),
    }


@pytest.fixture
def pairing_people(app, make_member) -> dict[str, int]:
    """The pairing tests' members: the senior who wants to learn, the junior who teaches,
    another member, an admin."""
    ids = {
        "senior": make_member(email=SENIOR, name=NAMES["senior"], role="senior"),
        "junior": make_member(
            email=JUNIOR, name=NAMES["junior"], role="junior", can_teach=["chatgpt"]
        ),
        "stranger": make_member(email=EMAILS["stranger"], name="Meera Nair", role="junior"),
        "admin": make_member(email=EMAILS["admin"], name="Kiran Rao", role="senior"),
    }
    make_admin(app, ids["admin"])
    return ids


@pytest.fixture
def pair(app, pairing_people):
    """Asha and Ravi's pairing, just begun: quarter 1 of ChatGPT."""
    return pair_of(
        app, factories.make_pairing(app, pairing_people["senior"], pairing_people["junior"])
    )


@pytest.fixture
def other_pair(app, pairing_people, make_member):
    """Another pairing: the stranger teaches Lata."""
    lata = make_member(email="lata@example.com", name="Lata Menon", role="senior")
    return pair_of(
        app, factories.make_pairing(app, lata, pairing_people["stranger"], tool="Claude")
    )


@pytest.fixture
def as_member(app, pairing_people):
    """as_member("senior") → a test client signed in as that member ("anonymous": none)."""
    clients = {}

    def client(who: str):
        if who not in clients:
            clients[who] = app.test_client()
            if who != "anonymous":
                sign_in(clients[who], EMAILS[who])
        return clients[who]

    return client


@pytest.fixture
def essays_app(migrated, essays_dir):
    """An app reading essays from a temporary folder that a test fills."""
    return make_app(migrated, ESSAYS_DIR=str(essays_dir))


@pytest.fixture(scope="session")
def live_server(migrated, _smtp_server):
    """The portal on a real socket, with the shipped essays and mail to the local
    SMTP server, for browser tests."""
    app = make_app(
        migrated,
        SITE_URL="http://127.0.0.1",
        WTF_CSRF_ENABLED=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=_smtp_server.port,
    )
    server_app = app
    _apps.remove(server_app)  # lives for the whole session
    with LiveServer(app) as server:
        server.app = app
        yield server
    _empty_tables(app)
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
