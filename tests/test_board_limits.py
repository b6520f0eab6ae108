"""The new-member limits, written as the specification reads (SPEC.md §3): in their
first weeks a member keeps one request open and answers up to three a day, until their
first pairing; an established member has no such limits.

Fixtures `people` and `answered`: conftest.py (which also says how each behaviour is
checked, on the plain path and the htmx path)."""

from __future__ import annotations

import pytest

from portal.board import services
from portal.board.models import Answer, PairingRequest
from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings

from .factories import make_answer, make_request
from .helpers import (
    ANSWER,
    HTMX,
    JUNIOR,
    SENIOR,
    age,
    answer_statuses,
    client_for,
    form_data,
    request_count,
    request_row,
    sign_in,
    text,
)

# --- new-member limits --------------------------------------------------------------------


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
