"""Issue 15: a member's own request page is kept for them (portal/web/kept.py) while
the board, the blocks between them and others, and what the page shows of them stay
the same. Every change that shows on the page shows at the member's next view; the
page is theirs alone, and its forms carry their session's token."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.notifications.services import notify

from .factories import make_answer
from .helpers import (
    ANSWER,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    csrf_field,
    handle_of,
    hx_headers,
    make_admin,
    make_app,
    recorded_statements,
    text,
)
from .test_request_page_cache import CHANGES, MEERA_SAYS
from .test_request_page_cache import thread as _thread

thread = _thread  # the same fixture: the senior's request, answered by Meera

KEPT = "portal.member_request_pages"


def kept(app):
    return app.extensions[KEPT]


def view(app, client, url: str) -> tuple[str, list[str]]:
    """The page, and the statements it took."""
    with recorded_statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers
    return text(response), [" ".join(statement.split()) for statement, _ in seen]


def untokened(page: str) -> str:
    """The page with its CSRF token (which carries the second it was made) left out."""
    return page.replace(hx_headers(page)["X-CSRFToken"], "TOKEN")


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303
    return client


def test_a_second_view_is_kept_and_is_the_same_page_without_the_thread_queries(app, thread):
    member = signed_in(app, JUNIOR)
    first, rendered = view(app, member, thread["url"])
    hits = kept(app).hits
    second, served = view(app, member, thread["url"])
    assert kept(app).hits == hits + 1
    assert untokened(second) == untokened(first)
    assert MEERA_SAYS in second and 'id="answer-form"' in second
    assert [s for s in rendered if "FROM answers" in s]
    assert not [s for s in served if "FROM answers" in s or "FROM pairing_requests" in s]
    assert len(served) < len(rendered)


def test_each_member_gets_their_own_page(app, thread):
    clients = {email: signed_in(app, email) for email in (SENIOR, JUNIOR, THIRD)}
    pages = {}
    for email in (SENIOR, JUNIOR, THIRD, SENIOR, JUNIOR, THIRD):
        pages.setdefault(email, []).append(view(app, clients[email], thread["url"])[0])
    assert "Close this request" in pages[SENIOR][1] and 'id="answer-form"' not in pages[SENIOR][1]
    assert 'id="answer-form"' in pages[JUNIOR][1] and "Close this request" not in pages[JUNIOR][1]
    assert "Withdraw my answer" in pages[THIRD][1] and 'id="answer-form"' not in pages[THIRD][1]
    assert kept(app).hits == 3


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_shows_at_the_members_next_view(app, thread, change):
    do, shows = CHANGES[change]
    member = signed_in(app, JUNIOR)
    before, _ = view(app, member, thread["url"])
    assert untokened(view(app, member, thread["url"])[0]) == untokened(before)  # kept
    assert MEERA_SAYS in before and not shows(before)

    do(app, thread)

    after, _ = view(app, member, thread["url"])
    assert shows(after), after


def test_a_block_shows_at_once(app, thread, people):
    member = signed_in(app, JUNIOR)
    view(app, member, thread["url"])
    assert MEERA_SAYS in view(app, member, thread["url"])[0]
    handle = handle_of(app, people["third"])
    assert member.post(f"/members/{handle}/block").status_code == 303
    member.get(f"/members/{handle}")  # reads the flashed message
    assert MEERA_SAYS not in view(app, member, thread["url"])[0]


def test_the_header_and_the_viewers_own_row_show_at_once(app, thread, people):
    member = signed_in(app, JUNIOR)
    view(app, member, thread["url"])
    assert '<span class="badge">' not in view(app, member, thread["url"])[0]
    with app.app_context():
        notify(people["junior"], "Meera answered too.", thread["url"])
        db.session.commit()
    assert '<span class="badge">1<' in view(app, member, thread["url"])[0]

    # Made a moderator: now sees what the moderators hid, with the note.
    admin = signed_in(app, "kiran@example.com")
    make_admin(app, people["fourth"])
    answer = thread["answer"]
    hidden = admin.post(
        f"/admin/items/answer/{answer}/hide", data={f"answer{answer}-reason": "Spam."}
    )
    assert hidden.status_code == 303
    assert MEERA_SAYS not in view(app, member, thread["url"])[0]
    make_admin(app, people["junior"])
    page = view(app, member, thread["url"])[0]
    assert MEERA_SAYS in page and "Hidden by the moderators: Spam." in page


def test_a_flashed_message_is_shown_once_and_never_kept(app, thread):
    member = signed_in(app, JUNIOR)
    view(app, member, thread["url"])
    answered = member.post(f"{thread['url']}/answers", data={"message": ANSWER})
    assert answered.status_code == 303
    with_message, _ = view(app, member, answered.headers["Location"])
    flash = re.search(r'<div class="notice notice-success">([^<]+)</div>', with_message)
    assert flash, with_message[:2000]
    assert flash.group(1) not in view(app, member, thread["url"])[0]
    assert flash.group(1) not in view(app, member, thread["url"])[0]


def test_htmx_and_the_debug_server_render_afresh(app, thread, migrated):
    member = signed_in(app, JUNIOR)
    view(app, member, thread["url"])
    hits = kept(app).hits
    assert member.get(thread["url"], headers={"HX-Request": "true"}).status_code == 200
    assert kept(app).hits == hits

    debug = make_app(migrated)
    debug.jinja_env.auto_reload = True  # what the debug server sets: templates reload
    client = signed_in(debug, JUNIOR)
    client.get(thread["url"])
    client.get(thread["url"])
    assert KEPT not in debug.extensions


def test_a_kept_page_carries_the_token_of_the_session_that_reads_it(migrated, smtp, thread):
    app = make_app(migrated, WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)

    def session():
        client = app.test_client()
        token = csrf_field(text(client.get("/login")))
        data = {"email": JUNIOR, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
        return client

    first, second = session(), session()  # two browsers of one member
    first.get(thread["url"])
    hits = app.extensions[KEPT].hits
    page = text(second.get(thread["url"]))
    assert app.extensions[KEPT].hits == hits + 1
    token = hx_headers(page)["X-CSRFToken"]
    assert set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)) == {token}
    assert token != hx_headers(text(first.get(thread["url"])))["X-CSRFToken"]
    answered = second.post(
        f"{thread['url']}/answers", data={"message": ANSWER, "csrf_token": token}
    )
    assert answered.status_code == 303, text(answered)[:300]
    assert ANSWER in text(second.get(thread["url"]))


def test_a_thread_still_renders_in_a_few_queries_when_nothing_is_kept(app, thread, people):
    make_answer(app, thread["request"], people["junior"], ANSWER)
    member = signed_in(app, JUNIOR)
    member.get(thread["url"])
    kept(app).clear()
    page, statements = view(app, member, thread["url"])
    assert page.count('class="answer answer-') == 2
    assert len(statements) <= 8, "\n".join(statements)
