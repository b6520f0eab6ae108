"""Accepting an answer, written as the specification reads (SPEC.md §3 and §4;
SECURITY.md "Access" and "Races"): only the author accepts, an answer of that request;
acceptance starts a pairing (the seeker is its senior), tells everyone and closes the
request; a colleague from the same organisation is confirmed first; and two accepts
at the same moment make one pairing.

Fixtures `people` and `answered`: conftest.py (which also says how each behaviour is
checked, on the plain path and the htmx path)."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlencode, urlsplit

import pytest

from portal.board import services
from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings

from .factories import make_answer, make_request
from .helpers import (
    FOURTH,
    HTMX,
    JUNIOR,
    PASSWORD,
    SENIOR,
    THIRD,
    LiveServer,
    age,
    answer_statuses,
    client_for,
    list_ids,
    make_app,
    notifications_of,
    pairings_of,
    request_row,
    sign_in,
    text,
)

# --- accepting ----------------------------------------------------------------------------


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


# --- two accepts at the same moment -------------------------------------------------------


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
