"""Moderation (SPEC §5, issue 12): the first admin, reports and their auto-hide, the
queue's hide / restore / dismiss, suspensions, and who may see any of it."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal.admin import services as moderation
from portal.admin.models import AuditEntry, Report
from portal.board.models import PairingRequest
from portal.extensions import db
from portal.members.models import Member

from .factories import make_answer, make_request
from .helpers import (
    FOURTH,
    HTMX,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    age,
    card_ids,
    fetch,
    list_ids,
    make_admin,
    notifications_of,
    set_columns,
    sign_in,
    text,
)

MODERATOR = "moderator@example.com"
ADMIN = "admin@example.com"


@pytest.fixture
def staff(app, make_member):
    moderator = make_member(email=MODERATOR, name="Mohan Das", role="senior")
    set_columns(app, Member, moderator, is_moderator=True)
    admin = make_member(email=ADMIN, name="Anita Rao", role="senior")
    make_admin(app, admin)
    return {"moderator": moderator, "admin": admin}


def client_for(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


def report(client, path, reason="spam", note=""):
    return client.post(f"{path}/report", data={"reason": reason, "note": note})


def audit_actions(app) -> list[str]:
    return [row["action"] for row in fetch(app, AuditEntry)]


# --- flask create-admin ---------------------------------------------------------------------


def test_create_admin_makes_a_new_confirmed_admin_with_a_one_time_link(app, runner):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--name", "Asha Boss"])
    assert result.exit_code == 0, result.output
    assert "Created Boss@example.com as an admin" in result.output
    link = result.output.strip().splitlines()[-1]
    [row] = fetch(app, Member)
    assert row["is_admin"] and row["email_verified_at"] is not None
    assert row["password_hash"] is None and row["name"] == "Asha Boss"
    client = app.test_client()
    path = link.split("portal.test", 1)[1]
    client.post(path)
    assert client.get("/admin/").status_code == 200
    again = runner.invoke(args=["create-admin", "boss@example.com"])
    assert again.exit_code == 0 and "already an admin; nothing changed" in again.output
    assert len(fetch(app, Member)) == 1


def test_create_admin_promotes_an_existing_member(app, runner, make_member):
    member_id = make_member(email=SENIOR)
    result = runner.invoke(args=["create-admin", SENIOR])
    assert result.exit_code == 0 and "is now an admin" in result.output
    assert fetch(app, Member, Member.id == member_id)[0]["is_admin"]
    assert audit_actions(app) == []  # made from the command line: no session actor


@pytest.mark.parametrize("address", ["not an address", "a@", "", "x@@example.com"])
def test_create_admin_refuses_a_bad_address(app, runner, address):
    result = runner.invoke(args=["create-admin", address])
    assert result.exit_code == 1
    assert "is not an email address" in result.output
    assert fetch(app, Member) == []


# --- who may see /admin/ -----------------------------------------------------------------


ADMIN_PAGES = {
    "/admin/": ("moderator", "admin"),
    "/admin/reports": ("moderator", "admin"),
    "/admin/audit": ("admin",),
    "/admin/audit.csv": ("admin",),
}


@pytest.mark.parametrize("path", sorted(ADMIN_PAGES))
def test_admin_pages_are_for_moderators_and_admins_and_a_404_to_anyone_else(
    app, client, people, staff, path
):
    allowed = ADMIN_PAGES[path]
    viewers = {
        "anonymous": client,
        "member": client_for(app, JUNIOR),
        "moderator": client_for(app, MODERATOR),
        "admin": client_for(app, ADMIN),
    }
    for who, viewer in viewers.items():
        expected = 200 if who in allowed else 404
        assert viewer.get(path).status_code == expected, who


def test_moderation_actions_are_refused_to_members_without_a_trace(app, people, staff):
    request_id = make_request(app, people["senior"], title="Spam spam")
    member = client_for(app, JUNIOR)
    moderator = client_for(app, MODERATOR)
    posts = [
        (f"/admin/items/request/{request_id}/hide", {f"request{request_id}-reason": "x"}),
        (f"/admin/items/request/{request_id}/restore", {}),
        (f"/admin/items/request/{request_id}/dismiss", {}),
        (f"/admin/members/{people['senior']}/suspend", {"reason": "x", "length": "7"}),
        (f"/admin/members/{people['senior']}/unsuspend", {}),
        ("/admin/moderators", {"email": JUNIOR}),
        (f"/admin/members/{staff['moderator']}/unmoderate", {}),
    ]
    for path, data in posts:
        assert member.post(path, data=data).status_code == 404, path
    for path, data in posts[-2:]:  # roles: admins only
        assert moderator.post(path, data=data).status_code == 404, path
    assert fetch(app, AuditEntry) == []
    assert not fetch(app, Member, Member.id == people["senior"])[0]["suspended_at"]


# --- reports ---------------------------------------------------------------------------------


def test_a_report_reaches_the_moderators_and_the_author_never_learns_who(app, people, staff):
    request_id = make_request(app, people["senior"], title="Buy my course")
    reporter = client_for(app, JUNIOR)
    form = reporter.get(f"/requests/{request_id}/report")
    assert form.status_code == 200 and "Spam or advertising" in text(form)
    response = report(reporter, f"/requests/{request_id}", "spam", "Selling, not teaching.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{request_id}"
    assert "your report reached the moderators" in text(reporter.get(f"/requests/{request_id}"))
    [row] = fetch(app, Report)
    assert (row["reporter_id"], row["author_id"], row["reason"]) == (
        people["junior"],
        people["senior"],
        "spam",
    )
    assert notifications_of(app, people["senior"]) == []
    queue = text(client_for(app, MODERATOR).get("/admin/reports"))
    assert "Buy my course" in queue and "Selling, not teaching." in queue


def test_one_member_reporting_twice_counts_once(app, people, staff):
    request_id = make_request(app, people["senior"], title="Twice")
    reporter = client_for(app, JUNIOR)
    assert report(reporter, f"/requests/{request_id}").status_code == 303
    again = report(reporter, f"/requests/{request_id}", "harassment")
    assert again.status_code == 409
    assert "reported this already" in text(again)
    assert len(fetch(app, Report)) == 1


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"reason": "", "note": "x"}, "reason", "Please choose a reason."),
        ({"reason": "nonsense"}, "reason", "Not a valid choice"),
        ({"reason": "spam", "note": "n" * 1001}, "note", "Up to 1,000 characters"),
    ],
)
def test_a_bad_report_says_why_and_keeps_the_note(app, people, data, field, message):
    request_id = make_request(app, people["senior"], title="Bad report")
    response = client_for(app, JUNIOR).post(f"/requests/{request_id}/report", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    if data.get("note"):
        assert data["note"][:200] in page
    assert fetch(app, Report) == []


def test_members_cant_report_their_own_items_or_messages_outside_their_pairing(app, client, people):
    request_id = make_request(app, people["senior"], title="Mine")
    assert report(client_for(app, SENIOR), f"/requests/{request_id}").status_code == 404
    assert report(client, f"/requests/{request_id}").status_code in (302, 303, 401)  # signed out
    assert fetch(app, Report) == []


def test_three_members_reports_hide_an_item_for_everyone_but_its_author_and_moderators(
    app, client, people, staff
):
    request_id = make_request(app, people["senior"], title="Reported thrice")
    assert request_id in list_ids(text(client.get("/requests/")))  # cached for anonymous
    for email in (JUNIOR, THIRD):
        report(client_for(app, email), f"/requests/{request_id}")
    assert request_id in list_ids(text(client.get("/requests/")))  # two: still shown
    report(client_for(app, FOURTH), f"/requests/{request_id}")
    assert request_id not in list_ids(text(client.get("/requests/")))  # cached page too
    assert client.get(f"/requests/{request_id}").status_code == 404
    assert client_for(app, JUNIOR).get(f"/requests/{request_id}").status_code == 404
    own = text(client_for(app, SENIOR).get(f"/requests/{request_id}"))
    assert "Hidden by the moderators: Reported by several members" in own
    assert client_for(app, MODERATOR).get(f"/requests/{request_id}").status_code == 200
    assert audit_actions(app) == ["auto-hide"]
    [told] = notifications_of(app, people["senior"])
    assert "hidden until a moderator looks at it" in told["text"]


def test_reports_arriving_together_hide_the_item_exactly_once(app, make_member, staff):
    """Three reports from different members at the same moment: hidden once, one
    audit entry (50 trials, on each database)."""
    author = make_member(email=SENIOR, role="senior")
    age(app, author)  # past the new-member limit of one open request
    reporters = [
        make_member(email=f"r{n}@example.com", name=f"Reporter {n}", role="junior")
        for n in range(3)
    ]
    with app.app_context():
        members = [db.session.get(Member, r) for r in reporters]
        db.session.expunge_all()
    for trial in range(50):
        request_id = make_request(app, author, title=f"Trial {trial}")
        start = threading.Barrier(3)
        errors = []

        def go(member_id):
            try:
                with app.app_context():
                    member = db.session.get(Member, member_id)
                    start.wait()
                    moderation.report(member, "request", request_id, "spam")
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)

        threads = [threading.Thread(target=go, args=(m.id,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            assert db.session.get(PairingRequest, request_id).hidden_at is not None
            hides = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.item_id == request_id, AuditEntry.action == "auto-hide")
            )
            assert hides == 1, trial


# --- the queue's actions ---------------------------------------------------------------------


def test_a_moderator_hides_with_a_reason_the_author_is_told(app, client, people, staff, smtp):
    request_id = make_request(app, people["senior"], title="Off topic")
    report(client_for(app, JUNIOR), f"/requests/{request_id}", "off_topic")
    moderator = client_for(app, MODERATOR)
    prefix = f"request{request_id}-"
    refused = moderator.post(f"/admin/items/request/{request_id}/hide", data={})
    assert refused.status_code == 422 and "Please say why" in text(refused)
    response = moderator.post(
        f"/admin/items/request/{request_id}/hide",
        data={f"{prefix}reason": "This is a job advert."},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Hidden. The author has been told why." in text(response)
    assert client.get(f"/requests/{request_id}").status_code == 404
    [notice] = notifications_of(app, people["senior"])
    assert "This is a job advert." in notice["text"]
    assert "This is a job advert." in smtp.last(SENIOR).get_content()
    assert [r["outcome"] for r in fetch(app, Report)] == ["hidden"]
    assert "Nothing waits for a moderator." in text(moderator.get("/admin/reports"))
    restored = moderator.post(f"/admin/items/request/{request_id}/restore")
    assert restored.status_code == 303
    assert client.get(f"/requests/{request_id}").status_code == 200
    assert audit_actions(app) == ["hide", "restore"]


def test_dismissing_reports_brings_back_what_they_hid(app, client, people, staff):
    answer_request = make_request(app, people["third"], title="Help with Excel")
    answer_id = make_answer(app, answer_request, people["senior"])
    for email in (JUNIOR, FOURTH, MODERATOR):
        report(client_for(app, email), f"/answers/{answer_id}", "harassment")
    page = text(client.get(f"/requests/{answer_request}"))
    assert f'id="answer-{answer_id}"' not in page
    response = client_for(app, ADMIN).post(f"/admin/items/answer/{answer_id}/dismiss")
    assert response.status_code == 303
    assert f'id="answer-{answer_id}"' in text(client.get(f"/requests/{answer_request}"))
    assert {r["outcome"] for r in fetch(app, Report)} == {"dismissed"}
    assert audit_actions(app) == ["auto-hide", "dismiss"]


def test_the_queue_shows_reasons_and_notes_as_text(app, people, staff):
    request_id = make_request(app, people["senior"], title="XSS target")
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    report(client_for(app, JUNIOR), f"/requests/{request_id}", "other", payload)
    page = text(client_for(app, MODERATOR).get("/admin/reports"))
    assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- suspension ------------------------------------------------------------------------------


def test_a_suspension_ends_sessions_refuses_sign_in_and_empties_the_board(
    app, client, people, staff, pair_for_suspension
):
    senior = client_for(app, SENIOR)
    remembered = app.test_client()
    sign_in(remembered, SENIOR, remember=True)
    request_id = make_request(app, people["senior"], title="Suspended soon")
    assert request_id in card_ids(text(client.get("/requests/")))
    response = client_for(app, MODERATOR).post(
        f"/admin/members/{people['senior']}/suspend",
        data={"reason": "Repeated spam.", "length": "7"},
    )
    assert response.status_code == 303
    for copy in (senior, remembered):  # the cookies stopped working
        assert "/login" in copy.get("/account").headers["Location"]
    refused = client.post("/login", data={"email": SENIOR, "password": PASSWORD})
    assert refused.status_code == 422
    page = text(refused)
    assert "Your account is suspended until" in page and "Repeated spam." in page
    wrong = client.post("/login", data={"email": SENIOR, "password": "not the password"})
    assert "suspended" not in text(wrong)  # only the right password learns it
    assert request_id not in card_ids(text(client.get("/requests/")))
    assert client.get(f"/requests/{request_id}").status_code == 404
    partner_notice = notifications_of(app, people["junior"])[-1]["text"]
    assert "is away from the portal for a while" in partner_notice
    assert "spam" not in partner_notice.lower()
    assert audit_actions(app) == ["suspend"]
    lifted = client_for(app, ADMIN).post(f"/admin/members/{people['senior']}/unsuspend")
    assert lifted.status_code == 303
    assert request_id in card_ids(text(client.get("/requests/")))
    sign_in(app.test_client(), SENIOR)


@pytest.fixture
def pair_for_suspension(app, people):
    from .factories import make_pairing

    return make_pairing(app, people["senior"], people["junior"])


def test_a_suspension_needs_a_reason_and_a_length(app, people, staff):
    moderator = client_for(app, MODERATOR)
    for data in ({"reason": "", "length": "7"}, {"reason": "Spam", "length": "forever"}):
        moderator.post(f"/admin/members/{people['senior']}/suspend", data=data)
    assert fetch(app, Member, Member.id == people["senior"])[0]["suspended_at"] is None
    assert fetch(app, AuditEntry) == []


def test_moderators_cant_suspend_admins_or_each_other(app, people, staff):
    moderator = client_for(app, MODERATOR)
    data = {"reason": "Because.", "length": "7"}
    assert moderator.post(f"/admin/members/{staff['admin']}/suspend", data=data).status_code == 403
    assert (
        moderator.post(f"/admin/members/{staff['moderator']}/suspend", data=data).status_code == 403
    )


def test_the_audit_log_exports_as_csv_without_formulas(app, people, staff):
    request_id = make_request(app, people["senior"], title="Formula")
    report(client_for(app, JUNIOR), f"/requests/{request_id}")
    client_for(app, MODERATOR).post(
        f"/admin/items/request/{request_id}/hide",
        data={f"request{request_id}-reason": '=HYPERLINK("x")'},
    )
    response = client_for(app, ADMIN).get("/admin/audit.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    body = response.get_data(as_text=True)
    assert "moderator@example.com,hide,request" in body
    assert "'=HYPERLINK" in body
