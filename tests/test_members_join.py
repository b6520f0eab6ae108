"""Joining the club: the form, its rules, the mail it sends, and what it must never do
(leak whether an address is registered, log a secret, or make two accounts for one email)."""

from __future__ import annotations

import contextlib
import html
import http.client
import logging
import re
import secrets
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.extensions import db
from portal.members import services
from portal.members.models import Member, MemberSession
from portal.members.passwords import verify_password

from .helpers import (
    HTMX,
    PASSWORD,
    LiveServer,
    field_error,
    free_port,
    join_data,
    mail_send,
    make_app,
    make_due,
    outbox_rows,
    sign_in,
)

# An itsdangerous token: payload.timestamp.signature, all URL-safe base64.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def members(app) -> list[Member]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Member).order_by(Member.id)).all()
        for row in rows:
            row.tags  # noqa: B018 - load the tags while the session is open
        db.session.expunge_all()
        return rows


def only_member(app) -> Member:
    rows = members(app)
    assert len(rows) == 1, rows
    return rows[0]


def count_members(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Member))


def input_tag(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert found, f"no input named {name!r}"
    return found.group(0)


def input_value(page: str, name: str) -> str | None:
    value = re.search(r'\bvalue="([^"]*)"', input_tag(page, name))
    return html.unescape(value.group(1)) if value else None


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# --- the form -------------------------------------------------------------------------


def test_join_page_renders_the_form(client):
    response = client.get("/join")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="join-form"' in page
    for name in ("name", "email", "password", "role", "agree", "adult", "website"):
        assert f'name="{name}"' in page
    assert "a phrase of a few words" in page
    assert input_value(page, "timezone") == "Asia/Kolkata"
    assert "HX-Request" in response.headers["Vary"]


def test_join_from_an_essay_puts_its_slug_in_the_hidden_field(client):
    page = client.get("/join?from=teaching-upward").get_data(as_text=True)
    assert 'type="hidden"' in input_tag(page, "from_essay")
    assert input_value(page, "from_essay") == "teaching-upward"


def test_join_with_an_unknown_essay_slug_ignores_it(client, app):
    page = client.get("/join?from=no-such-essay").get_data(as_text=True)
    assert input_value(page, "from_essay") in ("", None)

    response = client.post("/join", data=join_data(from_essay="no-such-essay"))
    assert response.status_code == 303
    assert only_member(app).joined_from is None


@pytest.mark.parametrize(
    "meta",
    [
        {"date": "2026-01-01", "draft": "true"},
        {"date": "2999-01-01"},  # scheduled: not published yet
    ],
    ids=["draft", "scheduled"],
)
def test_join_from_an_unpublished_essay_ignores_it(
    app, smtp, migrated, essays_dir, write_essay, meta
):
    write_essay("published-one", title="Out", date="2026-01-01")
    write_essay("secret-plan", title="Not yet", **meta)
    essays = make_app(
        migrated, ESSAYS_DIR=str(essays_dir), MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port
    )
    client = essays.test_client()

    page = client.get("/join?from=published-one").get_data(as_text=True)
    assert input_value(page, "from_essay") == "published-one"  # the folder is read
    page = client.get("/join?from=secret-plan").get_data(as_text=True)
    assert input_value(page, "from_essay") in ("", None)

    response = client.post("/join", data=join_data(from_essay="secret-plan"))
    assert response.status_code == 303
    assert only_member(app).joined_from is None


# --- a successful join ----------------------------------------------------------------


def test_join_creates_the_member_and_sends_them_to_the_welcome_page(client, app, smtp):
    data = join_data(
        name="  Meera Iyer ",
        email="Meera.Iyer@Example.com",
        role="both",
        can_teach="ChatGPT, Excel   Formulas,chatgpt, ,",
        wants_to_learn="Board Papers, NEGOTIATION, board papers",
        organisation="Iyer & Sons",
        city="Chennai",
        language="hi",
        meeting_mode="in_person",
        timezone="Europe/London",
        from_essay="teaching-upward",
    )
    response = client.post("/join", data=data)

    assert response.status_code == 303
    assert response.headers["Location"] == "/join/welcome"
    member = only_member(app)
    assert member.name == "Meera Iyer"
    assert member.email == "Meera.Iyer@Example.com"
    assert member.email_key == "meera.iyer@example.com"
    assert member.role.value == "both"
    # As written, the first spelling of each (issue 11, item 28).
    assert sorted(member.can_teach) == ["ChatGPT", "Excel Formulas"]
    assert sorted(member.wants_to_learn) == ["Board Papers", "NEGOTIATION"]
    assert member.organisation == "Iyer & Sons"
    assert member.city == "Chennai"
    assert member.language == "hi"
    assert member.meeting_mode == "in_person"
    assert member.timezone == "Europe/London"
    assert member.joined_from == "teaching-upward"
    assert member.consent_version == services.CONSENT_VERSION
    assert member.consented_at is not None
    assert member.adult_declared is True
    assert member.email_verified_at is None
    assert not member.is_admin


def test_join_stores_an_argon2id_hash_not_the_password(client, app):
    client.post("/join", data=join_data())
    member = only_member(app)
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash
    assert verify_password(member.password_hash, PASSWORD)


def test_join_without_a_time_zone_defaults_to_asia_kolkata(client, app):
    response = client.post("/join", data=join_data(timezone=None))
    assert response.status_code == 303
    assert only_member(app).timezone == "Asia/Kolkata"


def test_join_sends_a_verification_mail_over_smtp_to_that_address(client, smtp):
    client.post("/join", data=join_data(email="Meera.Iyer@Example.com"))
    message = smtp.last("Meera.Iyer@Example.com")
    assert message["Subject"] == "Please confirm your email address"
    link = smtp.link("Meera.Iyer@Example.com", "/verify/")
    assert link.startswith("/verify/")
    assert "http://portal.test/verify/" in message.get_content()
    assert len(smtp.messages) == 1


def test_join_does_not_sign_the_member_in_yet(client, app):
    client.post("/join", data=join_data())
    response = client.get("/account")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/login"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberSession)) == 0


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (
            "senior",
            ["Your first request", "/essays/asking-without-losing-face"],
            ["teaching-upward"],
        ),
        ("junior", ["Before you teach", "/essays/teaching-upward"], ["Your first request"]),
        (
            "both",
            [
                "Your first request",
                "/essays/asking-without-losing-face",
                "Before you teach",
                "/essays/teaching-upward",
            ],
            [],
        ),
    ],
)
def test_welcome_page_points_each_role_to_its_next_step(client, role, shown, hidden):
    client.post("/join", data=join_data(role=role))
    response = client.get("/join/welcome")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "meera@example.com" in page
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_join_when_already_signed_in_goes_to_the_account_page(client, make_member):
    make_member(email="asha@example.com")
    sign_in(client, "asha@example.com", PASSWORD)
    response = client.get("/join")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


def test_welcome_page_without_a_join_goes_back_to_the_form(client):
    response = client.get("/join/welcome")
    assert response.status_code == 303
    assert response.headers["Location"] == "/join"


# --- invalid input --------------------------------------------------------------------

TYPED = {
    "name": "Meera Iyer",
    "email": "meera@example.com",
    "organisation": "Iyer & Sons",
    "city": "Chennai",
    "can_teach": "Negotiation, Board papers",
    "wants_to_learn": "ChatGPT, Excel formulas",
}
THIRTEEN_TAGS = ", ".join(f"tool {n}" for n in range(1, 14))
LONG_TAG = "x" * 41


INVALID = [
    pytest.param({"name": ""}, "name", "Please tell us your name.", id="missing-name"),
    pytest.param(
        {"email": "meera-at-example.com"}, "email", "doesn't look like an email", id="bad-email"
    ),
    pytest.param(
        {"password": "fourteen chars"}, "password", "a phrase of a few words", id="14-characters"
    ),
    pytest.param({"password": "passwordpassword"}, "password", "most common", id="common-password"),
    pytest.param(
        {"password": "PasswordPassword"}, "password", "most common", id="common-password-case"
    ),
    pytest.param(
        {"password": "Password  Password"}, "password", "most common", id="common-password-spaces"
    ),
    pytest.param(
        {"email": "meera.iyer@example.com", "password": "meera.iyer@example.com"},
        "password",
        "can't be your email address",
        id="password-is-the-email",
    ),
    pytest.param({"role": None}, "role", "Please choose how you are joining.", id="no-role"),
    pytest.param({"role": "admin"}, "role", "Not a valid choice", id="unknown-role"),
    pytest.param({"agree": None}, "agree", "Please agree", id="guidelines-not-agreed"),
    pytest.param({"adult": None}, "adult", "18 or older", id="adult-not-declared"),
    pytest.param({"timezone": "Mars/Base"}, "timezone", "time zone", id="bad-time-zone"),
    pytest.param({"can_teach": THIRTEEN_TAGS}, "can_teach", "Up to 12 tags", id="13-tags"),
    pytest.param(
        {"wants_to_learn": f"chatgpt, {LONG_TAG}"},
        "wants_to_learn",
        "under 40 characters",
        id="tag-over-40-characters",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID)
def test_join_with_invalid_input_shows_the_problem_by_its_field(
    client, app, smtp, changes, field, message
):
    data = join_data(**changes)
    response = client.post("/join", data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    error = field_error(page, field)
    assert error is not None, f"no error shown by {field!r}"
    assert message in error
    # What was typed stays in the form ...
    for name in TYPED:
        typed = data.get(name, "")
        if typed:
            assert input_value(page, name) == typed, name
            assert f'value="{escape(typed)}"' in page
    if changes.get("timezone"):
        assert input_value(page, "timezone") == changes["timezone"]
    # ... except the password, which is never sent back.
    assert input_value(page, "password") in ("", None)
    if data["password"] not in [v for k, v in data.items() if k != "password"]:
        assert data["password"] not in page
    # Nothing is written and nothing is sent.
    assert count_members(app) == 0
    assert smtp.messages == []


def test_join_page_says_how_long_a_password_must_be(client):
    page = client.get("/join").get_data(as_text=True)
    assert "At least 15 characters: a phrase of a few words works well" in page


# --- password rules -------------------------------------------------------------------

ACCEPTED_PASSWORDS = {
    "15-characters": "seven red kites",
    "64-characters": ("monsoon clouds over the western ghats bring " * 3)[:63] + "z",
    "128-characters": ("a slow train from pune to mumbai in the rain " * 4)[:127] + "q",
    "emoji-and-devanagari": "मेरा पासवर्ड बहुत लंबा है 🙂",
}


def test_accepted_passwords_have_the_lengths_their_names_say():
    assert len(ACCEPTED_PASSWORDS["15-characters"]) == 15
    assert len(ACCEPTED_PASSWORDS["64-characters"]) == 64
    assert len(ACCEPTED_PASSWORDS["128-characters"]) == 128


@pytest.mark.parametrize("password", ACCEPTED_PASSWORDS.values(), ids=ACCEPTED_PASSWORDS.keys())
def test_join_accepts_the_password_and_then_signs_in_with_it(app, password):
    response = app.test_client().post(
        "/join", data=join_data(email="ravi@example.com", password=password)
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert verify_password(only_member(app).password_hash, password)

    sign_in(app.test_client(), "ravi@example.com", password)

    response = app.test_client().post(
        "/login", data={"email": "ravi@example.com", "password": password[:-1]}
    )
    assert response.status_code == 422


# --- htmx -----------------------------------------------------------------------------


def test_join_with_htmx_and_invalid_input_answers_with_only_the_form(client, app):
    response = client.post("/join", data=join_data(name=""), headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="join-form"' in page
    assert "<html" not in page
    assert field_error(page, "name") == "Please tell us your name."
    assert "HX-Request" in response.headers["Vary"]
    assert count_members(app) == 0


def test_join_with_htmx_and_valid_input_redirects_with_hx_redirect(client, app):
    response = client.post("/join", data=join_data(), headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/join/welcome"
    assert "HX-Request" in response.headers["Vary"]
    assert count_members(app) == 1


def test_join_page_and_fragment_both_vary_on_hx_request(client):
    for headers in ({}, HTMX):
        response = client.get("/join", headers=headers)
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in client.get("/join", headers=HTMX).get_data(as_text=True)
    response = client.post("/join", data=join_data())
    assert response.status_code == 303
    assert "HX-Request" in response.headers["Vary"]


# --- abuse: the honeypot and enumeration ----------------------------------------------


def test_join_with_the_honeypot_filled_pretends_success_but_keeps_nothing(client, app, smtp):
    response = client.post("/join", data=join_data(website="http://cheap-pills.example"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/join/welcome"
    assert count_members(app) == 0
    assert smtp.messages == []


def test_join_with_a_registered_email_in_another_case_answers_like_a_new_join(
    client, app, smtp, make_member
):
    make_member(email="asha@example.com")
    smtp.messages.clear()

    new = app.test_client().post("/join", data=join_data(email="ravi@example.com"))
    smtp.messages.clear()
    again = client.post("/join", data=join_data(email="ASHA@Example.COM", name="Not Asha"))

    assert again.status_code == new.status_code == 303
    assert again.headers["Location"] == new.headers["Location"] == "/join/welcome"
    assert again.get_data() == new.get_data()
    with app.app_context():
        owners = db.session.scalars(
            sa.select(Member).where(Member.email_key == "asha@example.com")
        ).all()
        assert [m.name for m in owners] == ["Asha Kulkarni"]
    assert count_members(app) == 2

    warning = smtp.last("asha@example.com")
    assert warning["Subject"] == "Someone tried to join with your email address"
    assert [m["Subject"] for m in smtp.messages] == [
        "Someone tried to join with your email address"
    ]
    assert smtp.to("ASHA@Example.COM") == []


def test_check_email_shows_an_error_for_a_malformed_address(client):
    response = client.get("/join/check-email?email=not-an-address")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="email-field"' in page
    assert "<html" not in page
    assert "doesn't look like an email" in field_error(page, "email")
    assert input_value(page, "email") == "not-an-address"


def test_check_email_shows_no_error_for_a_good_address(client):
    page = client.get("/join/check-email?email=someone@example.com").get_data(as_text=True)
    assert 'id="email-field"' in page
    assert field_error(page, "email") is None
    assert "field-invalid" not in page


def test_check_email_answers_the_same_for_registered_and_unregistered_addresses(
    client, make_member
):
    before = client.get("/join/check-email?email=asha@example.com")
    other = client.get("/join/check-email?email=zubin@example.com")
    make_member(email="asha@example.com")
    after = client.get("/join/check-email?email=asha@example.com")

    assert after.status_code == before.status_code == other.status_code == 200
    assert after.get_data() == before.get_data()
    assert other.get_data(as_text=True).replace("zubin@", "asha@") == after.get_data(as_text=True)


# --- mail that fails, or has nowhere to go --------------------------------------------


def test_join_when_the_mail_server_is_down_keeps_the_member_and_the_mail_leaves_later(
    app, smtp, migrated, caplog
):
    caplog.set_level(logging.DEBUG, logger="portal")
    broken = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())

    response = broken.test_client().post("/join", data=join_data())

    assert response.status_code == 303
    assert response.headers["Location"] == "/join/welcome"
    member = only_member(app)
    assert member.email == "meera@example.com"
    # The worker meets the dead server: the mail waits for another try.
    assert "0 sent, 1 to retry" in mail_send(broken)
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.kind) == ("retrying", 1, "verify")
    assert "ConnectionRefusedError" in row.last_error
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(r.name == "portal.mail" and "will retry" in r.getMessage() for r in warnings)

    # The server is back and the backoff has passed: the mail leaves once, and works.
    make_due(app)
    link = smtp.link("meera@example.com", "/verify/")
    assert len(smtp.to("meera@example.com")) == 1
    assert outbox_rows(app)[0].status == "sent"
    client = app.test_client()
    assert client.post(link).status_code == 303
    assert only_member(app).is_verified
    assert len(smtp.to("meera@example.com")) == 1  # never twice
    for secret in (PASSWORD, token_of(link), "/verify/"):
        assert secret not in caplog.text
    assert not TOKEN_SHAPE.search(caplog.text)


def test_join_without_a_mail_server_writes_the_mail_to_the_outbox(app, migrated, caplog):
    caplog.set_level(logging.DEBUG, logger="portal")
    no_server = make_app(migrated, MAIL_SERVER=None)
    outbox = Path(no_server.instance_path) / "outbox"
    outbox_existed = outbox.exists()
    before = set(outbox.glob("*.eml")) if outbox_existed else set()
    local = f"outbox-{secrets.token_hex(4)}"
    address = f"{local}@example.com"
    created: list[Path] = []
    try:
        response = no_server.test_client().post("/join", data=join_data(email=address))
        assert response.status_code == 303
        assert not [p for p in set(outbox.glob("*.eml")) - before if local in p.name]

        assert "1 sent" in mail_send(no_server)  # the worker's path, to a file
        created = [p for p in set(outbox.glob("*.eml")) - before if local in p.name]
        assert len(created) == 1, created
        path = created[0]
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        assert message["To"] == address
        body = message.get_content()
        links = re.findall(r"https?://\S+/verify/\S+", body)
        assert len(links) == 1, body
        token = token_of(links[0])

        assert path.name in caplog.text
        assert token not in caplog.text
        assert "/verify/" not in caplog.text
        assert PASSWORD not in caplog.text
    finally:
        for path in created:
            path.unlink(missing_ok=True)
        if not outbox_existed:
            with contextlib.suppress(OSError):  # someone else's mail may be in it now
                outbox.rmdir()


def test_logs_never_contain_a_password_or_a_token(client, app, smtp, caplog):
    # The test SMTP server (aiosmtpd) logs every line it receives at DEBUG: that is the
    # test's mail sink, not the portal, so it is left out. (Set first: set_level also
    # sets the capturing handler's level, and the last call wins.)
    caplog.set_level(logging.WARNING, logger="mail.log")
    caplog.set_level(logging.DEBUG)
    new_password = "a brand new phrase for the reset"
    secrets_seen = [PASSWORD, new_password]

    assert client.post("/join", data=join_data()).status_code == 303
    verify = smtp.link("meera@example.com", "/verify/")
    secrets_seen.append(token_of(verify))
    assert client.get(verify).status_code == 200
    assert client.post(verify).status_code == 303
    assert only_member(app).email_verified_at is not None

    other = app.test_client()
    assert other.post("/reset", data={"email": "meera@example.com"}).status_code == 200
    reset = smtp.link("meera@example.com", "/reset/")
    secrets_seen.append(token_of(reset))
    assert other.get(reset).status_code == 200
    assert other.post(reset, data={"password": new_password}).status_code == 303
    sign_in(app.test_client(), "meera@example.com", new_password)

    assert other.post("/login/link", data={"email": "meera@example.com"}).status_code == 200
    sign_in_link = smtp.link("meera@example.com", "/login/link/")
    secrets_seen.append(token_of(sign_in_link))
    assert other.post(sign_in_link).status_code == 303
    failed = app.test_client().post(
        "/login", data={"email": "meera@example.com", "password": "wrong but long password"}
    )
    assert failed.status_code == 422
    secrets_seen.append("wrong but long password")

    assert caplog.records, "the flow should have logged something"
    for secret in secrets_seen:
        assert secret not in caplog.text
    assert not TOKEN_SHAPE.search(caplog.text), caplog.text


# --- concurrency ----------------------------------------------------------------------


def _spelling(n: int, base: str = "same@example.com") -> str:
    """The n-th mix of upper and lower case letters in `base`."""
    letters = [i for i, c in enumerate(base) if c.isalpha()]
    upper = {letters[bit] for bit in range(len(letters)) if (n >> bit) & 1}
    return "".join(c.upper() if i in upper else c for i, c in enumerate(base))


SAME_EMAILS = [_spelling(n) for n in range(1, 21)]


def test_same_email_spellings_are_twenty_different_strings():
    assert len(set(SAME_EMAILS)) == 20
    assert {e.lower() for e in SAME_EMAILS} == {"same@example.com"}


def test_twenty_simultaneous_joins_with_one_email_make_one_account(app, smtp, migrated):
    live = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    barrier = threading.Barrier(len(SAME_EMAILS))
    answers: list = []
    errors: list = []

    def join_as(email: str, port: int) -> None:
        body = urlencode(join_data(email=email))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            barrier.wait(timeout=30)
            connection.request(
                "POST",
                "/join",
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.getheader("Location")))
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    with LiveServer(live) as server:
        port = urlsplit(server.url).port
        threads = [threading.Thread(target=join_as, args=(e, port)) for e in SAME_EMAILS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

    assert errors == []
    assert len(answers) == 20
    assert {status for status, _ in answers} == {303}
    assert {urlsplit(location).path for _, location in answers} == {"/join/welcome"}
    rows = members(app)
    assert len(rows) == 1
    assert rows[0].email_key == "same@example.com"
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects.count("Please confirm your email address") == 1
    # One note to the address's owner, not nineteen (at most one an hour).
    assert subjects.count("Someone tried to join with your email address") == 1


def test_twenty_simultaneous_service_joins_with_one_email_make_one_account(app):
    barrier = threading.Barrier(len(SAME_EMAILS))
    created: list[int] = []
    found: list[int] = []
    errors: list = []

    def join_as(email: str) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                result = services.join(
                    name="Same Person",
                    email=email,
                    password=PASSWORD,
                    role="junior",
                    can_teach=["chatgpt"],
                    wants_to_learn=[],
                )
                if result.member:
                    created.append(result.member.id)
                else:
                    found.append(result.existing.id)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=join_as, args=(e,)) for e in SAME_EMAILS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert errors == []
    assert len(created) == 1
    assert len(found) == 19
    assert set(found) == set(created)
    assert count_members(app) == 1


# --- names (issue 11, item 12) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Ravi\u202e reversed", "Ravi reversed"),  # a bidi override: gone
        ("Ra\u200bvi\u200d Iyer", "Ravi Iyer"),  # zero-width characters: gone
        ("\uff32\uff41\uff56\uff49  Iyer", "Ravi Iyer"),  # full-width letters, two spaces
    ],
)
def test_a_name_is_cleaned_before_it_is_kept(app, client, typed, kept):
    assert client.post("/join", data=join_data(name=typed)).status_code == 303
    assert only_member(app).name == kept


@pytest.mark.parametrize("name", ["a former member", "A Former\u200b Member", "Admin"])
def test_a_name_the_portal_uses_is_refused_and_the_form_kept(app, client, name):
    response = client.post("/join", data=join_data(name=name))
    assert response.status_code == 422
    assert "one the portal uses itself" in field_error(response.get_data(as_text=True), "name")
    assert "meera@example.com" in response.get_data(as_text=True)


def test_a_devanagari_name_makes_a_readable_handle(app, client):
    assert client.post("/join", data=join_data(name="अनुराग शर्मा")).status_code == 303
    handle = only_member(app).handle
    assert handle.startswith("अनुराग-शर्मा-")
    assert client.get(f"/members/{handle}").status_code == 200
