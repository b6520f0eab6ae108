"""The pairing board, written as the specification reads (SPEC.md §3; SECURITY.md
"Access", "CSRF" and "Races"; STYLE.md "HTMX conventions"): posting, reading,
answering, accepting, the states a request goes through, new-member limits,
suggestions, notifications, and two accepts at the same moment.

Each behaviour is checked on the plain path (a form post, 303) and, where htmx
changes the answer, on the htmx path (HX-Request: true, a fragment)."""

from __future__ import annotations

import http.client
import re
import threading
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from portal import clock
from portal.board import services
from portal.board.models import Answer, AnswerStatus, Kind, PairingRequest, Status
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.models import Notification
from portal.pairings import services as pairings
from portal.tools import Tool

from .factories import make_answer, make_request
from .helpers import (
    ANSWER,
    DESCRIPTION,
    FOURTH,
    HTMX,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    LiveServer,
    age,
    answer_statuses,
    card_ids,
    client_for,
    csrf_field,
    form_data,
    hx_headers,
    list_ids,
    make_app,
    notifications_of,
    pairings_of,
    request_count,
    request_row,
    set_columns,
    sign_in,
    suggested_ids,
    text,
)

HTTPS = "https://portal.test"


def end_of_quarter(moment: datetime) -> datetime:
    """Written out independently of the service: the first instant of the next quarter."""
    month = {1: 4, 2: 4, 3: 4, 4: 7, 5: 7, 6: 7, 7: 10, 8: 10, 9: 10}.get(moment.month)
    if month is None:
        return datetime(moment.year + 1, 1, 1)
    return datetime(moment.year, month, 1)


# --- posting ------------------------------------------------------------------------


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
    assert row["tags"] == ["drafting", "reports"]
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


def _tool_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Tool))


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


# --- primers --------------------------------------------------------------------------


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


# --- the board ------------------------------------------------------------------------


def test_the_board_lists_open_requests_newest_first(app, client, people):
    age(app, people["senior"])
    old = make_request(app, people["senior"], title="Old")
    newest = make_request(app, people["senior"], title="Newest")
    middle = make_request(app, people["senior"], title="Middle")
    gone = make_request(app, people["senior"], title="Closed one")
    now = utcnow()
    set_columns(app, PairingRequest, old, created_at=now - timedelta(days=3))
    set_columns(app, PairingRequest, middle, created_at=now - timedelta(days=2))
    set_columns(app, PairingRequest, newest, created_at=now - timedelta(days=1))
    set_columns(app, PairingRequest, gone, status=Status.CLOSED)
    page = text(client.get("/requests/"))
    assert list_ids(page) == [newest, middle, old]


@pytest.fixture
def varied(app, people):
    """Requests of every sort, for the filters."""
    age(app, *people.values())
    ids = {
        "seeking_chatgpt": make_request(
            app, people["senior"], title="Drafting with ChatGPT", tags=["drafting"]
        ),
        "seeking_excel_pune": make_request(
            app,
            people["senior"],
            title="Pivot help",
            tool="Copilot in Excel",
            description="I build monthly sales pivot tables and want Copilot to help me.",
            tags=["reports", "excel"],
            in_person=True,
            city="Pune",
        ),
        "offering_claude": make_request(
            app,
            people["third"],
            kind="offering",
            title="I teach Claude for long documents",
            tool="Claude",
            tags=["documents"],
        ),
        "percent": make_request(
            app, people["fourth"], title="Reports 100% faster with Notion AI", tool="Notion AI"
        ),
        "underscore": make_request(
            app, people["fourth"], title="Naming files like snake_case", tool="Cursor"
        ),
        "matched": make_request(app, people["senior"], title="Matched one"),
        "closed": make_request(app, people["senior"], title="Closed one"),
        "expired": make_request(app, people["senior"], title="Expired one"),
    }
    set_columns(app, PairingRequest, ids["matched"], status=Status.MATCHED)
    set_columns(app, PairingRequest, ids["closed"], status=Status.CLOSED)
    set_columns(app, PairingRequest, ids["expired"], status=Status.EXPIRED)
    return ids


FILTERS = {
    "kind=offering": ["offering_claude"],
    "kind=seeking&tool=copilot+in+excel": ["seeking_excel_pune"],
    "tool=CHATGPT": ["seeking_chatgpt"],
    "tag=Reports": ["seeking_excel_pune"],
    "city=pune": ["seeking_excel_pune"],
    "status=matched": ["matched"],
    "status=closed": ["closed"],
    "status=expired": ["expired"],
    "q=PIVOT": ["seeking_excel_pune"],  # the title, any case
    "q=monthly+sales": ["seeking_excel_pune"],  # the description
    "q=notion": ["percent"],  # the tool's name
    "q=%25": ["percent"],  # % is a character, not a wildcard
    "q=_": ["underscore"],  # and so is _
    "q=nothing+like+this": [],
    "kind=bogus": [
        "seeking_chatgpt",
        "seeking_excel_pune",
        "offering_claude",
        "percent",
        "underscore",
    ],
}


@pytest.mark.parametrize("query", FILTERS.keys())
def test_the_board_filters_and_searches(app, client, varied, query):
    page = text(client.get(f"/requests/?{query}"))
    assert sorted(list_ids(page)) == sorted(varied[name] for name in FILTERS[query])


def test_status_any_shows_every_request(app, client, varied):
    page = text(client.get("/requests/?status=any"))
    assert sorted(list_ids(page)) == sorted(varied.values())


def test_an_htmx_filter_answers_only_the_list_and_varies_on_hx_request(app, client, varied):
    response = client.get("/requests/?kind=offering", headers=HTMX)
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page
    assert page.lstrip().startswith('<section id="request-list"')
    assert card_ids(page) == [varied["offering_claude"]]
    assert 'id="filters"' not in page
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/requests/?kind=offering")
    assert "<html" in text(full)
    assert "HX-Request" in full.headers["Vary"]


def test_load_more_answers_just_the_next_cards(app, client, people):
    age(app, people["senior"])
    ids = [make_request(app, people["senior"], title=f"Request number {n}") for n in range(21)]
    first = text(client.get("/requests/"))
    assert list_ids(first) == list(reversed(ids))[:20]
    assert 'id="load-more"' in first
    assert 'href="/requests/?page=2"' in first
    more = client.get("/requests/?page=2", headers={**HTMX, "HX-Target": "load-more"})
    assert more.status_code == 200
    page = text(more)
    assert "<html" not in page
    assert 'id="request-list"' not in page
    assert card_ids(page) == [ids[0]]
    assert 'id="load-more"' not in page
    # Without JavaScript the same link is a full page.
    assert card_ids(text(client.get("/requests/?page=2"))) == [ids[0]]


def test_a_page_beyond_the_last_is_empty(app, client, people):
    make_request(app, people["senior"])
    assert client.get("/requests/?page=3").status_code == 200
    assert list_ids(text(client.get("/requests/?page=3"))) == []
    more = client.get("/requests/?page=3", headers={**HTMX, "HX-Target": "load-more"})
    assert more.status_code == 200
    assert card_ids(text(more)) == []


@pytest.mark.parametrize("page", ["0", "abc", "-1", "1.5"])
def test_a_page_that_is_not_a_number_is_not_found(client, page):
    assert client.get(f"/requests/?page={page}").status_code == 404


def test_anonymous_readers_can_read_the_board_and_a_request(app, client, people):
    request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
    board = client.get("/requests/")
    assert board.status_code == 200
    assert list_ids(text(board)) == [request_id]
    assert 'id="request-form"' not in text(board)
    page = client.get(f"/requests/{request_id}")
    assert page.status_code == 200
    assert "Teach me ChatGPT" in text(page)
    assert 'id="answer-form"' not in text(page)
    assert "to answer" in text(page)
    assert client.get("/requests/999999").status_code == 404


# --- answering ------------------------------------------------------------------------


def test_a_member_answers_and_the_author_is_told(app, client, people, smtp):
    request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
    sign_in(client, JUNIOR)
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code == 303
    [(answer_id, status)] = answer_statuses(app, request_id).items()
    assert status is AnswerStatus.OPEN
    assert response.headers["Location"] == f"/requests/{request_id}#answer-{answer_id}"
    assert request_row(app, request_id)["answer_count"] == 1
    [note] = notifications_of(app, people["senior"])
    assert "Ravi Iyer answered your request" in note["text"]
    assert note["url"] == f"/requests/{request_id}#answer-{answer_id}"
    mail = smtp.last(SENIOR)
    assert "Teach me ChatGPT" in mail["Subject"]
    assert ANSWER in mail.get_content()
    assert smtp.link(SENIOR, "/requests/") == f"/requests/{request_id}"
    page = text(client.get(f"/requests/{request_id}"))
    assert f'id="answer-{answer_id}"' in page
    assert "(1 answer)" in page
    assert "You have answered" in page


def test_an_htmx_answer_swaps_in_the_answer_and_the_count(app, client, people, smtp):
    request_id = make_request(app, people["senior"])
    sign_in(client, JUNIOR)
    response = client.post(
        f"/requests/{request_id}/answers", data={"message": ANSWER}, headers=HTMX
    )
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page
    [answer_id] = answer_statuses(app, request_id)
    assert f'id="answer-{answer_id}"' in page
    assert re.search(
        rf'<span id="answer-count-{request_id}"[^>]*hx-swap-oob="true"[^>]*>\(1 answer\)', page
    )
    assert re.search(r'<p[^>]*id="answer-form"', page)  # the form's place says thanks
    assert "<form" not in page.split('id="answer-form"')[1].split("</p>")[0]
    assert request_row(app, request_id)["answer_count"] == 1
    assert smtp.to(SENIOR)


def test_no_email_when_the_author_turned_answer_notices_off(app, client, people, smtp):
    set_columns(app, Member, people["senior"], notify={"answers": False})
    request_id = make_request(app, people["senior"])
    sign_in(client, JUNIOR)
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code == 303
    assert smtp.to(SENIOR) == []
    assert len(notifications_of(app, people["senior"])) == 1  # still told in the portal


def test_a_member_cannot_answer_the_same_request_twice(app, client, people):
    request_id = make_request(app, people["senior"])
    sign_in(client, JUNIOR)
    assert (
        client.post(f"/requests/{request_id}/answers", data={"message": ANSWER}).status_code == 303
    )
    again = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER + " Again."})
    assert again.status_code == 409
    assert "already answered" in text(again)
    assert len(answer_statuses(app, request_id)) == 1
    assert request_row(app, request_id)["answer_count"] == 1
    htmx = client.post(
        f"/requests/{request_id}/answers", data={"message": ANSWER + " Again."}, headers=HTMX
    )
    assert htmx.status_code == 409
    assert "<html" not in text(htmx)


def test_author_cannot_answer_own_request(app, client, people):
    request_id = make_request(app, people["senior"])
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code == 403
    assert "your own request" in text(response)
    assert answer_statuses(app, request_id) == {}
    assert request_row(app, request_id)["answer_count"] == 0


@pytest.mark.parametrize(
    "status", [Status.MATCHED, Status.CLOSED, Status.WITHDRAWN, Status.EXPIRED]
)
def test_a_request_that_is_not_open_takes_no_answers(app, client, people, status):
    request_id = make_request(app, people["senior"])
    set_columns(app, PairingRequest, request_id, status=status)
    sign_in(client, JUNIOR)
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code == 409
    assert "takes no new answers" in text(response)
    assert answer_statuses(app, request_id) == {}
    page = text(client.get(f"/requests/{request_id}"))
    assert 'id="answer-form"' not in page


def test_an_unverified_member_cannot_answer(app, client, people, make_member):
    make_member(email="new@example.com", name="New Person", role="junior", verified=False)
    request_id = make_request(app, people["senior"])
    sign_in(client, "new@example.com")
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code == 403
    assert "confirm your email" in text(response)
    assert answer_statuses(app, request_id) == {}


def test_an_anonymous_visitor_is_sent_to_sign_in_to_answer(app, client, people):
    request_id = make_request(app, people["senior"])
    response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
    assert response.status_code in (302, 303)
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert answer_statuses(app, request_id) == {}


def test_a_too_short_answer_is_refused_with_a_message(app, client, people):
    request_id = make_request(app, people["senior"])
    sign_in(client, JUNIOR)
    response = client.post(f"/requests/{request_id}/answers", data={"message": "Me!"})
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page
    assert "Between 10 and 2,000 characters" in page
    assert "Me!</textarea>" in page
    htmx = client.post(f"/requests/{request_id}/answers", data={"message": "Me!"}, headers=HTMX)
    assert htmx.status_code == 422
    fragment = text(htmx)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<form id="answer-form"')
    assert "Between 10 and 2,000 characters" in fragment
    assert answer_statuses(app, request_id) == {}
    assert request_row(app, request_id)["answer_count"] == 0


def test_a_too_short_answer_keeps_the_thread_in_view(app, client, people):
    request_id = make_request(app, people["senior"])
    answer_id = make_answer(app, request_id, people["third"])
    sign_in(client, JUNIOR)
    page = text(client.post(f"/requests/{request_id}/answers", data={"message": "Me!"}))
    assert f'id="answer-{answer_id}"' in page
    assert "No answers yet" not in page


# --- accepting ------------------------------------------------------------------------


def test_only_the_author_can_accept_an_answer(app, client, people, answered):
    sign_in(client, FOURTH)
    url = f"/requests/{answered['request']}/answers/{answered['chosen']}/accept"
    response = client.post(url)
    assert response.status_code == 403
    assert "Only the member who posted this request" in text(response)
    assert client.post(url, headers=HTMX).status_code == 403
    # Not even the member who wrote the answer.
    junior = client_for(app, JUNIOR)
    assert junior.post(url).status_code == 403
    assert request_row(app, answered["request"])["status"] is Status.OPEN
    assert set(answer_statuses(app, answered["request"]).values()) == {AnswerStatus.OPEN}
    assert pairings_of(app, answered["request"]) == []


def test_an_answer_must_belong_to_the_request(app, client, people, answered):
    age(app, people["senior"])
    elsewhere = make_request(app, people["senior"], title="Teach me Claude", tool="Claude")
    stray = make_answer(app, elsewhere, people["fourth"])
    sign_in(client, SENIOR)
    assert client.post(f"/requests/{answered['request']}/answers/{stray}/accept").status_code == 404
    assert client.post(f"/requests/{answered['request']}/answers/999999/accept").status_code == 404
    assert client.post(f"/requests/999999/answers/{answered['chosen']}/accept").status_code == 404
    assert request_row(app, answered["request"])["status"] is Status.OPEN
    assert request_row(app, elsewhere)["status"] is Status.OPEN
    assert pairings_of(app, answered["request"]) == pairings_of(app, elsewhere) == []


def test_the_service_refuses_an_answer_from_another_request(app, people, answered):
    age(app, people["senior"])
    elsewhere = make_request(app, people["senior"], title="Teach me Claude", tool="Claude")
    stray = make_answer(app, elsewhere, people["fourth"])
    with app.app_context(), pytest.raises(services.NotAllowed):
        pairings.accept_answer(
            db.session.get(Member, people["senior"]),
            db.session.get(PairingRequest, answered["request"]),
            db.session.get(Answer, stray),
        )
    assert pairings_of(app, answered["request"]) == []


def test_accepting_an_answer_starts_a_pairing_and_tells_everyone(
    app, client, people, answered, smtp
):
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{answered['request']}/answers/{answered['chosen']}/accept")
    assert response.status_code == 303
    [pairing] = pairings_of(app, answered["request"])
    assert response.headers["Location"] == f"/pairings/{pairing['id']}"
    assert pairing["answer_id"] == answered["chosen"]
    assert pairing["senior_id"] == people["senior"]
    assert pairing["junior_id"] == people["junior"]
    row = request_row(app, answered["request"])
    assert row["status"] is Status.MATCHED
    assert row["closed_at"] is not None
    assert answer_statuses(app, answered["request"]) == {
        answered["chosen"]: AnswerStatus.ACCEPTED,
        answered["other"]: AnswerStatus.DECLINED,
    }
    [chosen_note] = notifications_of(app, people["junior"])
    assert "accepted your answer" in chosen_note["text"]
    assert chosen_note["url"] == f"/pairings/{pairing['id']}"
    [other_note] = notifications_of(app, people["third"])
    assert "matched with another member" in other_note["text"]
    assert "Thank you" in other_note["text"]
    assert "accepted" in smtp.last(JUNIOR)["Subject"]
    assert smtp.link(JUNIOR, "/pairings/") == f"/pairings/{pairing['id']}"
    kind_mail = smtp.last(THIRD)
    assert "found its match" in kind_mail["Subject"]
    assert "Thank you for offering" in kind_mail.get_content()
    assert smtp.to(FOURTH) == []
    page = text(client.get(response.headers["Location"]))
    assert "Asha Kulkarni and Ravi Iyer" in page
    assert "Quarter 1: ChatGPT" in page


def test_a_matched_request_leads_its_two_members_to_their_pairing(app, client, people, answered):
    sign_in(client, SENIOR)
    accepted = client.post(f"/requests/{answered['request']}/answers/{answered['chosen']}/accept")
    pairing_url = accepted.headers["Location"]
    via = f"/requests/{answered['request']}/pairing"
    link = f'href="{via}">Go to your pairing page'
    assert link in text(client.get(f"/requests/{answered['request']}"))
    assert client.get(via).headers["Location"] == pairing_url
    client.post("/logout")
    sign_in(client, JUNIOR)
    assert link in text(client.get(f"/requests/{answered['request']}"))
    assert client.get(via).headers["Location"] == pairing_url
    client.post("/logout")
    sign_in(client, THIRD)  # answered, but not chosen: the request is simply matched
    page = text(client.get(f"/requests/{answered['request']}"))
    assert "Go to your pairing page" not in page
    assert "This request is matched" in page
    assert client.get(via).status_code == 404  # nor can they follow the link
    client.post("/logout")
    assert "Go to your pairing page" not in text(client.get(f"/requests/{answered['request']}"))


def test_a_matched_request_leaves_the_board_and_shows_on_its_status_filter(
    app, client, people, answered
):
    sign_in(client, SENIOR)
    client.post(f"/requests/{answered['request']}/answers/{answered['chosen']}/accept")
    assert list_ids(text(client.get("/requests/"))) == []
    assert list_ids(text(client.get("/requests/?status=matched"))) == [answered["request"]]


@pytest.mark.parametrize("kind", ["seeking", "offering"])
def test_the_pairing_names_the_seeker_senior_and_the_teacher_junior(app, client, people, kind):
    if kind == "seeking":
        author, author_email, answerer = people["senior"], SENIOR, people["junior"]
    else:
        author, author_email, answerer = people["junior"], JUNIOR, people["senior"]
    request_id = make_request(app, author, kind=kind, title=f"A {kind} request")
    answer_id = make_answer(app, request_id, answerer)
    sign_in(client, author_email)
    response = client.post(f"/requests/{request_id}/answers/{answer_id}/accept")
    assert response.status_code == 303
    [pairing] = pairings_of(app, request_id)
    assert pairing["senior_id"] == people["senior"]
    assert pairing["junior_id"] == people["junior"]


def test_a_second_accept_is_refused_and_there_is_still_one_pairing(app, client, people, answered):
    sign_in(client, SENIOR)
    base = f"/requests/{answered['request']}/answers"
    assert client.post(f"{base}/{answered['chosen']}/accept").status_code == 303
    same = client.post(f"{base}/{answered['chosen']}/accept")
    assert same.status_code == 409
    assert "no longer open" in text(same)
    other = client.post(f"{base}/{answered['other']}/accept", headers=HTMX)
    assert other.status_code == 409
    assert "<html" not in text(other)
    assert len(pairings_of(app, answered["request"])) == 1
    assert answer_statuses(app, answered["request"]) == {
        answered["chosen"]: AnswerStatus.ACCEPTED,
        answered["other"]: AnswerStatus.DECLINED,
    }


def test_an_htmx_accept_redirects_to_the_pairing(app, client, people, answered):
    sign_in(client, SENIOR)
    response = client.post(
        f"/requests/{answered['request']}/answers/{answered['chosen']}/accept", headers=HTMX
    )
    assert response.status_code == 200
    [pairing] = pairings_of(app, answered["request"])
    assert response.headers["HX-Redirect"] == f"/pairings/{pairing['id']}"


def test_a_withdrawn_answer_cannot_be_accepted(app, client, people, answered):
    with app.app_context():
        services.withdraw_answer(
            db.session.get(Member, people["junior"]), db.session.get(Answer, answered["chosen"])
        )
    sign_in(client, SENIOR)
    response = client.post(f"/requests/{answered['request']}/answers/{answered['chosen']}/accept")
    assert response.status_code == 409
    assert request_row(app, answered["request"])["status"] is Status.OPEN
    assert pairings_of(app, answered["request"]) == []
    assert answer_statuses(app, answered["request"])[answered["other"]] is AnswerStatus.OPEN


def test_same_organisation_asks_first_then_accepts_when_confirmed(app, client, make_member):
    senior = make_member(email=SENIOR, role="senior", organisation="Infosys")
    junior = make_member(
        email=JUNIOR, name="Ravi Iyer", role="junior", organisation="  INFOSYS ", can_teach=["x"]
    )
    request_id = make_request(app, senior)
    answer_id = make_answer(app, request_id, junior)
    sign_in(client, SENIOR)
    url = f"/requests/{request_id}/answers/{answer_id}/accept"
    warning = client.post(url)
    assert warning.status_code == 200
    assert "You both work at" in text(warning)
    assert 'name="same_organisation_ok" value="y"' in text(warning)
    assert request_row(app, request_id)["status"] is Status.OPEN
    assert answer_statuses(app, request_id) == {answer_id: AnswerStatus.OPEN}
    assert pairings_of(app, request_id) == []
    confirmed = client.post(url, data={"same_organisation_ok": "y"})
    assert confirmed.status_code == 303
    [pairing] = pairings_of(app, request_id)
    assert confirmed.headers["Location"] == f"/pairings/{pairing['id']}"
    assert request_row(app, request_id)["status"] is Status.MATCHED


def test_different_organisations_are_not_warned(app, client, make_member):
    senior = make_member(email=SENIOR, role="senior", organisation="Infosys")
    junior = make_member(email=JUNIOR, name="Ravi", role="junior", organisation="Wipro")
    request_id = make_request(app, senior)
    answer_id = make_answer(app, request_id, junior)
    sign_in(client, SENIOR)
    assert client.post(f"/requests/{request_id}/answers/{answer_id}/accept").status_code == 303


# --- close, withdraw, renew --------------------------------------------------------------


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


def test_an_answerer_withdraws_their_answer(app, client, people, answered):
    sign_in(client, JUNIOR)
    response = client.post(f"/answers/{answered['chosen']}/withdraw")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/requests/{answered['request']}"
    assert answer_statuses(app, answered["request"])[answered["chosen"]] is AnswerStatus.WITHDRAWN
    assert request_row(app, answered["request"])["answer_count"] == 1
    page = text(client.get(f"/requests/{answered['request']}"))
    assert f'id="answer-{answered["chosen"]}"' not in page
    assert "(1 answer)" in page
    again = client.post(f"/answers/{answered['chosen']}/withdraw")
    assert again.status_code == 409
    assert request_row(app, answered["request"])["answer_count"] == 1


@pytest.mark.parametrize("who", [SENIOR, THIRD])
def test_only_its_author_can_withdraw_an_answer(app, client, people, answered, who):
    sign_in(client, who)
    response = client.post(f"/answers/{answered['chosen']}/withdraw")
    assert response.status_code == 403
    assert answer_statuses(app, answered["request"])[answered["chosen"]] is AnswerStatus.OPEN
    assert request_row(app, answered["request"])["answer_count"] == 2


def test_an_accepted_answer_cannot_be_withdrawn(app, client, people, answered):
    client_for(app, SENIOR).post(
        f"/requests/{answered['request']}/answers/{answered['chosen']}/accept"
    )
    sign_in(client, JUNIOR)
    response = client.post(f"/answers/{answered['chosen']}/withdraw")
    assert response.status_code == 409
    assert answer_statuses(app, answered["request"])[answered["chosen"]] is AnswerStatus.ACCEPTED
    assert request_row(app, answered["request"])["answer_count"] == 2


def test_an_answer_to_a_closed_request_cannot_be_withdrawn(app, client, people, answered):
    client_for(app, SENIOR).post(f"/requests/{answered['request']}/close")
    sign_in(client, JUNIOR)
    assert client.post(f"/answers/{answered['chosen']}/withdraw").status_code == 409
    assert request_row(app, answered["request"])["answer_count"] == 2


def test_withdrawing_an_unknown_answer_is_not_found(client, people):
    sign_in(client, JUNIOR)
    assert client.post("/answers/999999/withdraw").status_code == 404


# --- the pairing page ---------------------------------------------------------------------


def test_only_the_two_members_see_their_pairing(app, client, people, answered):
    response = client_for(app, SENIOR).post(
        f"/requests/{answered['request']}/answers/{answered['chosen']}/accept"
    )
    url = response.headers["Location"]
    assert client_for(app, SENIOR).get(url).status_code == 200
    assert client_for(app, JUNIOR).get(url).status_code == 200
    assert client_for(app, THIRD).get(url).status_code == 404
    assert client_for(app, FOURTH).get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 303)
    assert urlsplit(anonymous.headers["Location"]).path == "/login"
    assert client_for(app, SENIOR).get("/pairings/999999").status_code == 404


# --- two accepts at the same moment --------------------------------------------------------


def _race_once(app, author_id: int, request_id: int, answer_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(answer_ids))
    outcomes: list[str] = []

    def attempt(answer_id: int) -> None:
        with app.app_context():
            try:
                member = db.session.get(Member, author_id)
                item = db.session.get(PairingRequest, request_id)
                answer = db.session.get(Answer, answer_id)
                barrier.wait(timeout=10)
                pairings.accept_answer(member, item, answer)
                outcomes.append("accepted")
            except services.Conflict:
                outcomes.append("conflict")
            except Exception as exc:  # reported, not lost in the thread
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in answer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.parametrize("same_answer", [False, True], ids=["two-answers", "same-answer"])
def test_two_accepts_at_the_same_moment_make_one_pairing(app, people, same_answer):
    age(app, *people.values())
    for trial in range(50):
        request_id = make_request(app, people["senior"], title=f"Race {trial}")
        first = make_answer(app, request_id, people["junior"])
        second = make_answer(app, request_id, people["third"])
        answer_ids = [first, first] if same_answer else [first, second]
        outcomes = _race_once(app, people["senior"], request_id, answer_ids)
        assert outcomes == ["accepted", "conflict"], (trial, outcomes)
        assert len(pairings_of(app, request_id)) == 1, trial
        statuses = list(answer_statuses(app, request_id).values())
        assert statuses.count(AnswerStatus.ACCEPTED) == 1, (trial, statuses)
        assert request_row(app, request_id)["status"] is Status.MATCHED


def _http_sign_in(url: str, email: str) -> str:
    """Sign in over a real socket; the cookies to send with later requests."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.request(
            "POST",
            "/login",
            body=urlencode({"email": email, "password": PASSWORD}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        assert response.status == 303, response.status
        cookies = [
            v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"
        ]
    finally:
        connection.close()
    assert cookies
    return "; ".join(cookies)


def _http_post(url: str, path: str, cookie: str, barrier: threading.Barrier) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.connect()
        barrier.wait(timeout=10)
        connection.request(
            "POST",
            path,
            body="",
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_two_accepts_over_http_at_the_same_moment_make_one_pairing(app, people, migrated, smtp):
    age(app, *people.values())
    server_app = make_app(migrated, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with LiveServer(server_app) as server:
        cookies = [_http_sign_in(server.url, SENIOR), _http_sign_in(server.url, SENIOR)]
        for trial in range(6):
            request_id = make_request(app, people["senior"], title=f"HTTP race {trial}")
            first = make_answer(app, request_id, people["junior"])
            second = make_answer(app, request_id, people["third"])
            answer_ids = [first, first] if trial % 2 else [first, second]
            barrier = threading.Barrier(2)
            statuses: list = []

            def attempt(answer_id: int, cookie: str, request_id=request_id, barrier=barrier):
                path = f"/requests/{request_id}/answers/{answer_id}/accept"
                try:
                    statuses.append(_http_post(server.url, path, cookie, barrier))
                except Exception as exc:  # reported, not lost in the thread
                    statuses.append(repr(exc))

            threads = [
                threading.Thread(target=attempt, args=(answer_id, cookie))
                for answer_id, cookie in zip(answer_ids, cookies, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(statuses, key=str) == [303, 409], (trial, statuses)
            assert len(pairings_of(app, request_id)) == 1, trial
            accepted = list(answer_statuses(app, request_id).values())
            assert accepted.count(AnswerStatus.ACCEPTED) == 1, (trial, accepted)


# --- new-member limits ------------------------------------------------------------------


NEW_REQUEST_LIMIT = "New members keep one request open at a time"


def test_a_new_member_keeps_one_request_open_at_a_time(app, client, people):
    sign_in(client, SENIOR)
    assert client.post("/requests/", data=form_data(title="First")).status_code == 303
    second = client.post("/requests/", data=form_data(title="Second"))
    assert second.status_code == 403
    assert NEW_REQUEST_LIMIT in text(second)
    assert request_count(app) == 1


def test_a_new_member_over_htmx_is_told_about_the_open_request_limit(app, client, people):
    sign_in(client, SENIOR)
    assert client.post("/requests/", data=form_data(title="First")).status_code == 303
    second = client.post("/requests/", data=form_data(title="Second"), headers=HTMX)
    assert second.status_code == 403
    assert NEW_REQUEST_LIMIT in text(second)
    assert "<html" not in text(second)
    assert request_count(app) == 1


def test_the_service_holds_a_new_member_to_one_open_request(app, people):
    first = make_request(app, people["senior"], title="First")
    with pytest.raises(services.NotAllowed, match=NEW_REQUEST_LIMIT):
        make_request(app, people["senior"], title="Second")
    with app.app_context():
        services.close_request(
            db.session.get(Member, people["senior"]), db.session.get(PairingRequest, first)
        )
    make_request(app, people["senior"], title="Second")
    assert request_count(app) == 2


def test_a_new_member_may_post_again_once_the_first_request_is_closed(app, client, people):
    first = make_request(app, people["senior"], title="First")
    sign_in(client, SENIOR)
    assert client.post(f"/requests/{first}/close").status_code == 303
    assert client.post("/requests/", data=form_data(title="Second")).status_code == 303
    assert request_count(app) == 2


def test_a_new_members_fourth_answer_in_a_day_is_refused(app, client, people):
    age(app, people["senior"])
    requests = [make_request(app, people["senior"], title=f"Request {n}") for n in range(4)]
    sign_in(client, JUNIOR)
    for request_id in requests[:3]:
        response = client.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
        assert response.status_code == 303
    fourth = client.post(f"/requests/{requests[3]}/answers", data={"message": ANSWER})
    assert fourth.status_code == 403
    assert "New members answer up to 3 requests a day" in text(fourth)
    assert answer_statuses(app, requests[3]) == {}
    assert request_row(app, requests[3])["answer_count"] == 0


def test_an_established_member_has_no_new_member_limits(app, client, people):
    age(app, people["senior"], people["junior"])
    sign_in(client, SENIOR)
    for n in range(3):
        assert client.post("/requests/", data=form_data(title=f"Open {n}")).status_code == 303
    requests = [make_request(app, people["senior"], title=f"More {n}") for n in range(5)]
    junior = client_for(app, JUNIOR)
    for request_id in requests:
        answer = junior.post(f"/requests/{request_id}/answers", data={"message": ANSWER})
        assert answer.status_code == 303
    assert request_count(app) == 8


def test_a_first_pairing_lifts_the_new_member_limits(app, people):
    request_id = make_request(app, people["senior"], title="First")
    answer_id = make_answer(app, request_id, people["junior"])
    with app.app_context():
        pairings.accept_answer(
            db.session.get(Member, people["senior"]),
            db.session.get(PairingRequest, request_id),
            db.session.get(Answer, answer_id),
        )
    make_request(app, people["senior"], title="Second")
    make_request(app, people["senior"], title="Third")
    make_request(app, people["junior"], kind="offering", title="Offer one")
    make_request(app, people["junior"], kind="offering", title="Offer two")
    assert request_count(app) == 5


# --- expiry ----------------------------------------------------------------------------


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


# --- suggestions -------------------------------------------------------------------------


def test_a_junior_sees_seniors_requests_for_what_they_can_teach(app, client, make_member):
    junior = make_member(
        email=JUNIOR, name="Ravi", role="junior", can_teach=["chatgpt"], wants_to_learn=[]
    )
    seniors = [
        make_member(email=f"senior{n}@example.com", name=f"Senior {n}", role="senior")
        for n in range(4)
    ]
    by_tool = make_request(app, seniors[0], title="Teach me ChatGPT", tool="ChatGPT")
    by_tag = make_request(
        app, seniors[1], title="Claude or ChatGPT", tool="Claude", tags=["chatgpt"]
    )
    unrelated = make_request(app, seniors[2], title="Teach me Excel", tool="Copilot in Excel")
    closed = make_request(app, seniors[3], title="Closed ChatGPT", tool="ChatGPT")
    set_columns(app, PairingRequest, closed, status=Status.CLOSED)
    own = make_request(app, junior, title="My own ChatGPT question", tool="ChatGPT")
    sign_in(client, JUNIOR)
    page = text(client.get("/requests/"))
    assert "Suggested for you" in page
    assert page.index("Suggested for you") < page.index('id="request-list"')
    assert sorted(suggested_ids(page)) == sorted([by_tool, by_tag])
    assert unrelated not in suggested_ids(page)
    assert own not in suggested_ids(page)
    assert closed not in suggested_ids(page)


def test_a_senior_sees_offers_for_what_they_want_to_learn(app, client, make_member):
    make_member(email=SENIOR, role="senior", wants_to_learn=["notion ai"])
    teacher = make_member(email=JUNIOR, name="Ravi", role="junior", can_teach=["notion ai"])
    other = make_member(email=THIRD, name="Meera", role="senior", wants_to_learn=[])
    offer = make_request(app, teacher, kind="offering", title="I teach Notion AI", tool="Notion AI")
    seeking = make_request(app, other, kind="seeking", title="Teach me Notion AI", tool="Notion AI")
    sign_in(client, SENIOR)
    page = text(client.get("/requests/"))
    assert suggested_ids(page) == [offer]
    assert seeking in list_ids(page)


def test_no_suggestions_for_anonymous_readers_or_without_matches(app, client, people):
    make_request(app, people["senior"], title="Teach me Copilot", tool="GitHub Copilot")
    assert "Suggested for you" not in text(client.get("/requests/"))
    sign_in(client, THIRD)  # can teach Claude only
    assert "Suggested for you" not in text(client.get("/requests/"))


# --- notifications -------------------------------------------------------------------------


def _notes(app, member_id: int, count: int) -> list[int]:
    """`count` notifications for the member, the first one oldest."""
    now = utcnow()
    with app.app_context():
        notes = [
            Notification(
                member_id=member_id,
                text=f"Notice number {n}",
                url="/requests/",
                created_at=now - timedelta(hours=count - n),
            )
            for n in range(count)
        ]
        db.session.add_all(notes)
        db.session.commit()
        return [n.id for n in notes]


def test_notifications_are_listed_newest_first(app, client, people):
    _notes(app, people["senior"], 3)
    _notes(app, people["junior"], 1)
    sign_in(client, SENIOR)
    page = text(client.get("/notifications"))
    positions = [page.index(f"Notice number {n}") for n in (2, 1, 0)]
    assert positions == sorted(positions)
    assert page.count("Notice number") == 3  # not the junior's


def test_the_header_and_the_badge_show_the_unread_count(app, client, people):
    _notes(app, people["senior"], 2)
    sign_in(client, SENIOR)
    header = text(client.get("/requests/"))
    assert re.search(r'id="notification-count".*?<span class="badge">2<', header, re.S)
    badge = client.get("/notifications/count", headers=HTMX)
    assert badge.status_code == 200
    fragment = text(badge)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<a id="notification-count"')
    assert '<span class="badge">2<' in fragment


def test_marking_one_notification_read(app, client, people):
    first, second = _notes(app, people["senior"], 2)
    sign_in(client, SENIOR)
    response = client.post("/notifications/read", data={"notification": str(first)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications"
    read = {n["id"]: n["read"] for n in notifications_of(app, people["senior"])}
    assert read == {first: True, second: False}
    assert '<span class="badge">1<' in text(client.get("/notifications/count"))


def test_marking_all_notifications_read_over_htmx(app, client, people):
    _notes(app, people["senior"], 3)
    sign_in(client, SENIOR)
    response = client.post("/notifications/read", headers=HTMX)
    assert response.status_code == 200
    assert 'id="notification-count"' in text(response)
    assert 'class="badge"' not in text(response)
    assert all(n["read"] for n in notifications_of(app, people["senior"]))
    assert 'class="badge"' not in text(client.get("/notifications/count"))


def test_a_member_cannot_mark_another_members_notification(app, client, people):
    [theirs] = _notes(app, people["junior"], 1)
    _notes(app, people["senior"], 1)
    sign_in(client, SENIOR)
    client.post("/notifications/read", data={"notification": str(theirs)})
    assert notifications_of(app, people["junior"])[0]["read"] is False
    client.post("/notifications/read")  # "all" means all of one's own
    assert notifications_of(app, people["junior"])[0]["read"] is False
    assert notifications_of(app, people["senior"])[0]["read"] is True


def test_notifications_need_sign_in(client):
    for url in ("/notifications", "/notifications/count"):
        response = client.get(url)
        assert response.status_code in (302, 303)
        assert urlsplit(response.headers["Location"]).path == "/login"
    htmx = client.get("/notifications/count", headers=HTMX)
    assert htmx.status_code == 401
    assert urlsplit(htmx.headers["HX-Redirect"]).path == "/login"


def test_an_answer_raises_the_authors_count(app, client, people):
    request_id = make_request(app, people["senior"])
    make_answer(app, request_id, people["junior"])
    sign_in(client, SENIOR)
    assert '<span class="badge">1<' in text(client.get("/notifications/count"))
    page = text(client.get("/notifications"))
    assert "Ravi Iyer answered your request" in page


# --- CSRF on htmx ----------------------------------------------------------------------------


def _csrf_sign_in(client, email: str) -> None:
    page = text(client.get("/login", base_url=HTTPS))
    token = csrf_field(page)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{HTTPS}/login"},
        base_url=HTTPS,
    )
    assert response.status_code == 303, text(response)


def test_an_htmx_answer_needs_the_csrf_header(app, people, production_app, smtp):
    request_id = make_request(app, people["senior"])
    client = production_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port).test_client()
    _csrf_sign_in(client, JUNIOR)
    url = f"/requests/{request_id}/answers"
    referer = {"Referer": f"{HTTPS}/requests/{request_id}"}
    refused = client.post(
        url, data={"message": ANSWER}, headers={**HTMX, **referer}, base_url=HTTPS
    )
    assert refused.status_code == 400
    assert "Your form expired" in text(refused)
    assert "<html" not in text(refused)
    assert answer_statuses(app, request_id) == {}
    token = hx_headers(text(client.get(f"/requests/{request_id}", base_url=HTTPS)))["X-CSRFToken"]
    accepted = client.post(
        url,
        data={"message": ANSWER},
        headers={**HTMX, **referer, "X-CSRFToken": token},
        base_url=HTTPS,
    )
    assert accepted.status_code == 200, text(accepted)
    assert len(answer_statuses(app, request_id)) == 1
    assert request_row(app, request_id)["answer_count"] == 1


def test_signed_in_pages_carry_the_csrf_token_for_htmx(app, people, production_app):
    request_id = make_request(app, people["senior"])
    client = production_app().test_client()
    anonymous = text(client.get("/requests/", base_url=HTTPS))
    assert "hx-headers" not in anonymous
    _csrf_sign_in(client, SENIOR)
    for url in ("/requests/", f"/requests/{request_id}", "/notifications", "/requests/new"):
        page = text(client.get(url, base_url=HTTPS))
        token = hx_headers(page).get("X-CSRFToken")
        assert token and len(token) > 20, url
