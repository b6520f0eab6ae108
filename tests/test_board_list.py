"""Reading the pairing board, written as the specification reads (SPEC.md §3; STYLE.md
"HTMX conventions"): open requests newest first, the filters and the search, loading
more, what anonymous readers see, and the requests suggested to a member.

Fixtures `people` and `answered`: conftest.py (which also says how each behaviour is
checked, on the plain path and the htmx path)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.board.models import PairingRequest, Status
from portal.clock import utcnow

from .factories import make_request
from .helpers import (
    HTMX,
    JUNIOR,
    SENIOR,
    THIRD,
    age,
    card_ids,
    list_ids,
    set_columns,
    sign_in,
    suggested_ids,
    text,
)

# --- the board ----------------------------------------------------------------------------


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


# --- suggestions --------------------------------------------------------------------------


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
