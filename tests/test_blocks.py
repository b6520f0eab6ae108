"""Blocks, as SPEC.md §5 reads: "A member can block another: they never see each
other's requests and answers, and are never paired." Blocking is done from the
profile (`POST /members/<handle>/block`), lifted there or from the account page
(`/unblock`), silent for the member blocked, and works both ways round.

Fixtures `people` and `answered`: conftest.py. Asha (senior) asks; Ravi (junior)
teaches ChatGPT and is suggested her request; Meera and Kiran are other juniors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.board import services as board
from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
from portal.extensions import db
from portal.members import blocks
from portal.members.blocks import MemberBlock
from portal.members.models import Member
from portal.pairings import services as pairings

from .factories import make_answer, make_request
from .helpers import (
    HTMX,
    JUNIOR,
    SENIOR,
    THIRD,
    age,
    answer_statuses,
    assert_fragment,
    assert_sent_to_login,
    client_for,
    fetch,
    handle_of,
    list_ids,
    notifications_of,
    pairings_of,
    request_row,
    set_columns,
    suggested_ids,
    text,
    unescaped,
)


def block(app, blocker_id: int, blocked_id: int) -> None:
    """`blocker` blocks `blocked` through the service, as the route does."""
    with app.app_context():
        blocks.block(db.session.get(Member, blocker_id), db.session.get(Member, blocked_id))


def block_rows(app) -> set[tuple[int, int]]:
    return {
        (r["blocker_id"], r["blocked_id"])
        for r in fetch(app, MemberBlock, order=[MemberBlock.blocker_id])
    }


def answer_ids(page: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'<li class="answer answer-\w+" id="answer-(\d+)"', page)]


# The two directions: who blocks whom, seen from Ravi (the junior who answers Asha).
DIRECTIONS = pytest.mark.parametrize("blocker", ["senior", "junior"])


def _other(side: str) -> str:
    return "junior" if side == "senior" else "senior"


# --- blocking and unblocking: the plain form and htmx --------------------------------------


def test_blocking_from_a_profile_redirects_back_and_says_what_it_does(app, people):
    asha = client_for(app, SENIOR)
    ravi = handle_of(app, people["junior"])
    page = text(asha.get(f"/members/{ravi}"))
    assert f'action="/members/{ravi}/block"' in page
    assert "They are not told" in page

    response = asha.post(f"/members/{ravi}/block")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/members/{ravi}")
    assert block_rows(app) == {(people["senior"], people["junior"])}
    page = unescaped(asha.get(f"/members/{ravi}"))
    assert "You blocked Ravi Iyer" in page  # the flash
    assert f'action="/members/{ravi}/unblock"' in page
    assert f'action="/members/{ravi}/block"' not in page


def test_blocking_with_htmx_answers_the_button_changed_in_place(app, people):
    asha = client_for(app, SENIOR)
    ravi = handle_of(app, people["junior"])
    response = asha.post(f"/members/{ravi}/block", headers=HTMX)
    assert response.status_code == 200
    assert_fragment(response, f"block-{ravi}")
    assert f'hx-post="/members/{ravi}/unblock"' in text(response)
    assert block_rows(app) == {(people["senior"], people["junior"])}

    response = asha.post(f"/members/{ravi}/unblock", headers=HTMX)
    assert response.status_code == 200
    assert_fragment(response, f"block-{ravi}")
    assert f'hx-post="/members/{ravi}/block"' in text(response)
    assert block_rows(app) == set()


def test_blocking_is_silent(app, people, smtp):
    notices_before = notifications_of(app, people["junior"])
    asha = client_for(app, SENIOR)
    asha.post(f"/members/{handle_of(app, people['junior'])}/block")
    assert notifications_of(app, people["junior"]) == notices_before
    assert smtp.to("ravi@example.com") == []
    # Ravi's view of Asha's profile still offers him a block of his own, nothing more.
    page = text(client_for(app, JUNIOR).get(f"/members/{handle_of(app, people['senior'])}"))
    assert "blocked" not in page.replace("Blocking Asha", "")


def test_own_profile_and_signed_out_visitors_get_no_block_button(app, client, people):
    asha_handle = handle_of(app, people["senior"])
    assert "/block" not in text(client.get(f"/members/{asha_handle}"))
    assert "/block" not in text(client_for(app, SENIOR).get(f"/members/{asha_handle}"))


def test_the_account_page_lists_blocks_and_unblocks_them(app, people):
    asha = client_for(app, SENIOR)
    assert "You haven't blocked anyone" in unescaped(asha.get("/account"))
    for who in ("junior", "third"):
        asha.post(f"/members/{handle_of(app, people[who])}/block")
    page = unescaped(asha.get("/account"))
    assert "Members you have blocked" in page
    assert "Ravi Iyer" in page and "Meera Nair" in page and "Kiran Rao" not in page
    ravi = handle_of(app, people["junior"])
    assert f'action="/members/{ravi}/unblock"' in page

    # The plain form comes back to the account page, at the list.
    response = asha.post(f"/members/{ravi}/unblock", data={"back": "account"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account#blocks")
    assert block_rows(app) == {(people["senior"], people["third"])}
    page = unescaped(asha.get("/account"))
    assert "You unblocked Ravi Iyer" in page
    assert f'action="/members/{ravi}/unblock"' not in page

    # With htmx the row turns into a "Block" button (an undo), still for the account page.
    meera = handle_of(app, people["third"])
    response = asha.post(f"/members/{meera}/unblock", data={"back": "account"}, headers=HTMX)
    assert_fragment(response, f"block-{meera}")
    assert 'name="back" value="account"' in text(response)
    assert block_rows(app) == set()


def test_a_former_member_leaves_the_list(app, people):
    block(app, people["senior"], people["junior"])
    set_columns(app, Member, people["junior"], deleted_at=sa.func.now())
    assert "Ravi Iyer" not in unescaped(client_for(app, SENIOR).get("/account"))


def test_the_export_lists_the_members_blocked(app, people):
    block(app, people["senior"], people["junior"])
    asha = client_for(app, SENIOR)
    exported = asha.get("/account/export").get_json()
    assert [b["handle"] for b in exported["blocks"]] == [handle_of(app, people["junior"])]
    ravi = client_for(app, JUNIOR).get("/account/export").get_json()
    assert ravi["blocks"] == []  # being blocked is not Ravi's data: he is never told


# --- bad input and permission ----------------------------------------------------------


def test_blocking_yourself_is_refused_with_a_message(app, people):
    asha = client_for(app, SENIOR)
    response = asha.post(f"/members/{handle_of(app, people['senior'])}/block")
    assert response.status_code == 403
    assert "You can't block yourself" in unescaped(response)
    assert block_rows(app) == set()


def test_blocking_twice_is_harmless_and_unblocking_someone_not_blocked_too(app, people):
    asha = client_for(app, SENIOR)
    ravi = handle_of(app, people["junior"])
    assert asha.post(f"/members/{ravi}/block").status_code == 303
    assert asha.post(f"/members/{ravi}/block", headers=HTMX).status_code == 200
    assert block_rows(app) == {(people["senior"], people["junior"])}
    meera = handle_of(app, people["third"])
    assert asha.post(f"/members/{meera}/unblock").status_code == 303
    assert block_rows(app) == {(people["senior"], people["junior"])}


def test_unknown_or_deleted_members_are_not_found(app, people):
    asha = client_for(app, SENIOR)
    assert asha.post("/members/nobody-here/block").status_code == 404
    assert asha.post("/members/nobody-here/unblock").status_code == 404
    ravi = handle_of(app, people["junior"])
    set_columns(app, Member, people["junior"], deleted_at=sa.func.now())
    assert asha.post(f"/members/{ravi}/block").status_code == 404
    assert block_rows(app) == set()


@pytest.mark.parametrize("verb", ["block", "unblock"])
def test_signed_out_visitors_are_sent_to_sign_in(app, client, people, verb):
    response = client.post(f"/members/{handle_of(app, people['junior'])}/{verb}")
    assert_sent_to_login(response)
    assert block_rows(app) == set()


# --- the board: neither sees the other's requests or answers ------------------------------


@DIRECTIONS
def test_neither_sees_the_others_requests_on_the_board(app, people, blocker):
    asha_request = make_request(app, people["senior"], title="Teach me ChatGPT")
    meera_request = make_request(
        app, people["third"], kind="offering", title="I teach Claude", tool="Claude"
    )
    ravi = client_for(app, JUNIOR)
    page = text(ravi.get("/requests/"))
    assert asha_request in list_ids(page) and asha_request in suggested_ids(page)

    block(app, people[blocker], people[_other(blocker)])
    page = text(ravi.get("/requests/"))
    assert list_ids(page) == [meera_request]
    assert suggested_ids(page) == []
    assert list_ids(text(ravi.get("/requests/?q=chatgpt", headers=HTMX))) == []
    # Asha doesn't see Ravi's offer either.
    age(app, people["junior"])
    ravi_offer = make_request(app, people["junior"], kind="offering", title="I teach ChatGPT")
    asha_page = text(client_for(app, SENIOR).get("/requests/"))
    assert ravi_offer not in list_ids(asha_page)
    assert meera_request in list_ids(asha_page)
    # Everyone else, signed in or not, still sees both.
    for other in (client_for(app, THIRD), app.test_client()):
        ids = list_ids(text(other.get("/requests/")))
        assert asha_request in ids and ravi_offer in ids


@DIRECTIONS
def test_the_request_page_across_a_block_is_not_found(app, people, blocker):
    asha_request = make_request(app, people["senior"], title="Teach me ChatGPT")
    block(app, people[blocker], people[_other(blocker)])
    assert client_for(app, JUNIOR).get(f"/requests/{asha_request}").status_code == 404
    assert client_for(app, THIRD).get(f"/requests/{asha_request}").status_code == 200
    # Nor are the author's open requests on their profile.
    profile = text(client_for(app, JUNIOR).get(f"/members/{handle_of(app, people['senior'])}"))
    assert f'id="request-{asha_request}"' not in profile
    profile = text(client_for(app, THIRD).get(f"/members/{handle_of(app, people['senior'])}"))
    assert f'id="request-{asha_request}"' in profile


@DIRECTIONS
def test_neither_sees_the_others_answers(app, people, answered, blocker):
    """Ravi answered Asha's request, and Meera did; then one of Asha and Ravi blocks the
    other. Asha sees only Meera's answer, and no way to accept Ravi's; Kiran sees both."""
    block(app, people[blocker], people[_other(blocker)])
    url = f"/requests/{answered['request']}"
    page = text(client_for(app, SENIOR).get(url))
    assert answer_ids(page) == [answered["other"]]
    assert f"/answers/{answered['chosen']}/accept" not in page
    assert answer_ids(text(client_for(app, "kiran@example.com").get(url))) == [
        answered["chosen"],
        answered["other"],
    ]


def test_a_blocked_member_never_sees_answers_on_a_third_members_request(app, people):
    """Asha blocked Ravi: on Kiran's request neither sees the other's answer."""
    age(app, people["fourth"])
    kiran_request = make_request(app, people["fourth"], kind="offering", title="I teach Excel")
    ravi_answer = make_answer(app, kiran_request, people["junior"])
    asha_answer = make_answer(app, kiran_request, people["senior"])
    block(app, people["senior"], people["junior"])
    url = f"/requests/{kiran_request}"
    assert answer_ids(text(client_for(app, SENIOR).get(url))) == [asha_answer]
    assert answer_ids(text(client_for(app, JUNIOR).get(url))) == [ravi_answer]
    assert answer_ids(text(client_for(app, "kiran@example.com").get(url))) == [
        ravi_answer,
        asha_answer,
    ]


@DIRECTIONS
def test_neither_can_answer_the_other(app, people, blocker):
    asha_request = make_request(app, people["senior"], title="Teach me ChatGPT")
    block(app, people[blocker], people[_other(blocker)])
    ravi = client_for(app, JUNIOR)
    # Through the page: the request isn't there for him, plain or htmx.
    url = f"/requests/{asha_request}/answers"
    assert ravi.post(url, data={"message": "Happy to help on Saturdays."}).status_code == 404
    assert ravi.post(url, data={"message": "Happy to help."}, headers=HTMX).status_code == 404
    # The rule itself, for any caller: refused with a message, nothing written.
    with app.app_context():
        member = db.session.get(Member, people["junior"])
        item = db.session.get(PairingRequest, asha_request)
        with pytest.raises(board.NotAllowed) as refused:
            board.answer_request(member, item, "Happy to help.")
    if blocker == "junior":
        assert "You have blocked this member" in str(refused.value)
    else:
        assert str(refused.value) == "You can't answer this request."  # nothing about a block
    assert request_row(app, asha_request)["answer_count"] == 0


def test_a_member_who_blocked_but_can_see_the_page_is_refused_with_the_reason(app, people):
    """A moderator sees every request page; having blocked its author, they still can't
    answer it, and are told why (403 with the message)."""
    set_columns(app, Member, people["third"], is_moderator=True)
    asha_request = make_request(app, people["senior"], title="Teach me ChatGPT")
    block(app, people["third"], people["senior"])
    meera = client_for(app, THIRD)
    response = meera.post(f"/requests/{asha_request}/answers", data={"message": "I can help."})
    assert response.status_code == 403
    assert "You have blocked this member" in unescaped(response)
    response = meera.post(
        f"/requests/{asha_request}/answers", data={"message": "I can help."}, headers=HTMX
    )
    assert response.status_code == 403
    assert request_row(app, asha_request)["answer_count"] == 0


def test_unblocking_brings_everything_back(app, people, answered):
    block(app, people["senior"], people["junior"])
    asha = client_for(app, SENIOR)
    assert answer_ids(text(asha.get(f"/requests/{answered['request']}"))) == [answered["other"]]
    asha.post(f"/members/{handle_of(app, people['junior'])}/unblock")
    page = text(asha.get(f"/requests/{answered['request']}"))
    assert answer_ids(page) == [answered["chosen"], answered["other"]]
    ravi = client_for(app, JUNIOR)
    assert answered["request"] in list_ids(text(ravi.get("/requests/")))


# --- pairings: never paired -----------------------------------------------------------------


@DIRECTIONS
def test_accepting_an_answer_across_a_block_is_refused(app, people, answered, blocker):
    block(app, people[blocker], people[_other(blocker)])
    asha = client_for(app, SENIOR)
    url = f"/requests/{answered['request']}/answers/{answered['chosen']}/accept"
    for headers in ({}, HTMX):
        response = asha.post(url, headers=headers)
        assert response.status_code == 403
        message = unescaped(response)
        if blocker == "senior":
            assert "You have blocked this member, so you can't be paired with them" in message
        else:
            assert "You can't be paired with them" in message
    assert request_row(app, answered["request"])["status"] is Status.OPEN
    assert set(answer_statuses(app, answered["request"]).values()) == {AnswerStatus.OPEN}
    assert pairings_of(app, answered["request"]) == []
    # The service refuses whoever calls it.
    with app.app_context():
        author = db.session.get(Member, people["senior"])
        item = db.session.get(PairingRequest, answered["request"])
        chosen = db.session.get(Answer, answered["chosen"])
        with pytest.raises(pairings.NotAllowed):
            pairings.accept_answer(author, item, chosen)
    assert pairings_of(app, answered["request"]) == []
    # Another answer is still accepted as usual.
    other = f"/requests/{answered['request']}/answers/{answered['other']}/accept"
    assert asha.post(other).status_code == 303
    assert len(pairings_of(app, answered["request"])) == 1
