"""Requests on the pairing board, written as the specification reads (SPEC.md §3;
SECURITY.md "Access" and "CSRF"; STYLE.md "HTMX conventions"): posting one (its tool,
its description's Markdown, its rules), the primers a first-timer sees, closing,
withdrawing and renewing, and expiry at the end of the quarter.

Fixtures `people` and `answered`: conftest.py (which also says how each behaviour is
checked, on the plain path and the htmx path)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal import clock
from portal.board import services
from portal.board.models import AnswerStatus, Kind, PairingRequest, Status
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.tools import Tool

from .factories import make_answer, make_request
from .helpers import (
    DESCRIPTION,
    HTMX,
    JUNIOR,
    SENIOR,
    age,
    answer_statuses,
    form_data,
    list_ids,
    pairings_of,
    request_count,
    request_row,
    set_columns,
    sign_in,
    text,
)


def end_of_quarter(moment: datetime) -> datetime:
    """Written out independently of the service: the first instant of the next quarter."""
    month = {1: 4, 2: 4, 3: 4, 4: 7, 5: 7, 6: 7, 7: 10, 8: 10, 9: 10}.get(moment.month)
    if month is None:
        return datetime(moment.year + 1, 1, 1)
    return datetime(moment.year, month, 1)


def _tool_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Tool))


# --- posting ------------------------------------------------------------------------------


def test_verified_member_posts_a_request_and_lands_on_its_page(app, client, people):
    sign_in(client, SENIOR)
    tools_before = _tool_count(app)
    response = client.post("/requests/", data=form_data(tool="chatgpt"))
    assert response.status_code == 303
    match = re.fullmatch(r"/requests/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    row = request_row(app, int(match.group(1)))
    assert row["author_id"] == people["senior"]
    assert row["kind"] is Kind.SEEKING
    assert row["title"] == "Help me draft board notes with ChatGPT"
    assert row["tool"] == "ChatGPT"  # the curated entry, matched whatever the case
    assert row["tool_curated"] is True
    assert _tool_count(app) == tools_before
    assert row["tags"] == ["Drafting", "reports"]  # as written (item 28)
    assert row["description"] == DESCRIPTION
    assert row["cadence"] == "One tool per quarter"
    assert row["in_person"] is False
    assert row["city"] == ""
    assert row["status"] is Status.OPEN
    assert row["answer_count"] == 0
    assert row["expires_at"] == end_of_quarter(row["created_at"])
    page = text(client.get(response.headers["Location"]))
    assert "Help me draft board notes with ChatGPT" in page
    assert "One tool per quarter" in page


def test_a_tool_not_in_the_catalogue_is_created_uncurated(app, client, people):
    sign_in(client, SENIOR)
    response = client.post("/requests/", data=form_data(tool="  Tally   Prime AI "))
    assert response.status_code == 303
    with app.app_context():
        tool = db.session.scalar(sa.select(Tool).where(Tool.key == "tally prime ai"))
        assert tool is not None
        assert tool.name == "Tally Prime AI"
        assert tool.curated is False


def test_a_second_request_for_a_new_tool_reuses_it_whatever_the_case(app, people):
    age(app, people["senior"])
    first = make_request(app, people["senior"], tool="Tally Prime AI", title="One")
    second = make_request(app, people["senior"], tool="TALLY PRIME ai", title="Two")
    assert request_row(app, first)["tool"] == request_row(app, second)["tool"] == "Tally Prime AI"
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Tool).where(Tool.key == "tally prime ai")
        )
    assert count == 1


def test_the_description_is_rendered_to_sanitised_html(app, client, people):
    sign_in(client, SENIOR)
    description = (
        "Please read [the guide](https://example.com/guide) first.\n\n"
        "<script>alert(1)</script> and [a trap](javascript:alert(2)) "
        '<img src=x onerror="alert(3)"> <div hx-get="/logout" hx-trigger="load">x</div>'
    )
    response = client.post("/requests/", data=form_data(description=description))
    assert response.status_code == 303
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = request_row(app, request_id)["description_html"]
    assert re.search(
        r'<a href="https://example.com/guide"[^>]* rel="nofollow ugc noopener"', stored
    )
    for bad in ("<script", "javascript:", "onerror", "hx-get", "<img", "<div"):
        assert bad not in stored
    page = text(client.get(f"/requests/{request_id}"))
    assert 'rel="nofollow ugc noopener"' in page
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


def test_a_request_to_meet_in_person_keeps_its_city_and_cadence(app, client, people):
    sign_in(client, SENIOR)
    response = client.post(
        "/requests/",
        data=form_data(format="in_person", city="Pune", cadence="Two sessions a month"),
    )
    assert response.status_code == 303
    row = request_row(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert row["in_person"] is True
    assert row["city"] == "Pune"
    assert row["cadence"] == "Two sessions a month"


def test_an_online_request_drops_a_city_it_was_given(app, client, people):
    sign_in(client, SENIOR)
    response = client.post("/requests/", data=form_data(format="online", city="Pune"))
    assert response.status_code == 303
    assert request_row(app, int(response.headers["Location"].rsplit("/", 1)[1]))["city"] == ""


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 1, 1), datetime(2026, 4, 1)),
        (datetime(2026, 3, 31, 23, 59, 59), datetime(2026, 4, 1)),
        (datetime(2026, 4, 1), datetime(2026, 7, 1)),
        (datetime(2026, 8, 15), datetime(2026, 10, 1)),
        (datetime(2026, 12, 31, 23, 59), datetime(2027, 1, 1)),
    ],
)
def test_a_request_expires_at_the_end_of_its_quarter(moment, expected):
    assert clock.end_of_quarter(moment) == expected


INVALID = {
    "no title": ({"title": ""}, "Please give your request a title."),
    "no tool": ({"tool": "  "}, "Please name the tool."),
    "short description": ({"description": "Too short"}, "Between 20 and 4,000 characters"),
    "in person without a city": (
        {"format": "in_person", "city": ""},
        "Please give the city where you can meet.",
    ),
    "thirteen tags": ({"tags": ", ".join(f"tag{n}" for n in range(13))}, "Up to 12 tags"),
    "a kind that does not exist": ({"kind": "mentoring"}, "Not a valid choice"),
}


@pytest.mark.parametrize("case", INVALID.keys())
def test_invalid_request_shows_the_message_keeps_the_input_and_writes_nothing(
    app, client, people, case
):
    changes, message = INVALID[case]
    sign_in(client, SENIOR)
    data = form_data(**changes)
    response = client.post("/requests/", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page
    assert message in page
    assert 'class="error"' in page
    assert data["description"] in page  # what the member typed is still there
    if data["title"]:
        assert f'value="{data["title"]}"' in page
    assert request_count(app) == 0


@pytest.mark.parametrize("case", INVALID.keys())
def test_invalid_request_over_htmx_rerenders_only_the_form(app, client, people, case):
    changes, message = INVALID[case]
    sign_in(client, SENIOR)
    response = client.post("/requests/", data=form_data(**changes), headers=HTMX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#request-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    page = text(response)
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="request-form"')
    assert 'id="request-list"' not in page
    assert message in page
    assert form_data(**changes)["description"] in page
    assert request_count(app) == 0


def test_a_valid_htmx_post_answers_the_new_card_and_a_fresh_form(app, client, people):
    sign_in(client, SENIOR)
    response = client.post("/requests/", data=form_data(), headers=HTMX)
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page
    with app.app_context():
        request_id = db.session.scalar(sa.select(PairingRequest.id))
    assert f'id="request-{request_id}"' in page
    assert re.search(r'<div id="request-form" hx-swap-oob="outerHTML"', page)
    # The fresh form is empty: the title only appears in the new card.
    assert 'value="Help me draft board notes with ChatGPT"' not in page
    assert "Help me draft board notes with ChatGPT" in page
    assert "HX-Retarget" not in response.headers


def test_an_unverified_member_cannot_post(app, client, make_member):
    make_member(email=SENIOR, verified=False)
    sign_in(client, SENIOR)
    response = client.post("/requests/", data=form_data())
    assert response.status_code == 403
    assert "confirm your email" in text(response)
    htmx = client.post("/requests/", data=form_data(), headers=HTMX)
    assert htmx.status_code == 403
    assert "confirm your email" in text(htmx)
    assert "<html" not in text(htmx)
    assert request_count(app) == 0


def test_an_anonymous_visitor_is_sent_to_sign_in_to_post(app, client):
    response = client.post("/requests/", data=form_data())
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/login"
    htmx = client.post("/requests/", data=form_data(), headers=HTMX)
    assert htmx.status_code == 401
    assert urlsplit(htmx.headers["HX-Redirect"]).path == "/login"
    assert client.get("/requests/new").status_code in (302, 303)
    assert request_count(app) == 0


def test_the_same_title_twice_within_ten_minutes_is_refused(app, client, people):
    age(app, people["senior"])  # not held back by the new-member limit
    sign_in(client, SENIOR)
    assert client.post("/requests/", data=form_data()).status_code == 303
    again = client.post("/requests/", data=form_data())
    assert again.status_code == 409
    assert "a moment ago" in text(again)
    assert request_count(app) == 1


def test_the_same_title_twice_is_refused_by_the_service(app, people):
    age(app, people["senior"])
    make_request(app, people["senior"], title="Teach me Claude")
    with app.app_context(), pytest.raises(services.Conflict):
        member = db.session.get(Member, people["senior"])
        services.post_request(
            member,
            services.RequestInput(
                kind="seeking", title="Teach me Claude", tool="Claude", description=DESCRIPTION
            ),
        )
    assert request_count(app) == 1


# --- primers ------------------------------------------------------------------------------


def test_a_junior_sees_the_teach_upward_primer_until_their_first_offer(app, client, people):
    sign_in(client, JUNIOR)
    board = text(client.get("/requests/"))
    assert "teaching upward" in board
    assert 'href="/essays/teaching-upward"' in board
    assert "Demonstrate rather than lecture" in board
    assert "asking is a leadership move" not in board
    assert client.get("/essays/teaching-upward").status_code == 200
    posted = client.post("/requests/", data=form_data(kind="offering", title="I can teach ChatGPT"))
    assert posted.status_code == 303
    board = text(client.get("/requests/"))
    assert "Demonstrate rather than lecture" not in board
    assert 'href="/essays/teaching-upward"' not in board


def test_a_senior_sees_the_leadership_framing_until_their_first_request(app, client, people):
    sign_in(client, SENIOR)
    board = text(client.get("/requests/"))
    assert "asking is a leadership move" in board
    assert "Demonstrate rather than lecture" not in board
    assert "asking is a leadership move" in text(client.get("/requests/new"))
    assert client.post("/requests/", data=form_data()).status_code == 303
    assert "asking is a leadership move" not in text(client.get("/requests/"))


# --- close, withdraw, renew ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status"), [("close", Status.CLOSED), ("withdraw", Status.WITHDRAWN)]
)
def test_the_author_closes_or_withdraws_an_open_request(
    app, client, people, answered, action, status
):
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{answered['request']}/{action}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{answered['request']}"
    row = request_row(app, answered["request"])
    assert row["status"] is status
    assert row["closed_at"] is not None
    assert set(answer_statuses(app, answered["request"]).values()) == {AnswerStatus.DECLINED}
    assert pairings_of(app, answered["request"]) == []
    again = client.post(f"/requests/{answered['request']}/{action}")
    assert again.status_code == 409
    assert request_row(app, answered["request"])["status"] is status


@pytest.mark.parametrize("action", ["close", "withdraw", "renew"])
def test_another_member_cannot_change_a_request(app, client, people, answered, action):
    if action == "renew":
        set_columns(app, PairingRequest, answered["request"], status=Status.EXPIRED)
    before = request_row(app, answered["request"])
    sign_in(client, JUNIOR)
    response = client.post(f"/requests/{answered['request']}/{action}")
    assert response.status_code == 403
    assert client.post(f"/requests/{answered['request']}/{action}", headers=HTMX).status_code == 403
    assert request_row(app, answered["request"]) == before
    assert set(answer_statuses(app, answered["request"]).values()) == {AnswerStatus.OPEN}


@pytest.mark.parametrize("action", ["close", "withdraw"])
@pytest.mark.parametrize(
    "status", [Status.MATCHED, Status.CLOSED, Status.WITHDRAWN, Status.EXPIRED]
)
def test_only_an_open_request_can_be_closed_or_withdrawn(app, client, people, action, status):
    request_id = make_request(app, people["senior"])
    set_columns(app, PairingRequest, request_id, status=status)
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{request_id}/{action}")
    assert response.status_code == 409
    assert request_row(app, request_id)["status"] is status


def test_an_htmx_close_redirects_to_the_request(app, client, people):
    request_id = make_request(app, people["senior"])
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{request_id}/close", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/requests/{request_id}"
    assert request_row(app, request_id)["status"] is Status.CLOSED


def test_an_anonymous_visitor_cannot_close_a_request(app, client, people):
    request_id = make_request(app, people["senior"])
    response = client.post(f"/requests/{request_id}/close")
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert request_row(app, request_id)["status"] is Status.OPEN


def test_the_author_renews_an_expired_request(app, client, people):
    request_id = make_request(app, people["senior"])
    set_columns(
        app,
        PairingRequest,
        request_id,
        status=Status.EXPIRED,
        expires_at=datetime(2020, 1, 1),
        closed_at=datetime(2020, 1, 1),
    )
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{request_id}/renew")
    assert response.status_code == 303
    row = request_row(app, request_id)
    assert row["status"] is Status.OPEN
    assert row["closed_at"] is None
    assert row["expires_at"] == end_of_quarter(utcnow())
    assert list_ids(text(client.get("/requests/"))) == [request_id]


@pytest.mark.parametrize("status", [Status.OPEN, Status.MATCHED, Status.CLOSED, Status.WITHDRAWN])
def test_only_an_expired_request_can_be_renewed(app, client, people, status):
    request_id = make_request(app, people["senior"])
    set_columns(app, PairingRequest, request_id, status=status)
    before = request_row(app, request_id)
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{request_id}/renew")
    assert response.status_code == 409
    assert "Only an expired request" in text(response)
    assert request_row(app, request_id) == before


# --- expiry -------------------------------------------------------------------------------


def test_flask_board_expire_marks_past_requests_expired_once(app, people):
    age(app, people["senior"])
    past = make_request(app, people["senior"], title="Past its quarter")
    current = make_request(app, people["senior"], title="Still current")
    closed = make_request(app, people["senior"], title="Closed long ago")
    answer_id = make_answer(app, past, people["junior"])
    set_columns(app, PairingRequest, past, expires_at=utcnow() - timedelta(minutes=1))
    set_columns(app, PairingRequest, closed, status=Status.CLOSED, expires_at=datetime(2020, 1, 1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["board", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 request(s) expired."
    assert request_row(app, past)["status"] is Status.EXPIRED
    assert request_row(app, past)["closed_at"] is not None
    assert answer_statuses(app, past) == {answer_id: AnswerStatus.DECLINED}
    assert request_row(app, current)["status"] is Status.OPEN
    assert request_row(app, closed)["status"] is Status.CLOSED
    before = [request_row(app, r) for r in (past, current, closed)]
    again = runner.invoke(args=["board", "expire"])
    assert again.exit_code == 0
    assert again.output.strip() == "0 request(s) expired."
    assert [request_row(app, r) for r in (past, current, closed)] == before
