"""Issue 15: a request's page is cached for anonymous readers like the board: rendered
once per board version (each worker keeps it), so every change that shows on it (an
answer, a withdrawal, a profile edit, a close, an accept, a moderator's hide, a
suspension, a member leaving) shows at once; members always get their own page."""

from __future__ import annotations

import re

import pytest

from .factories import make_answer, make_request
from .helpers import (
    ANSWER,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    client_for,
    make_admin,
    make_app,
    recorded_statements,
    text,
)

ADMIN = "kiran@example.com"  # `people`'s fourth member, made an admin here
MEERA_SAYS = "Happy to teach you on Sunday evenings, with your real board notes."


def _count_queries(app, fn):
    with recorded_statements(app) as seen:
        result = fn()
    return result, [statement for statement, _ in seen]


@pytest.fixture
def thread(app, people):
    """Asha's request, answered by Meera; Kiran is an admin."""
    make_admin(app, people["fourth"])
    request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
    return {
        "request": request_id,
        "answer": make_answer(app, request_id, people["third"], MEERA_SAYS),
        "url": f"/requests/{request_id}",
    }


def _shared(response) -> str:
    """The page every anonymous reader gets: shareable, and no cookie with it."""
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age == 10
    assert response.headers["ETag"]
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    return text(response)


def test_a_cached_request_page_costs_one_small_query_until_the_board_changes(app, thread):
    reader = app.test_client()
    first, _ = _count_queries(app, lambda: reader.get(thread["url"]))
    again, statements = _count_queries(app, lambda: reader.get(thread["url"]))
    assert _shared(first) == _shared(again)
    assert len(statements) == 1 and "board_state" in statements[0]
    # Another reader, another client: the same page from the same worker's cache.
    other, statements = _count_queries(app, lambda: app.test_client().get(thread["url"]))
    assert other.data == first.data and len(statements) == 1
    conditional = reader.get(thread["url"], headers={"If-None-Match": first.headers["ETag"]})
    assert conditional.status_code == 304


def test_the_cache_can_be_switched_off_for_counting_queries(migrated, thread):
    counting = make_app(migrated, BOARD_PAGE_CACHE=False)
    reader = counting.test_client()
    reader.get(thread["url"])
    response, statements = _count_queries(counting, lambda: reader.get(thread["url"]))
    assert response.status_code == 200 and len(statements) > 1


def _answer(app, thread):
    response = client_for(app, JUNIOR).post(f"{thread['url']}/answers", data={"message": ANSWER})
    assert response.status_code == 303


def _withdraw(app, thread):
    response = client_for(app, THIRD).post(f"/answers/{thread['answer']}/withdraw")
    assert response.status_code == 303


def _rename(app, thread):
    response = client_for(app, THIRD).post(
        "/account/profile",
        data={
            "name": "Meera N.",
            "role": "junior",
            "can_teach": "Claude",
            "timezone": "Asia/Kolkata",
            "language": "en",
            "meeting_mode": "video",
        },
    )
    assert response.status_code == 303


def _close(app, thread):
    assert client_for(app, SENIOR).post(f"{thread['url']}/close").status_code == 303


def _accept(app, thread):
    response = client_for(app, SENIOR).post(f"{thread['url']}/answers/{thread['answer']}/accept")
    assert response.status_code == 303


def _hide_answer(app, thread):
    answer = thread["answer"]
    response = client_for(app, ADMIN).post(
        f"/admin/items/answer/{answer}/hide", data={f"answer{answer}-reason": "Spam."}
    )
    assert response.status_code == 303


def _hide_request(app, thread):
    request_id = thread["request"]
    response = client_for(app, ADMIN).post(
        f"/admin/items/request/{request_id}/hide", data={f"request{request_id}-reason": "Spam."}
    )
    assert response.status_code == 303


def _suspend(email):
    def suspend(app, thread):
        from portal.members.services import find_by_email

        with app.app_context():
            member_id = find_by_email(email).id
        response = client_for(app, ADMIN).post(
            f"/admin/members/{member_id}/suspend", data={"reason": "Rude.", "length": "7"}
        )
        assert response.status_code == 303

    return suspend


def _leave(app, thread):
    response = client_for(app, THIRD).post(
        "/account/delete", data={"delete-current_password": PASSWORD}
    )
    assert response.status_code == 303


def _answers(page: str) -> list[str]:
    return re.findall(r'<li class="answer [^"]*" id="answer-\d+">', page)


CHANGES = {
    # change: (what it does, then what the reader's very next page shows)
    "a new answer": (_answer, lambda page: ANSWER in page and "(2 answers)" in page),
    "an answer withdrawn": (_withdraw, lambda page: MEERA_SAYS not in page),
    "the answerer's profile edited": (
        _rename,
        lambda page: "Meera N." in page and "Meera Nair" not in page,
    ),
    "the request closed": (
        _close,
        lambda page: "takes no new answers" in page and "Sign in to answer" not in page,
    ),
    "an answer accepted": (_accept, lambda page: '<span class="status">Matched</span>' in page),
    "an answer hidden by the moderators": (_hide_answer, lambda page: _answers(page) == []),
    "the answerer suspended": (_suspend(THIRD), lambda page: MEERA_SAYS not in page),
    "the answerer leaving": (_leave, lambda page: MEERA_SAYS not in page),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_shows_on_the_cached_request_page_at_once(app, thread, change):
    do, shows = CHANGES[change]
    reader = app.test_client()
    before = _shared(reader.get(thread["url"]))
    assert MEERA_SAYS in before and not shows(before)
    assert _shared(reader.get(thread["url"])) == before  # cached, as it was

    do(app, thread)

    after = _shared(reader.get(thread["url"]))
    assert shows(after), after


@pytest.mark.parametrize(
    "change", [_hide_request, _suspend(SENIOR)], ids=["hidden", "its author suspended"]
)
def test_a_request_taken_off_the_board_leaves_the_cache_at_once(app, thread, change):
    reader = app.test_client()
    _shared(reader.get(thread["url"]))
    change(app, thread)
    gone = reader.get(thread["url"])
    assert gone.status_code == 404
    assert "no-store" in gone.headers["Cache-Control"]
    assert reader.get(thread["url"]).status_code == 404


def test_members_never_get_the_cached_page(app, thread):
    reader = app.test_client()
    anonymous = _shared(reader.get(thread["url"]))

    for email, shows in (
        (JUNIOR, 'id="answer-form"'),  # may answer
        (SENIOR, "Close this request"),  # the author's buttons
        (THIRD, "Withdraw my answer"),  # the answerer's
    ):
        member = client_for(app, email)
        response, statements = _count_queries(app, lambda m=member: m.get(thread["url"]))
        page = text(response)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        assert "ETag" not in response.headers
        assert len(statements) > 1  # rendered for them
        assert shows in page and "Sign in to answer" not in page
        assert 'action="/logout"' in page
    # Their pages never went into the readers' cache.
    assert _shared(reader.get(thread["url"])) == anonymous


def test_a_visitor_with_a_session_gets_a_fresh_page(app, thread):
    """A session cookie (from the sign-in form) may hold a flashed message or be a
    member's: the page is rendered for that request, and not shared."""
    visitor = app.test_client()
    visitor.set_cookie("session", "something")
    response = visitor.get(thread["url"])
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "Sign in to answer" in text(response)


def test_the_anonymous_page_links_to_sign_in_and_back_instead_of_forms(app, thread):
    reader = app.test_client()
    page = _shared(reader.get(thread["url"]))
    main = page.split('<main id="main"', 1)[1]
    assert "<form" not in main  # no answer, close, accept or withdraw forms
    assert "csrf_token" not in page and "hx-headers" not in page
    link = re.search(r'<a href="([^"]+)">Sign in to answer</a>', main)
    assert link and link.group(1) == f"/login?next={thread['url']}"
    assert MEERA_SAYS in page and "Asha Kulkarni" in page

    # Following it: signing in comes back to the page, now with the answer form.
    signing_in = reader.get(link.group(1))
    assert "you will come back to the page you were on" in text(signing_in)
    response = reader.post(
        "/login",
        data={"email": JUNIOR, "password": PASSWORD, "next": f"/requests/{thread['request']}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == thread["url"]
    member_page = text(reader.get(thread["url"]))
    assert 'id="answer-form"' in member_page and "Sign in to answer" not in member_page


def test_each_spelling_of_a_request_path_keeps_its_own_canonical_link(app, thread):
    """/requests/05 is request 5: its page must not be served as /requests/5's."""
    reader = app.test_client()
    padded = f"/requests/0{thread['request']}"
    assert f'href="http://portal.test{padded}"' in _shared(reader.get(padded))
    plain = _shared(reader.get(thread["url"]))
    assert f'<link rel="canonical" href="http://portal.test{thread["url"]}">' in plain


def test_the_sign_in_page_says_why_when_there_is_a_way_back(client):
    assert "you will come back" not in text(client.get("/login"))
    assert "you will come back" in text(client.get("/login?next=/account"))
    # Asked to sign in by a members' page: sent there, with no message in a cookie.
    response = client.get("/account")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert response.headers["Location"] == "/login?next=/account"


def test_a_signed_in_request_page_reads_blocks_once_and_the_thread_in_two_queries(
    app, thread, people
):
    """What a member's render costs: the blocks between them and anyone once (for the
    request's author and every answer's), the answers with their authors joined in, and
    those authors' tags: the same few queries however long the thread."""
    make_answer(app, thread["request"], people["junior"], ANSWER)
    member = client_for(app, JUNIOR)  # one of the answerers, not a moderator
    member.get(thread["url"])
    app.extensions["portal.member_request_pages"].clear()  # rendered, not kept for them
    response, statements = _count_queries(app, lambda: member.get(thread["url"]))
    assert text(response).count('class="answer answer-') == 2
    flat = [" ".join(s.split()) for s in statements]
    assert len([s for s in flat if "member_blocks" in s]) == 1, flat
    [answers] = [s for s in flat if "FROM answers" in s]
    assert "JOIN members" in answers
    assert not [s for s in flat if s.startswith("SELECT members.") and "FROM members WHERE" in s]
    assert len(flat) <= 8, "\n".join(flat)
