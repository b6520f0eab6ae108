"""What a pairing leaves behind, written as the specification reads (SPEC.md §2 and §4;
SECURITY.md "Data"): the participation record on a profile and who may see it, the
junior's public taught-upward page, one-click unsubscribe from each kind of notice
email, the data export, leaving the club in the middle of a pairing, and the step of
migration 0004 that gives old pairings their first quarter.

The history behind most tests is built the way members build it: pairings begin
through the board's services, and everything after that goes through the pairing
page's forms (plain POSTs, 303)."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.board.models import Answer
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.notifications import services as notifications
from portal.notifications.models import NOTICES, Notification
from portal.pairings.models import Pairing, PairingStatus
from portal.pairings.record import Record, participation

from .factories import make_pairing, make_request
from .helpers import (
    ANSWER,
    FOURTH,
    HTMX,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    assert_sent_to_login,
    checkbox,
    client_for,
    handle_of,
    make_admin,
    make_app,
    moved,
    pairing_row,
    sign_in,
    text,
    today_for,
)

SITE = "http://portal.test"

END_REASON = "We did what we set out to do: two tools, both well used. marker-end-reason"
LEFT = "One of you left the club."
PRIVATE = "keeps their participation record private"

# Every number the record shows, by the label the profile gives it.
RECORD_LABELS = (
    "Pairings started",
    "Pairings completed",
    "Quarters completed",
    "Sessions logged",
    "Tools learned",
    "Tools taught",
)


# --- helpers ------------------------------------------------------------------------


def mark(who: str, what: str, quarter: int = 1) -> str:
    """A string nobody would type twice: its presence or absence is unambiguous."""
    return f"marker-{who}-{what}-q{quarter}"


def log_session(client, pairing_id: int, who: str, quarter: int, n: int = 1) -> None:
    moved(
        client.post(
            f"/pairings/{pairing_id}/sessions",
            data={
                "held_on": today_for().isoformat(),
                "agenda_item": "",
                "covered": mark(who, f"covered{n}", quarter),
                "notes": mark(who, f"notes{n}", quarter),
            },
        )
    )


def reflect(client, pairing_id: int, who: str, quarter: int) -> None:
    moved(
        client.post(
            f"/pairings/{pairing_id}/reflection",
            data={
                "learned": mark(who, "learned", quarter),
                "taught": mark(who, "taught", quarter),
                "next_quarter": mark(who, "next", quarter),
                "finish_early": "y",
            },
        )
    )


def set_goal(client, pairing_id: int, side: str, who: str, quarter: int) -> None:
    moved(
        client.post(
            f"/pairings/{pairing_id}/goals/{side}", data={"goal": mark(who, "goal", quarter)}
        )
    )


def send_message(client, pairing_id: int, who: str, n: int = 1) -> None:
    moved(client.post(f"/pairings/{pairing_id}/messages", data={"body": mark(who, f"message{n}")}))


def share(client, pairing_id: int, agree: bool = True) -> None:
    moved(client.post(f"/pairings/{pairing_id}/sharing", data={"shares": "y"} if agree else {}))


def member_of(app, member_id: int) -> dict:
    with app.app_context():
        member = db.session.get(Member, member_id)
        return {
            "handle": member.handle,
            "name": member.name,
            "notify": dict(member.notify or {}),
            "wants": {kind: member.wants_notice(kind) for kind in NOTICES},
            "record_public": member.record_public,
            "deleted_at": member.deleted_at,
        }


def record_of(app, member_id: int) -> Record:
    with app.app_context():
        return participation(db.session.get(Member, member_id))


def record_on_page(page: str) -> dict[str, str] | None:
    """The participation record as the profile shows it: {label: value}, or None."""
    found = re.search(r'<dl class="facts record">(.*?)</dl>', page, re.S)
    if not found:
        return None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(1), re.S)
    return {label: html.unescape(re.sub(r"<[^>]+>", "", value)).strip() for label, value in pairs}


def shows_no_numbers(page: str) -> bool:
    return record_on_page(page) is None and not any(label in page for label in RECORD_LABELS)


def cards(page: str) -> list[str]:
    """The taught-upward page's quarters, as plain text, in the order shown."""
    found = re.findall(r'<li class="card">(.*?)</li>', page, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]


def notification_count(app, member_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(Notification.member_id == member_id)
        )


def read_all(app, member_id: int) -> None:
    with app.app_context():
        notifications.mark_read(db.session.get(Member, member_id))


def stop_link(mail) -> str:
    found = re.findall(r"^Stop emails like this one: (\S+)\s*$", mail.get_content(), re.M)
    assert len(found) == 1, mail.get_content()
    return found[0]


def unsubscribe_link(app, member_id: int, kind: str) -> str:
    from portal.notifications.email import unsubscribe_url

    with app.test_request_context():
        return unsubscribe_url(db.session.get(Member, member_id), kind)


@pytest.fixture
def people(app, make_member):
    """A senior who wants to learn, a junior who can teach, and two more members (as
    conftest's `people`, but here Meera teaches Notion AI)."""
    return {
        "senior": make_member(email=SENIOR, name="Asha Kulkarni", role="senior"),
        "junior": make_member(
            email=JUNIOR, name="Ravi Iyer", role="junior", can_teach=["chatgpt"], wants_to_learn=[]
        ),
        "third": make_member(
            email=THIRD,
            name="Meera Nair",
            role="junior",
            can_teach=["notion ai"],
            wants_to_learn=[],
        ),
        "fourth": make_member(
            email=FOURTH, name="Kiran Rao", role="junior", can_teach=["excel"], wants_to_learn=[]
        ),
    }


@pytest.fixture
def csrf_app(migrated, smtp):
    """The same database, as an app that checks CSRF tokens (as in production)."""
    return make_app(migrated, WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)


@pytest.fixture
def history(app, people):
    """Two pairings, as members would have lived them.

    Asha (senior) and Ravi (junior): quarter 1 on ChatGPT (two sessions, one logged by
    each), renewed for quarter 2 on Claude (one session), both quarters reflected on by
    both, then ended by Asha: *completed*. Goals and messages on both sides.

    Meera offered to teach Notion AI and Asha answered: Asha is the senior, Meera the
    junior. One session; only Asha has reflected, so quarter 1 is still open and the
    pairing is *active*."""
    asha, ravi, meera = (client_for(app, e) for e in (SENIOR, JUNIOR, THIRD))

    first = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
    set_goal(asha, first, "senior", "asha", 1)
    set_goal(ravi, first, "junior", "ravi", 1)
    log_session(ravi, first, "ravi", 1)
    log_session(asha, first, "asha", 1)
    send_message(asha, first, "asha")
    send_message(ravi, first, "ravi")
    reflect(ravi, first, "ravi", 1)
    reflect(asha, first, "asha", 1)
    moved(asha.post(f"/pairings/{first}/renew", data={"tool": "Claude"}))
    set_goal(asha, first, "senior", "asha", 2)
    set_goal(ravi, first, "junior", "ravi", 2)
    log_session(asha, first, "asha", 2)
    reflect(asha, first, "asha", 2)
    reflect(ravi, first, "ravi", 2)
    moved(asha.post(f"/pairings/{first}/end", data={"reason": END_REASON}))

    second = make_pairing(app, people["senior"], people["third"], "Notion AI", kind="offering")
    set_goal(meera, second, "junior", "meera", 1)
    log_session(meera, second, "meera", 1)
    send_message(meera, second, "meera")
    reflect(asha, second, "asha", 1)

    assert pairing_row(app, first)["status"] is PairingStatus.COMPLETED
    assert pairing_row(app, second)["status"] is PairingStatus.ACTIVE
    return {"first": first, "second": second, "asha": asha, "ravi": ravi, "meera": meera}


# --- the participation record ----------------------------------------------------------


def test_the_record_counts_pairings_quarters_sessions_and_tools(app, people, history):
    assert record_of(app, people["senior"]) == Record(
        started=2,
        completed=1,
        active=1,
        quarters_completed=2,
        sessions_logged=4,
        tools_learned=["ChatGPT", "Claude"],
        tools_taught=[],
    )
    assert record_of(app, people["junior"]) == Record(
        started=1,
        completed=1,
        active=0,
        quarters_completed=2,
        sessions_logged=3,
        tools_learned=[],
        tools_taught=["ChatGPT", "Claude"],
    )
    # Meera's quarter is open (only Asha reflected): it counts nowhere yet.
    assert record_of(app, people["third"]) == Record(
        started=1, completed=0, active=1, quarters_completed=0, sessions_logged=1
    )
    assert record_of(app, people["fourth"]) == Record()


def test_the_profile_shows_the_exact_numbers_in_participation(app, people, history):
    page = text(history["asha"].get(f"/members/{handle_of(app, people['senior'])}"))
    assert 'id="participation"' in page
    assert record_on_page(page) == {
        "Pairings started": "2 (1 running now)",
        "Pairings completed": "1",
        "Quarters completed": "2",
        "Sessions logged": "4",
        "Tools learned": "ChatGPT, Claude",
    }

    ravi = handle_of(app, people["junior"])
    page = text(history["ravi"].get(f"/members/{ravi}"))
    assert record_on_page(page) == {
        "Pairings started": "1",
        "Pairings completed": "1",
        "Quarters completed": "2",
        "Sessions logged": "3",
        "Tools taught": "ChatGPT, Claude (taught upward)",
    }
    assert f'href="/members/{ravi}/taught-upward"' in page

    page = text(history["meera"].get(f"/members/{handle_of(app, people['third'])}"))
    assert record_on_page(page) == {
        "Pairings started": "1 (1 running now)",
        "Pairings completed": "0",
        "Quarters completed": "0",
        "Sessions logged": "1",
    }


def test_a_pairing_ended_with_an_open_quarter_counts_as_started_not_completed(app, people, history):
    moved(history["meera"].post(f"/pairings/{history['second']}/end", data={"reason": "Moving"}))
    assert pairing_row(app, history["second"])["status"] is PairingStatus.ENDED
    record = record_of(app, people["senior"])
    assert (record.started, record.completed, record.active) == (2, 1, 0)
    assert record.quarters_completed == 2
    page = text(history["asha"].get(f"/members/{handle_of(app, people['senior'])}"))
    assert record_on_page(page)["Pairings started"] == "2"
    assert record_on_page(page)["Pairings completed"] == "1"


def test_a_member_without_pairings_has_an_empty_record(app, client, people):
    sign_in(client, FOURTH)
    page = text(client.get(f"/members/{handle_of(app, people['fourth'])}"))
    assert "No pairings yet." in page
    assert record_on_page(page) is None


# --- who sees the record -----------------------------------------------------------------


def test_the_record_is_private_by_default(app, client, people, history):
    handle = handle_of(app, people["senior"])
    assert member_of(app, people["senior"])["record_public"] is False

    anonymous = text(client.get(f"/members/{handle}"))
    assert f"Asha Kulkarni {PRIVATE}" in anonymous
    assert shows_no_numbers(anonymous)
    assert "/account/record" not in anonymous

    other = text(client_for(app, FOURTH).get(f"/members/{handle}"))
    assert PRIVATE in other
    assert shows_no_numbers(other)
    assert "/account/record" not in other

    # Not even the partner: the record is Asha's, not the pairing's.
    partner = text(history["ravi"].get(f"/members/{handle}"))
    assert PRIVATE in partner
    assert shows_no_numbers(partner)


def test_the_owner_sees_their_private_record_and_the_button_to_publish_it(app, people, history):
    page = text(history["asha"].get(f"/members/{handle_of(app, people['senior'])}"))
    assert PRIVATE not in page
    assert record_on_page(page)["Sessions logged"] == "4"
    form = re.search(r'<form[^>]*action="/account/record".*?</form>', page, re.S)
    assert form, page
    assert re.search(r'name="public" value="y"', form.group(0))
    assert "Show my record on my profile" in form.group(0)
    assert "only you and the club's admins see it" in page


def test_an_admin_always_sees_the_record_with_a_hint_that_it_is_private(app, people, history):
    make_admin(app, people["fourth"])
    admin = client_for(app, FOURTH)
    handle = handle_of(app, people["senior"])
    page = text(admin.get(f"/members/{handle}"))
    assert record_on_page(page)["Pairings started"] == "2 (1 running now)"
    assert "You see this record as an admin; Asha Kulkarni keeps it private." in page
    assert "/account/record" not in page  # the switch is the owner's alone

    moved(history["asha"].post("/account/record", data={"public": "y"}))
    page = text(admin.get(f"/members/{handle}"))
    assert record_on_page(page)["Pairings started"] == "2 (1 running now)"
    assert "as an admin" not in page


def test_the_owner_makes_the_record_public_and_private_again(app, client, people, history):
    asha = history["asha"]
    handle = handle_of(app, people["senior"])

    response = asha.post("/account/record", data={"public": "y"})
    moved(response)
    assert response.headers["Location"] == f"/members/{handle}#participation"
    assert member_of(app, people["senior"])["record_public"] is True
    page = text(asha.get(response.headers["Location"]))
    assert "Your participation record is now on your public profile." in page
    assert "Make my record private" in page

    anonymous = text(client.get(f"/members/{handle}"))
    assert PRIVATE not in anonymous
    assert record_on_page(anonymous) == {
        "Pairings started": "2 (1 running now)",
        "Pairings completed": "1",
        "Quarters completed": "2",
        "Sessions logged": "4",
        "Tools learned": "ChatGPT, Claude",
    }
    assert "/account/record" not in anonymous

    moved(asha.post("/account/record", data={}))
    assert member_of(app, people["senior"])["record_public"] is False
    anonymous = text(client.get(f"/members/{handle}"))
    assert PRIVATE in anonymous
    assert shows_no_numbers(anonymous)


def test_the_record_switch_changes_only_the_signed_in_members_record(app, client, people, history):
    # Extra fields naming someone else are ignored: the switch is always one's own.
    moved(
        history["asha"].post("/account/record", data={"public": "y", "member_id": people["junior"]})
    )
    assert member_of(app, people["senior"])["record_public"] is True
    assert member_of(app, people["junior"])["record_public"] is False


def test_an_anonymous_visitor_cannot_switch_a_record(app, client, people, history):
    assert_sent_to_login(client.post("/account/record", data={"public": "y"}), None)
    refused = client.post("/account/record", data={"public": "y"}, headers=HTMX)
    assert refused.status_code == 401
    assert urlsplit(refused.headers["HX-Redirect"]).path == "/login"
    assert member_of(app, people["senior"])["record_public"] is False


# --- the taught-upward page ------------------------------------------------------------


def test_the_taught_upward_page_is_public_and_empty_without_consent(app, client, people, history):
    response = client.get(f"/members/{handle_of(app, people['junior'])}/taught-upward")
    assert response.status_code == 200
    page = text(response)
    assert "Ravi Iyer taught upward" in page
    assert "Nothing to show here yet." in page
    assert cards(page) == []


@pytest.mark.parametrize("who", ["junior", "senior"])
def test_one_sides_consent_alone_shows_nothing(app, client, people, history, who):
    share(history["ravi" if who == "junior" else "asha"], history["first"])
    with app.app_context():
        found = db.session.get(Pairing, history["first"])
        assert (found.junior_shares, found.senior_shares) == (who == "junior", who == "senior")
    page = text(client.get(f"/members/{handle_of(app, people['junior'])}/taught-upward"))
    assert "Nothing to show here yet." in page
    assert cards(page) == []
    assert "ChatGPT" not in page and "Asha" not in page


def test_with_both_agreeing_the_completed_quarters_are_shown(app, client, people, history):
    # Consent can be given after the pairing has ended: its page stays a record.
    share(history["ravi"], history["first"])
    share(history["asha"], history["first"])
    page = text(client.get(f"/members/{handle_of(app, people['junior'])}/taught-upward"))
    assert "Nothing to show here yet." not in page
    assert "Ravi Iyer has taught 2 tools to senior professionals, over 2 completed quarters" in page
    month = utcnow().strftime("%B %Y")
    assert cards(page) == [
        f"Claude , with Asha Kulkarni Quarter 2 of their pairing · completed {month} · 1 session",
        f"ChatGPT , with Asha Kulkarni Quarter 1 of their pairing · completed {month} · 2 sessions",
    ]


def test_the_page_never_shows_goals_notes_reflections_or_messages(app, client, people, history):
    share(history["ravi"], history["first"])
    share(history["asha"], history["first"])
    page = text(client.get(f"/members/{handle_of(app, people['junior'])}/taught-upward"))
    assert len(cards(page)) == 2
    assert "marker-" not in page, re.findall(r"marker-[\w-]+", page)
    assert "marker-end-reason" not in page


def test_an_incomplete_quarter_is_never_shown(app, client, people, history):
    share(history["meera"], history["second"])
    share(history["asha"], history["second"])
    page = text(client.get(f"/members/{handle_of(app, people['third'])}/taught-upward"))
    assert cards(page) == []
    assert "Notion AI" not in page

    # Renewing starts quarter 2: shown are quarter 1 (complete), not quarter 2 (open).
    reflect(history["meera"], history["second"], "meera", 1)
    moved(history["asha"].post(f"/pairings/{history['second']}/renew", data={"tool": "Gemini"}))
    page = text(client.get(f"/members/{handle_of(app, people['third'])}/taught-upward"))
    month = utcnow().strftime("%B %Y")
    assert cards(page) == [
        f"Notion AI , with Asha Kulkarni Quarter 1 of their pairing · completed {month} · 1 session"
    ]
    assert "Gemini" not in page


def test_stopping_consent_takes_the_pairing_off_the_page(app, client, people, history):
    share(history["ravi"], history["first"])
    share(history["asha"], history["first"])
    url = f"/members/{handle_of(app, people['junior'])}/taught-upward"
    assert len(cards(text(client.get(url)))) == 2
    share(history["asha"], history["first"], agree=False)
    assert cards(text(client.get(url))) == []


def test_sharing_over_htmx_answers_the_sharing_section(app, people, history):
    response = history["ravi"].post(
        f"/pairings/{history['first']}/sharing", data={"shares": "y"}, headers=HTMX
    )
    assert response.status_code == 200
    body = text(response)
    assert '<section id="sharing"' in body
    assert "<html" not in body
    assert "Ravi Iyer: agrees to show it" in body
    assert "Asha Kulkarni: has not agreed" in body


def test_the_page_of_an_unknown_or_deleted_member_is_not_found(app, client, people, history):
    assert client.get("/members/nobody-at-all/taught-upward").status_code == 404
    handle = handle_of(app, people["junior"])
    moved(history["ravi"].post("/account/delete", data={"delete-current_password": PASSWORD}))
    assert client.get(f"/members/{handle}/taught-upward").status_code == 404
    former = handle_of(app, people["junior"])
    assert former != handle
    assert client.get(f"/members/{former}/taught-upward").status_code == 404


def test_only_the_owner_sees_the_shareable_link(app, client, people, history):
    handle = handle_of(app, people["junior"])
    link = f"{SITE}/members/{handle}/taught-upward"
    owner = text(history["ravi"].get(f"/members/{handle}/taught-upward"))
    assert f'<a href="{link}">{link}</a>' in owner
    assert "This page is public: share its link" in owner
    for viewer in (client, history["asha"]):
        page = text(viewer.get(f"/members/{handle}/taught-upward"))
        assert "share its link" not in page
        assert f'<a href="{link}">' not in page  # (the canonical <link> names it too)


# --- one-click unsubscribe -------------------------------------------------------------------


def answer_over_http(app, email: str, request_id: int) -> int:
    moved(client_for(app, email).post(f"/requests/{request_id}/answers", data={"message": ANSWER}))
    with app.app_context():
        return db.session.scalar(
            sa.select(Answer.id)
            .join(Member, Member.id == Answer.author_id)
            .where(Answer.request_id == request_id, Member.email == email)
        )


def accept_over_http(app, email: str, request_id: int, answer_id: int) -> int:
    response = client_for(app, email).post(f"/requests/{request_id}/answers/{answer_id}/accept")
    moved(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


@dataclass
class Scenario:
    """How one kind of notice email reaches `recipient`, and how a second one would."""

    name: str
    kind: str
    recipient: str  # a key of `people`
    subject: str

    def start(self, app, people):
        return getattr(self, f"_start_{self.name}")(app, people)

    def _start_answered(self, app, people):
        request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
        answer_over_http(app, JUNIOR, request_id)
        return lambda: answer_over_http(app, FOURTH, request_id)

    def _start_accepted(self, app, people):
        request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
        accept_over_http(app, SENIOR, request_id, answer_over_http(app, JUNIOR, request_id))

        def again():
            other = make_request(app, people["fourth"], title="Teach me ChatGPT, please")
            accept_over_http(app, FOURTH, other, answer_over_http(app, JUNIOR, other))

        return again

    def _start_matched_elsewhere(self, app, people):
        request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
        chosen = answer_over_http(app, JUNIOR, request_id)
        answer_over_http(app, THIRD, request_id)
        accept_over_http(app, SENIOR, request_id, chosen)

        def again():
            other = make_request(app, people["fourth"], title="Teach me ChatGPT, please")
            chosen = answer_over_http(app, JUNIOR, other)
            answer_over_http(app, THIRD, other)
            accept_over_http(app, FOURTH, other, chosen)

        return again

    def _start_message(self, app, people):
        pairing_id = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
        ravi = client_for(app, JUNIOR)
        send_message(ravi, pairing_id, "ravi", 1)

        def again():
            read_all(app, people["senior"])  # else the first email stands for both
            send_message(ravi, pairing_id, "ravi", 2)

        return again

    def _start_reflection(self, app, people):
        pairing_id = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
        asha, ravi = client_for(app, SENIOR), client_for(app, JUNIOR)
        reflect(ravi, pairing_id, "ravi", 1)

        def again():
            reflect(asha, pairing_id, "asha", 1)
            moved(asha.post(f"/pairings/{pairing_id}/renew", data={"tool": "Claude"}))
            reflect(ravi, pairing_id, "ravi", 2)

        return again


SCENARIOS = [
    Scenario("answered", "answers", "senior", "A new answer to"),
    Scenario("accepted", "accepted", "junior", "was accepted"),
    Scenario("matched_elsewhere", "answers", "third", "found its match"),
    Scenario("message", "messages", "senior", "Ravi Iyer sent you a message"),
    Scenario("reflection", "reflections", "senior", "yours is waiting"),
]
EMAILS = {"senior": SENIOR, "junior": JUNIOR, "third": THIRD, "fourth": FOURTH}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_notice_email_carries_a_link_that_stops_its_kind_alone(
    app, csrf_app, people, smtp, scenario
):
    member_id, email = people[scenario.recipient], EMAILS[scenario.recipient]
    again = scenario.start(app, people)
    mail = smtp.last(email)
    assert scenario.subject in mail["Subject"]
    url = stop_link(mail)
    assert url.startswith(f"{SITE}/unsubscribe/")
    assert mail["List-Unsubscribe"] == f"<{url}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"All your email choices: {SITE}/account" in mail.get_content()
    path = urlsplit(url).path
    before = member_of(app, member_id)["notify"]

    # Opening the link (or a mail scanner opening it) changes nothing.
    opened = app.test_client().get(path)
    assert opened.status_code == 200
    page = html.unescape(text(opened))
    assert "Stop these emails?" in page
    assert str(NOTICES[scenario.kind]) in page
    assert re.search(rf'<form method="post" action="{re.escape(path)}">', page)
    assert member_of(app, member_id)["notify"] == before

    # The mail client's one-click POST: no session, no CSRF token, CSRF checked.
    response = csrf_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200, text(response)
    assert "You won't get these emails" in text(response)
    after = member_of(app, member_id)
    assert after["notify"][scenario.kind] is False
    assert after["wants"] == {kind: kind != scenario.kind for kind in NOTICES}

    # The next notice of that kind is seen on the site, and not emailed.
    sent, notes = len(smtp.to(email)), notification_count(app, member_id)
    again()
    assert notification_count(app, member_id) > notes
    assert len(smtp.to(email)) == sent, [m["Subject"] for m in smtp.to(email)[sent:]]


def test_csrf_is_really_checked_on_that_app(csrf_app):
    # The one-click POST above passes because the route is exempt, not because CSRF is off.
    client = csrf_app.test_client()
    refused = client.post("/login", data={"email": SENIOR, "password": PASSWORD})
    assert refused.status_code == 400


def test_other_kinds_keep_coming_after_one_is_stopped(app, csrf_app, people, smtp):
    pairing_id = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
    ravi = client_for(app, JUNIOR)
    send_message(ravi, pairing_id, "ravi", 1)
    path = urlsplit(stop_link(smtp.last(SENIOR))).path
    moved(csrf_app.test_client().post(path), 200)
    assert member_of(app, people["senior"])["wants"] == {k: k != "messages" for k in NOTICES}

    read_all(app, people["senior"])
    sent = len(smtp.to(SENIOR))
    send_message(ravi, pairing_id, "ravi", 2)
    assert len(smtp.to(SENIOR)) == sent

    reflect(ravi, pairing_id, "ravi", 1)
    assert len(smtp.to(SENIOR)) == sent + 1
    assert "yours is waiting" in smtp.last(SENIOR)["Subject"]
    assert "/unsubscribe/" in stop_link(smtp.last(SENIOR))
    assert stop_link(smtp.last(SENIOR)) != path

    # The account page shows the change.
    page = text(client_for(app, SENIOR).get("/account"))
    assert "checked" not in checkbox(page, "messages")
    for kind in ("answers", "accepted", "reflections", "digest"):
        assert "checked" in checkbox(page, kind)


@pytest.mark.parametrize("kind", list(NOTICES))
def test_a_link_turns_off_exactly_its_own_kind(app, csrf_app, people, kind):
    url = unsubscribe_link(app, people["senior"], kind)
    assert url.startswith(f"{SITE}/unsubscribe/")
    response = csrf_app.test_client().post(urlsplit(url).path)
    assert response.status_code == 200
    assert member_of(app, people["senior"])["wants"] == {k: k != kind for k in NOTICES}
    # Once done, opening the link again says so instead of offering the button again.
    again = text(app.test_client().get(urlsplit(url).path))
    assert "You won't get these emails" in again
    assert "Stop these emails</button>" not in again


def test_a_second_one_click_post_changes_nothing_more(app, csrf_app, people):
    path = urlsplit(unsubscribe_link(app, people["senior"], "digest")).path
    client = csrf_app.test_client()
    assert client.post(path).status_code == 200
    after = member_of(app, people["senior"])["notify"]
    assert client.post(path).status_code == 200
    assert member_of(app, people["senior"])["notify"] == after


def _tampered(member_id: int, token: str) -> list[str]:
    payload, rest = token.split(".", 1)
    other = json.dumps({"m": member_id, "k": "answers"}, separators=(",", ":")).encode()
    forged = base64.urlsafe_b64encode(other).decode().rstrip("=")
    assert forged != payload
    return [
        f"{forged}.{rest}",  # another kind under the same signature
        token[:-6],  # copied incompletely
        "this-is-not-a-token",
    ]


def test_a_tampered_or_garbage_link_is_refused_and_changes_nothing(app, csrf_app, people, smtp):
    pairing_id = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
    send_message(client_for(app, JUNIOR), pairing_id, "ravi")
    token = urlsplit(stop_link(smtp.last(SENIOR))).path.rsplit("/", 1)[1]
    before = member_of(app, people["senior"])["notify"]
    for bad in _tampered(people["senior"], token):
        for response in (
            app.test_client().get(f"/unsubscribe/{bad}"),
            csrf_app.test_client().post(f"/unsubscribe/{bad}"),
        ):
            assert response.status_code == 400, bad
            page = html.unescape(text(response))
            assert "That link didn't work" in page
            assert "This link is not valid. It may have been copied incompletely." in page
        assert member_of(app, people["senior"])["notify"] == before


def test_a_signed_link_for_an_unknown_kind_or_another_purpose_is_refused(app, csrf_app, people):
    from portal.members.tokens import make_token

    with app.test_request_context():
        unknown_kind = make_token("unsubscribe", {"m": people["senior"], "k": "pairings"})
        no_member = make_token("unsubscribe", {"m": 999_999, "k": "messages"})
        other_purpose = make_token("reset", {"m": people["senior"], "k": "messages"})
    for token in (unknown_kind, no_member, other_purpose):
        response = csrf_app.test_client().post(f"/unsubscribe/{token}")
        assert response.status_code == 400
        assert "This link is not valid" in html.unescape(text(response))
    assert member_of(app, people["senior"])["wants"] == dict.fromkeys(NOTICES, True)


def test_a_deleted_members_link_is_refused(app, csrf_app, people, smtp):
    pairing_id = make_pairing(app, people["senior"], people["junior"], "ChatGPT")
    send_message(client_for(app, JUNIOR), pairing_id, "ravi")
    path = urlsplit(stop_link(smtp.last(SENIOR))).path
    asha = client_for(app, SENIOR)
    moved(asha.post("/account/delete", data={"delete-current_password": PASSWORD}))
    before = member_of(app, people["senior"])["notify"]
    assert app.test_client().get(path).status_code == 400
    response = csrf_app.test_client().post(path)
    assert response.status_code == 400
    assert "This link is not valid any more." in html.unescape(text(response))
    assert member_of(app, people["senior"])["notify"] == before


def test_the_account_page_offers_the_seven_kinds_and_saves_them(app, client, people):
    sign_in(client, SENIOR)
    page = text(client.get("/account"))
    section = re.search(r'<section aria-labelledby="notices-title">.*?</section>', page, re.S)
    assert section and "Emails we send you" in section.group(0)
    names = re.findall(r'<input[^>]*type="checkbox"[^>]*name="(\w+)"', section.group(0))
    names += re.findall(r'<input[^>]*name="(\w+)"[^>]*type="checkbox"', section.group(0))
    assert sorted(set(names)) == sorted(
        ["answers", "accepted", "messages", "reflections", "reminders", "digest", "reports"]
    )
    for kind, label in NOTICES.items():
        assert "checked" in checkbox(page, kind)
        assert str(label) in html.unescape(section.group(0))

    moved(client.post("/account/notifications", data={"accepted": "y", "reflections": "y"}))
    assert member_of(app, people["senior"])["wants"] == {
        "answers": False,
        "accepted": True,
        "messages": False,
        "reflections": True,
        "reminders": False,
        "digest": False,
        "reports": False,
    }
    page = text(client.get("/account"))
    assert "Your email preferences are saved." in page
    for kind in NOTICES:
        assert ("checked" in checkbox(page, kind)) is (kind in ("accepted", "reflections"))


# --- the data export ---------------------------------------------------------------------------


def export_of(client) -> tuple[dict, str]:
    response = client.get("/account/export")
    assert response.status_code == 200
    body = text(response)
    return json.loads(body), body


def test_the_export_holds_the_members_own_pairing_rows(app, people, history):
    data, body = export_of(history["asha"])
    assert [p["id"] for p in data["pairings"]] == [history["second"], history["first"]]
    second, first = data["pairings"]

    assert first["role"] == "senior"
    assert first["status"] == "completed"
    assert first["end_reason"] == END_REASON
    assert first["agreed_to_show"] is False
    assert [(q["number"], q["tool"]) for q in first["quarters"]] == [(1, "ChatGPT"), (2, "Claude")]
    for number, quarter in enumerate(first["quarters"], start=1):
        assert quarter["my_goal"] == mark("asha", "goal", number)
        assert quarter["my_reflection"] == {
            "learned": mark("asha", "learned", number),
            "taught": mark("asha", "taught", number),
            "next_quarter": mark("asha", "next", number),
        }
        assert quarter["agenda"] == ["Show me", "Try it on my real work", "Teach it back"]
        assert quarter["completed_at"]
    assert sorted(e["notes"] for e in first["sessions_in_my_words"]) == [
        mark("asha", "notes1", 1),
        mark("asha", "notes1", 2),
    ]
    assert [m["body"] for m in first["my_messages"]] == [mark("asha", "message1")]

    assert second["role"] == "senior"
    assert second["status"] == "active"
    assert second["quarters"][0]["my_goal"] == ""
    assert second["quarters"][0]["my_reflection"]["learned"] == mark("asha", "learned", 1)
    assert second["sessions_in_my_words"] == []
    assert second["my_messages"] == []

    # Nothing the partners wrote: not their goals, notes, reflections or messages.
    foreign = sorted(set(re.findall(r"marker-(?:ravi|meera)-[\w-]+", body)))
    assert foreign == []


def test_the_partners_export_holds_theirs_and_none_of_the_others(app, people, history):
    data, body = export_of(history["ravi"])
    [first] = data["pairings"]
    assert first["role"] == "junior"
    assert first["end_reason"] == ""  # Asha wrote it
    assert [q["my_goal"] for q in first["quarters"]] == [
        mark("ravi", "goal", 1),
        mark("ravi", "goal", 2),
    ]
    assert [q["my_reflection"]["taught"] for q in first["quarters"]] == [
        mark("ravi", "taught", 1),
        mark("ravi", "taught", 2),
    ]
    assert [e["covered"] for e in first["sessions_in_my_words"]] == [mark("ravi", "covered1", 1)]
    assert [m["body"] for m in first["my_messages"]] == [mark("ravi", "message1")]
    assert re.findall(r"marker-(?:asha|meera)-[\w-]+", body) == []
    assert "marker-end-reason" not in body


# --- leaving the club ------------------------------------------------------------------------


def test_deleting_the_account_ends_active_pairings_and_keeps_the_record(app, people, history):
    asha, meera = history["asha"], history["meera"]
    moved(asha.post("/account/delete", data={"delete-current_password": PASSWORD}))
    assert member_of(app, people["senior"])["deleted_at"] is not None

    second = pairing_row(app, history["second"])
    assert second["status"] is PairingStatus.ENDED
    assert second["end_reason"] == LEFT
    assert second["ended_by_id"] == people["senior"]
    assert second["ended_at"] is not None
    # A pairing that had already ended keeps its own ending.
    first = pairing_row(app, history["first"])
    assert first["status"] is PairingStatus.COMPLETED
    assert first["end_reason"] == END_REASON

    response = meera.get(f"/pairings/{history['second']}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>a former member and Meera Nair</h1>" in page
    assert "This pairing has ended." in page
    assert f"Reason given: {LEFT}" in page
    assert "Asha" not in page
    assert mark("meera", "message1") in page  # what Meera wrote is still hers to read

    page = text(history["ravi"].get(f"/pairings/{history['first']}"))
    assert "<h1>a former member and Ravi Iyer</h1>" in page
    assert "Asha" not in page

    # The ended pairing changes no more, and counts as ended in Meera's record.
    log_refused = meera.post(
        f"/pairings/{history['second']}/sessions",
        data={
            "held_on": today_for().isoformat(),
            "agenda_item": "",
            "covered": "Alone",
            "notes": "",
        },
    )
    assert log_refused.status_code == 409
    assert record_of(app, people["third"]) == Record(
        started=1, completed=0, active=0, quarters_completed=0, sessions_logged=1
    )


def test_a_former_members_name_stays_off_the_taught_upward_page(app, client, people, history):
    share(history["ravi"], history["first"])
    share(history["asha"], history["first"])
    moved(history["asha"].post("/account/delete", data={"delete-current_password": PASSWORD}))
    page = text(client.get(f"/members/{handle_of(app, people['junior'])}/taught-upward"))
    assert "Asha" not in page


# --- migration 0004: old pairings get their first quarter ------------------------------------


def _throwaway_databases() -> list[str]:
    import os

    url = os.environ.get("DATABASE_URL", "")
    return ["sqlite", "postgresql"] if url.startswith("postgresql") else ["sqlite"]


@pytest.fixture
def throwaway_url(request, tmp_path):
    """An empty database of the run's kind that only this test uses."""
    import os

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate-0004.sqlite3'}"
        return
    url = sa.engine.make_url(
        os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    )
    name = f"{url.database}_m0004"
    assert "test" in name
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


MEMBERS_0003 = sa.table(
    "members",
    *(
        sa.column(name)
        for name in (
            "id",
            "handle",
            "name",
            "email",
            "email_key",
            "role",
            "organisation",
            "city",
            "language",
            "meeting_mode",
            "timezone",
            "consent_version",
            "consented_at",
            "adult_declared",
            "created_at",
            "password_changed_at",
            "is_admin",
        )
    ),
    sa.column("notify", sa.JSON),
)


def _member_0003(member_id: int, notify: dict) -> dict:
    now = datetime(2026, 10, 1, 9, 0)
    return {
        "id": member_id,
        "handle": f"member-{member_id}",
        "name": f"Member {member_id}",
        "email": f"m{member_id}@example.com",
        "email_key": f"m{member_id}@example.com",
        "role": "senior",
        "organisation": "",
        "city": "",
        "language": "en",
        "meeting_mode": "video",
        "timezone": "Asia/Kolkata",
        "notify": notify,
        "consent_version": "2026-09",
        "consented_at": now,
        "adult_declared": True,
        "created_at": now,
        "password_changed_at": now,
        "is_admin": False,
    }


@pytest.mark.parametrize("throwaway_url", _throwaway_databases(), indirect=True)
def test_migration_0004_gives_old_pairings_a_first_quarter_and_splits_notices(throwaway_url):
    from flask_migrate import upgrade

    from portal.pairings.template import TEMPLATE

    migrating = make_app(throwaway_url)
    started = datetime(2026, 11, 2, 10, 30)
    with migrating.app_context():
        upgrade(revision="0003_board")
        with db.engine.begin() as conn:
            conn.execute(
                MEMBERS_0003.insert(),
                [
                    _member_0003(1, {"pairings": False}),
                    _member_0003(2, {}),
                    _member_0003(3, {"pairings": False, "messages": True, "answers": True}),
                    _member_0003(4, {"pairings": True, "digest": False}),
                ],
            )
            tool_id = conn.execute(sa.text("SELECT id FROM tools WHERE key = 'claude'")).scalar()
            conn.execute(
                sa.text(
                    "INSERT INTO pairing_requests (id, author_id, kind, title, tool_id,"
                    " description, description_html, cadence, in_person, city, status,"
                    " answer_count, created_at, expires_at) VALUES (7, 1, 'seeking',"
                    " 'Teach me Claude', :tool, 'd', '<p>d</p>', 'One tool per quarter',"
                    " false, '', 'matched', 1, :at, :at)"
                ),
                {"tool": tool_id, "at": started},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO answers (id, request_id, author_id, message, status, created_at)"
                    " VALUES (8, 7, 2, 'Happy to help', 'accepted', :at)"
                ),
                {"at": started},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO pairings (id, request_id, answer_id, senior_id, junior_id,"
                    " tool_id, started_at) VALUES (9, 7, 8, 1, 2, :tool, :at)"
                ),
                {"tool": tool_id, "at": started},
            )
        db.session.remove()

        upgrade(revision="0004_pairings")

        with db.engine.connect() as conn:
            quarters = conn.execute(
                sa.text(
                    "SELECT id, pairing_id, number, tool_id, junior_goal, senior_goal,"
                    " started_at, completed_at FROM pairing_quarters"
                ).columns(started_at=sa.DateTime, completed_at=sa.DateTime)
            ).all()
            assert len(quarters) == 1
            quarter = quarters[0]
            assert (quarter.pairing_id, quarter.number, quarter.tool_id) == (9, 1, tool_id)
            assert (quarter.junior_goal, quarter.senior_goal) == ("", "")
            assert quarter.started_at == started
            assert quarter.completed_at is None
            items = conn.execute(
                sa.text(
                    "SELECT position, title, detail FROM agenda_items"
                    " WHERE quarter_id = :q ORDER BY position"
                ),
                {"q": quarter.id},
            ).all()
            assert [tuple(row) for row in items] == [
                (position, str(title), str(detail))
                for position, (title, detail) in enumerate(TEMPLATE, start=1)
            ]
            assert [row[1] for row in items] == [
                "Show me",
                "Try it on my real work",
                "Teach it back",
            ]
            pairing = conn.execute(
                sa.text("SELECT status, end_reason, senior_shares, junior_shares FROM pairings")
            ).one()
            assert (pairing.status, pairing.end_reason) == ("active", "")
            assert not pairing.senior_shares and not pairing.junior_shares
            notify = dict(conn.execute(sa.select(MEMBERS_0003.c.id, MEMBERS_0003.c.notify)).all())
        db.session.remove()
        db.engine.dispose()

    assert notify[1] == {"accepted": False, "messages": False, "reflections": False}
    assert notify[2] == {}
    # A finer choice made earlier is kept; the old switch fills in the rest.
    assert notify[3] == {"accepted": False, "messages": True, "reflections": False, "answers": True}
    assert notify[4] == {"accepted": True, "messages": True, "reflections": True, "digest": False}


KEPT_0003 = (
    "members",
    "member_tags",
    "member_sessions",
    "pairing_requests",
    "request_tags",
    "answers",
    "notifications",
)


def _row_counts(conn) -> dict[str, int]:
    return {
        table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        for table in KEPT_0003
    }


@pytest.mark.parametrize("throwaway_url", _throwaway_databases(), indirect=True)
def test_migration_0004_keeps_every_row_that_points_at_a_member(throwaway_url):
    """Adding the record switch to `members` may rebuild the table (SQLite's batch
    mode): the tags, sign-ins, requests, answers and notifications that point at a
    member must all come through."""
    from flask_migrate import upgrade

    migrating = make_app(throwaway_url)
    now = datetime(2026, 11, 2, 10, 30)
    with migrating.app_context():
        upgrade(revision="0003_board")
        with db.engine.begin() as conn:
            conn.execute(MEMBERS_0003.insert(), [_member_0003(1, {}), _member_0003(2, {})])
            conn.execute(
                sa.text(
                    "INSERT INTO member_tags (member_id, kind, tag) VALUES"
                    " (1, 'learn', 'chatgpt'), (2, 'teach', 'chatgpt')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO member_sessions (id, token_hash, member_id, created_at,"
                    " expires_at, remember, user_agent) VALUES (1, :hash, 1, :at, :at, false,"
                    " 'Firefox')"
                ),
                {"hash": "a" * 64, "at": now},
            )
            tool_id = conn.execute(sa.text("SELECT id FROM tools WHERE key = 'chatgpt'")).scalar()
            conn.execute(
                sa.text(
                    "INSERT INTO pairing_requests (id, author_id, kind, title, tool_id,"
                    " description, description_html, cadence, in_person, city, status,"
                    " answer_count, created_at, expires_at) VALUES (7, 1, 'seeking',"
                    " 'Teach me ChatGPT', :tool, 'd', '<p>d</p>', 'One tool per quarter',"
                    " false, '', 'open', 1, :at, :at)"
                ),
                {"tool": tool_id, "at": now},
            )
            conn.execute(sa.text("INSERT INTO request_tags (request_id, tag) VALUES (7, 'notes')"))
            conn.execute(
                sa.text(
                    "INSERT INTO answers (id, request_id, author_id, message, status, created_at)"
                    " VALUES (8, 7, 2, 'Happy to help', 'open', :at)"
                ),
                {"at": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO notifications (member_id, text, url, created_at)"
                    " VALUES (1, 'Member 2 answered', '/requests/7', :at)"
                ),
                {"at": now},
            )
            before = _row_counts(conn)
        db.session.remove()
        assert before == {
            "members": 2,
            "member_tags": 2,
            "member_sessions": 1,
            "pairing_requests": 1,
            "request_tags": 1,
            "answers": 1,
            "notifications": 1,
        }

        upgrade(revision="0004_pairings")

        with db.engine.connect() as conn:
            after = _row_counts(conn)
        db.session.remove()
        db.engine.dispose()
    assert after == before
