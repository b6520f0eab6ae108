"""Anonymous board pages are cached per worker until the board changes."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db

from .helpers import PASSWORD, recorded_statements, sign_in


def _count_queries(app, fn):
    with recorded_statements(app) as seen:
        result = fn()
    return result, [statement for statement, _ in seen]


def _post(client, title):
    response = client.post(
        "/requests/",
        data={
            "kind": "seeking",
            "title": title,
            "tool": "ChatGPT",
            "description": "I want to learn to draft board notes with it.",
            "format": "online",
        },
    )
    assert response.status_code == 303


def test_a_cached_board_page_costs_one_small_query_until_the_board_changes(app, make_member):
    make_member()
    member = app.test_client()
    sign_in(member)
    _post(member, "Teach me ChatGPT for board notes")

    reader = app.test_client()
    first, _ = _count_queries(app, lambda: reader.get("/requests/"))
    again, statements = _count_queries(app, lambda: reader.get("/requests/"))
    assert first.data == again.data
    assert len(statements) == 1 and "board_state" in statements[0]

    # A change bumps the version: the next anonymous page shows it.
    response = member.post(f"/requests/{_first_request_id(app)}/close", data={})
    assert response.status_code == 303
    after = reader.get("/requests/")
    assert "Teach me ChatGPT for board notes" not in after.get_data(as_text=True)


def test_signed_in_members_always_get_a_fresh_board(app, make_member):
    make_member()
    member = app.test_client()
    sign_in(member)
    member.get("/requests/")
    _, statements = _count_queries(app, lambda: member.get("/requests/"))
    assert len(statements) > 1


def test_the_cached_board_answers_conditional_gets(app):
    reader = app.test_client()
    first = reader.get("/requests/")
    assert first.cache_control.public and first.headers["ETag"]
    again = reader.get("/requests/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def _first_request_id(app) -> int:
    from portal.board.models import PairingRequest

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.min(PairingRequest.id)))


def test_a_name_change_shows_on_the_cached_board(app, make_member):
    make_member()
    member = app.test_client()
    sign_in(member)
    _post(member, "Teach me ChatGPT for board notes")
    reader = app.test_client()
    assert "Asha Kulkarni" in reader.get("/requests/").get_data(as_text=True)
    response = member.post(
        "/account/profile",
        data={
            "name": "Asha K.",
            "role": "senior",
            "timezone": "Asia/Kolkata",
            "language": "en",
            "meeting_mode": "video",
        },
    )
    assert response.status_code == 303
    page = reader.get("/requests/").get_data(as_text=True)
    assert "Asha K." in page and "Asha Kulkarni" not in page


def test_a_deleted_members_open_answers_and_requests_leave_the_board(app, make_member):
    from portal.board.models import Answer, PairingRequest

    make_member(email="author@example.com", name="Author One")
    make_member(email="leaver@example.com", name="Leaving Member", role="junior")
    author, leaver = app.test_client(), app.test_client()
    sign_in(author, "author@example.com")
    sign_in(leaver, "leaver@example.com")
    _post(author, "Teach me ChatGPT for board notes")
    first = _first_request_id(app)
    response = leaver.post(
        "/requests/",
        data={
            "kind": "offering",
            "title": "I can teach Excel formulas",
            "tool": "Excel",
            "description": "Bring a real sheet and we will work on it together.",
            "format": "online",
        },
    )
    assert response.status_code == 303
    assert (
        leaver.post(
            f"/requests/{first}/answers", data={"message": "I can help with this, evenings."}
        ).status_code
        == 303
    )

    response = leaver.post("/account/delete", data={"delete-current_password": PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.request_id == first))
        assert answer.status.value == "withdrawn"
        assert db.session.get(PairingRequest, first).answer_count == 0
        statuses = {r.title: r.status.value for r in db.session.scalars(sa.select(PairingRequest))}
    assert statuses["I can teach Excel formulas"] == "withdrawn"
    page = app.test_client().get("/requests/").get_data(as_text=True)
    assert "I can teach Excel formulas" not in page
    # The accept the author might have made is refused: nothing left to accept.
    assert author.post(f"/requests/{first}/answers/{answer.id}/accept").status_code == 409


def test_the_new_request_page_posts_without_htmx(app, make_member):
    make_member()
    member = app.test_client()
    sign_in(member)
    page = member.get("/requests/new").get_data(as_text=True)
    form = page[
        page.index('<form class="stack"') : page.index(">", page.index('<form class="stack"'))
    ]
    assert "hx-post" not in form
