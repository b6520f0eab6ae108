"""What a review of the moderation feature found, each pinned by a test: nothing hidden
leaks through the report page; moderators never decide what is about themselves;
hidden answers can't be accepted; suspensions run out; reports on a departed profile
close; the same members can't overrule a moderator by reporting again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.admin.models import AuditEntry, Report
from portal.board.models import Answer, PairingRequest
from portal.clock import utcnow
from portal.members.models import Member

from .factories import make_message, make_request
from .helpers import (
    FOURTH,
    HTMX,
    JUNIOR,
    SENIOR,
    THIRD,
    fetch,
    make_admin,
    notifications_of,
    set_columns,
    sign_in,
    text,
)
from .test_jobs import run

MODERATOR = "moderator@example.com"
OTHER_MODERATOR = "moderator2@example.com"


@pytest.fixture
def staff(app, make_member):
    ids = {}
    for key, email, name in (
        ("moderator", MODERATOR, "Mohan Das"),
        ("other", OTHER_MODERATOR, "Nila Bose"),
    ):
        ids[key] = make_member(email=email, name=name, role="senior")
        set_columns(app, Member, ids[key], is_moderator=True)
    ids["admin"] = make_member(email="admin@example.com", name="Anita Rao", role="senior")
    make_admin(app, ids["admin"])
    return ids


def client_for(app, email):
    client = app.test_client()
    sign_in(client, email)
    return client


def test_the_report_page_shows_nothing_the_member_cant_see(app, people, answered, staff):
    hidden_request = make_request(app, people["fourth"], title="Hidden one")
    set_columns(app, PairingRequest, hidden_request, hidden_at=utcnow(), hidden_reason="x")
    set_columns(app, Answer, answered["other"], hidden_at=utcnow(), hidden_reason="x")
    reporter = client_for(app, FOURTH)
    assert reporter.get(f"/answers/{answered['other']}/report").status_code == 404
    set_columns(app, Member, people["senior"], suspended_at=utcnow())
    for path in (f"/requests/{answered['request']}", f"/answers/{answered['chosen']}"):
        assert reporter.get(f"{path}/report").status_code == 404, path
    assert client_for(app, JUNIOR).get(f"/requests/{hidden_request}/report").status_code == 404


def test_a_hidden_message_cant_be_read_through_the_report_page(app, pair, as_member):
    message_id = make_message(app, pair.id, pair.senior, "Something the moderators hid.")
    from portal.pairings.models import Message

    set_columns(app, Message, message_id, hidden_at=utcnow(), hidden_reason="x")
    page = as_member("junior").get(f"/messages/{message_id}/report")
    assert page.status_code == 404
    assert "Something the moderators hid." not in text(page)


def test_a_moderator_never_sees_or_decides_a_concern_about_themselves(app, make_member, staff):
    from .factories import make_pairing

    junior = make_member(email=JUNIOR, name="Ravi Iyer", role="junior", can_teach=["chatgpt"])
    pairing_id = make_pairing(app, staff["moderator"], junior)
    client_for(app, JUNIOR).post(
        f"/pairings/{pairing_id}/concern", data={"note": "He pressures me."}
    )
    assert notifications_of(app, staff["moderator"]) == [] or all(
        "concern" not in n["text"] for n in notifications_of(app, staff["moderator"])
    )
    assert any("concern" in n["text"] for n in notifications_of(app, staff["other"]))
    own = client_for(app, MODERATOR)
    assert "He pressures me." not in text(own.get("/admin/reports"))
    assert own.post(f"/admin/items/pairing/{pairing_id}/dismiss").status_code == 403
    assert "He pressures me." in text(client_for(app, OTHER_MODERATOR).get("/admin/reports"))
    assert [r["closed_at"] for r in fetch(app, Report)] == [None]


def test_a_hidden_answer_or_a_suspended_members_cant_be_accepted(app, people, answered):
    author = client_for(app, SENIOR)
    set_columns(app, Answer, answered["chosen"], hidden_at=utcnow(), hidden_reason="x")
    url = f"/requests/{answered['request']}/answers/{answered['chosen']}/accept"
    assert author.post(url).status_code == 409
    set_columns(app, Member, people["third"], suspended_at=utcnow())
    other = f"/requests/{answered['request']}/answers/{answered['other']}/accept"
    assert author.post(other).status_code == 409
    assert fetch(app, PairingRequest)[0]["status"] == "open"


def test_only_an_admin_lifts_a_moderators_suspension(app, staff):
    admin = client_for(app, "admin@example.com")
    data = {"reason": "Misused the queue.", "length": "30"}
    assert admin.post(f"/admin/members/{staff['other']}/suspend", data=data).status_code == 303
    moderator = client_for(app, MODERATOR)
    assert moderator.post(f"/admin/members/{staff['other']}/unsuspend").status_code == 403
    assert "Lift the suspension" not in text(moderator.get("/admin/"))
    assert admin.post(f"/admin/members/{staff['other']}/unsuspend").status_code == 303


def test_reports_on_a_profile_whose_member_left_can_be_closed(app, people, staff):
    reporter = client_for(app, JUNIOR)
    handle = fetch(app, Member, Member.id == people["fourth"])[0]["handle"]
    assert reporter.post(f"/members/{handle}/report", data={"reason": "spam"}).status_code == 303
    set_columns(app, Member, people["fourth"], deleted_at=utcnow())
    moderator = client_for(app, MODERATOR)
    assert "This is gone" in text(moderator.get("/admin/reports"))
    closed = moderator.post(f"/admin/items/member/{people['fourth']}/dismiss", headers=HTMX)
    assert closed.status_code == 200
    assert "Nothing waits for a moderator." in text(moderator.get("/admin/reports"))


def test_the_same_members_cant_overrule_a_moderator_by_reporting_again(app, client, people, staff):
    request_id = make_request(app, people["senior"], title="Disputed")
    reporters = [client_for(app, email) for email in (JUNIOR, THIRD, FOURTH)]
    for reporter in reporters:
        reporter.post(f"/requests/{request_id}/report", data={"reason": "spam"})
    assert client.get(f"/requests/{request_id}").status_code == 404  # auto-hidden
    client_for(app, MODERATOR).post(f"/admin/items/request/{request_id}/dismiss")
    assert client.get(f"/requests/{request_id}").status_code == 200  # a moderator decided
    for reporter in reporters:
        assert (
            reporter.post(f"/requests/{request_id}/report", data={"reason": "spam"}).status_code
            == 303
        )
    assert client.get(f"/requests/{request_id}").status_code == 200  # waits for a moderator
    assert len([r for r in fetch(app, Report) if r["closed_at"] is None]) == 3


def test_a_bad_item_on_a_suspension_from_the_queue_is_no_server_error(app, people, staff):
    response = client_for(app, MODERATOR).post(
        f"/admin/members/{people['senior']}/suspend",
        data={"reason": "Spam.", "length": "7", "kind": "request", "item": "abc"},
        headers=HTMX,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/reports"


def test_a_suspension_past_its_end_is_lifted_by_the_hourly_job(app, people, staff, pair_ids):
    client_for(app, MODERATOR).post(
        f"/admin/members/{people['senior']}/suspend", data={"reason": "Spam.", "length": "7"}
    )
    set_columns(app, Member, people["senior"], suspended_until=utcnow() - timedelta(minutes=1))
    assert "1 suspension(s) ended" in run(app, "end-suspensions")
    [row] = fetch(app, Member, Member.id == people["senior"])
    assert row["suspended_at"] is None and row["suspension_reason"] == ""
    assert "is back" in notifications_of(app, people["junior"])[-1]["text"]
    assert [e["action"] for e in fetch(app, AuditEntry)][-1] == "suspension-ended"
    sign_in(app.test_client(), SENIOR)


@pytest.fixture
def pair_ids(app, people):
    from .factories import make_pairing

    return make_pairing(app, people["senior"], people["junior"])


def test_the_export_holds_the_reports_a_member_made(app, people):
    request_id = make_request(app, people["senior"], title="Exported")
    reporter = client_for(app, JUNIOR)
    reporter.post(f"/requests/{request_id}/report", data={"reason": "spam", "note": "Ads."})
    [made] = reporter.get("/account/export").get_json()["reports"]
    assert made["about"] == f"request {request_id}" and made["note"] == "Ads."
    assert client_for(app, SENIOR).get("/account/export").get_json()["reports"] == []
