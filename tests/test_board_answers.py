"""Answers on the pairing board, written as the specification reads (SPEC.md §3;
SECURITY.md "Access" and "CSRF"; STYLE.md "HTMX conventions"): answering a request
(and the author told), the rules an answer follows, withdrawing one, and the CSRF
token htmx sends.

Fixtures `people` and `answered`: conftest.py (which also says how each behaviour is
checked, on the plain path and the htmx path)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal.board.models import AnswerStatus, PairingRequest, Status
from portal.members.models import Member

from .factories import make_answer, make_request
from .helpers import (
    ANSWER,
    HTMX,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    answer_statuses,
    client_for,
    csrf_field,
    hx_headers,
    notifications_of,
    request_row,
    set_columns,
    sign_in,
    text,
)

# --- answering ----------------------------------------------------------------------------


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


# --- withdrawing an answer ----------------------------------------------------------------


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


# --- CSRF on htmx -------------------------------------------------------------------------


HTTPS = "https://portal.test"


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


def test_answers_are_limited_per_member(migrated, app, people):
    """Issue 11, item 2, for answers (requests and messages share the same limit)."""
    from .factories import make_request
    from .helpers import JUNIOR, make_app, sign_in

    first = make_request(app, people["senior"], title="Teach me Excel")
    second = make_request(app, people["fourth"], kind="offering", title="Learn Claude")
    limited = make_app(migrated, RATELIMIT_ENABLED=True, RATELIMIT_ANSWERS="1 per hour")
    client = limited.test_client()
    sign_in(client, JUNIOR)
    message = "I use it every day and would love to show you how it fits your week."
    assert client.post(f"/requests/{first}/answers", data={"message": message}).status_code == 303
    refused = client.post(f"/requests/{second}/answers", data={"message": message})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
