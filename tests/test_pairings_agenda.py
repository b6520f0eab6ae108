"""A quarter's goals and agenda, written as the specification reads (SPEC.md §4):
each side writes its own goal; the agenda starts from the three-session template and
either member adds, edits, moves and deletes items until the quarter is complete.

Fixtures `pair`, `pairing_people`, `as_member`, `other_pair`: conftest.py (which also
says how a change answers: plain form and htmx, 422 / 403 / 409)."""

from __future__ import annotations

import re

import pytest

from portal.members.models import Member

from .factories import complete_quarter, log_entry, make_pairing
from .helpers import (
    HTMX,
    TEMPLATE_TITLES,
    agenda,
    agenda_titles,
    assert_fragment,
    change,
    entries,
    fragment_of,
    pair_of,
    quarters,
    set_columns,
    snapshot,
    text,
)

# --- goals --------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["senior", "junior"])
def test_each_side_writes_its_own_goal_and_the_partner_reads_it(app, pair, as_member, side):
    goal = f"The {side} goal: a board note drafted in ten minutes."
    response = as_member(side).post(f"{pair.page}/goals/{side}", data={"goal": f"  {goal} "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#quarter-current"
    assert quarters(app, pair)[0][f"{side}_goal"] == goal
    assert goal in text(as_member(side).get(pair.page))
    partner = "junior" if side == "senior" else "senior"
    assert f'<p class="user-text" dir="auto">{goal}</p>' in text(as_member(partner).get(pair.page))


def test_a_goal_saved_over_htmx_answers_the_quarter_section(app, pair, as_member):
    goal = "Use it for the quarterly report, with my own judgement on top."
    response = as_member("junior").post(
        f"{pair.page}/goals/junior", data={"goal": goal}, headers=HTMX
    )
    assert response.status_code == 200
    assert_fragment(response, "quarter-current")
    assert goal in text(response)
    assert "Your goal is saved." in text(response)
    assert quarters(app, pair)[0]["junior_goal"] == goal


@pytest.mark.parametrize("who", ["senior", "junior"])
def test_a_member_cannot_write_the_partners_goal(app, pair, as_member, who):
    other = "junior" if who == "senior" else "senior"
    before = snapshot(app)
    for headers in ({}, HTMX):
        response = as_member(who).post(
            f"{pair.page}/goals/{other}", data={"goal": "Written for you."}, headers=headers
        )
        assert response.status_code == 403
        assert "Each of you writes your own goal" in text(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("side", ["mentor", "admin", "Senior"])
def test_a_goal_for_an_unknown_side_is_not_found(app, pair, as_member, side):
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/goals/{side}", data={"goal": "Mine."})
    assert response.status_code == 404
    assert snapshot(app) == before


def test_a_goal_of_600_characters_is_kept_and_601_are_refused(app, pair, as_member):
    url = f"{pair.page}/goals/senior"
    assert as_member("senior").post(url, data={"goal": "a" * 600}).status_code == 303
    assert quarters(app, pair)[0]["senior_goal"] == "a" * 600
    too_long = "b" * 601
    response = as_member("senior").post(url, data={"goal": too_long})
    assert response.status_code == 422
    assert too_long in text(response)
    assert quarters(app, pair)[0]["senior_goal"] == "a" * 600


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("side", "about"), [("senior", "the judgement you share"), ("junior", "the tool")]
)
def test_a_refused_goal_keeps_its_label(app, pair, as_member, side, about, htmx):
    response = as_member(side).post(
        f"{pair.page}/goals/{side}", data={"goal": "c" * 601}, headers=HTMX if htmx else {}
    )
    assert response.status_code == 422
    assert f"Your goal for {about}" in text(response)


def test_the_partners_goal_is_refused_before_its_text_is_read(app, pair, as_member):
    before = snapshot(app)
    response = as_member("junior").post(f"{pair.page}/goals/senior", data={"goal": "x" * 601})
    assert response.status_code == 403
    assert snapshot(app) == before


# --- the agenda ---------------------------------------------------------------------------


def test_a_new_pairing_starts_from_the_three_session_template(app, pair, as_member):
    items = agenda(app, pair)
    assert [item["title"] for item in items] == TEMPLATE_TITLES
    assert [item["position"] for item in items] == [1, 2, 3]
    assert all("Last ten minutes, the other way" in item["detail"] for item in items)
    page = text(as_member("junior").get(pair.page))
    assert agenda_titles(page) == TEMPLATE_TITLES
    assert "Quarter 1: ChatGPT" in page


@pytest.mark.parametrize(
    ("senior", "junior", "first"),
    [("hi", "hi", "मुझे दिखाइए"), ("hi", "en", "Show me"), ("en", "en", "Show me")],
)
def test_the_template_is_written_in_hindi_when_both_use_the_portal_in_hindi(
    app, pairing_people, senior, junior, first
):
    set_columns(app, Member, pairing_people["senior"], locale=senior)
    set_columns(app, Member, pairing_people["junior"], locale=junior)
    begun = pair_of(app, make_pairing(app, pairing_people["senior"], pairing_people["junior"]))
    items = agenda(app, begun)
    assert items[0]["title"] == first
    assert len(items) == 3 and all(item["detail"] for item in items)
    hindi = first != "Show me"
    assert all(("Last ten minutes" in item["detail"]) is not hindi for item in items)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_either_member_adds_an_item_at_the_end_of_the_agenda(app, pair, as_member, htmx):
    data = {"title": "  Minutes from a recording ", "detail": "Bring one from March."}
    response = as_member("junior").post(
        f"{pair.page}/agenda", data=data, headers=HTMX if htmx else {}
    )
    if htmx:
        assert response.status_code == 200
        assert_fragment(response, "quarter-current")
        page = text(response)
        choices = re.search(r'<select[^>]*hx-swap-oob="true"[^>]*>.*?</select>', page, re.S)
        assert choices, "the log's agenda choices follow the agenda"
        assert "Minutes from a recording</option>" in choices.group(0)
    else:
        assert response.status_code == 303
        page = text(as_member("senior").get(pair.page))
    titles = [*TEMPLATE_TITLES, "Minutes from a recording"]
    assert agenda_titles(page) == titles
    assert "Bring one from March." in page
    items = agenda(app, pair)
    assert [item["title"] for item in items] == titles
    assert (items[-1]["position"], items[-1]["detail"]) == (4, "Bring one from March.")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_item_is_edited_through_its_own_prefixed_fields(app, pair, as_member, htmx):
    item = pair.items[1]
    data = {f"i{item}-title": "Try it on this week's note", f"i{item}-detail": "Hands on."}
    response = as_member("senior").post(
        f"{pair.page}/agenda/{item}", data=data, headers=HTMX if htmx else {}
    )
    assert response.status_code == (200 if htmx else 303)
    titles = ["Show me", "Try it on this week's note", "Teach it back"]
    assert [row["title"] for row in agenda(app, pair)] == titles
    assert agenda(app, pair)[1]["detail"] == "Hands on."
    page = text(response) if htmx else text(as_member("junior").get(pair.page))
    assert agenda_titles(page) == titles


def test_an_item_ignores_fields_without_its_prefix(app, pair, as_member):
    item = pair.items[0]
    before = snapshot(app)
    response = as_member("senior").post(
        f"{pair.page}/agenda/{item}", data={"title": "Renamed", "detail": "Unprefixed."}
    )
    assert response.status_code == 422
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("index", "direction", "order"),
    [
        (0, "down", [1, 0, 2]),
        (2, "up", [0, 2, 1]),
        (1, "up", [1, 0, 2]),
        (1, "down", [0, 2, 1]),
        (0, "up", [0, 1, 2]),  # the first item can't go higher: nothing moves
        (2, "down", [0, 1, 2]),  # nor the last lower
    ],
)
def test_moving_an_item_swaps_it_with_its_neighbour(app, pair, as_member, index, direction, order):
    response = as_member("junior").post(
        f"{pair.page}/agenda/{pair.items[index]}/move", data={"direction": direction}, headers=HTMX
    )
    assert response.status_code == 200
    expected = [TEMPLATE_TITLES[i] for i in order]
    assert [row["title"] for row in agenda(app, pair)] == expected
    assert [row["position"] for row in agenda(app, pair)] == [1, 2, 3]
    assert agenda_titles(text(response)) == expected
    plain = as_member("junior").post(
        f"{pair.page}/agenda/{pair.items[index]}/move", data={"direction": "sideways"}
    )
    assert plain.status_code == 400


def test_deleting_an_item_keeps_the_sessions_that_named_it(app, pair, as_member):
    item = pair.items[1]
    entry = log_entry(
        app, pair.id, pair.senior, covered="Tried it on a real note", notes="Slow going.", item=item
    )
    response = as_member("senior").post(f"{pair.page}/agenda/{item}/delete")
    assert response.status_code == 303
    assert [row["title"] for row in agenda(app, pair)] == ["Show me", "Teach it back"]
    kept = entries(app, pair)[0]
    assert kept["id"] == entry
    assert (kept["covered"], kept["notes"], kept["agenda_item_id"]) == (
        "Tried it on a real note",
        "Slow going.",
        None,
    )
    page = text(as_member("junior").get(pair.page))
    logged = fragment_of(page, f"session-{entry}")
    assert "Tried it on a real note" in logged
    assert "Slow going." in logged
    assert "Try it on my real work" not in logged


@pytest.mark.parametrize("name", ["edit item", "move item", "delete item"])
def test_an_item_of_another_pairing_is_404(app, pair, other_pair, as_member, name):
    path, data = change(name, pair)
    foreign = other_pair.items[0]
    path = path.replace(f"/agenda/{pair.items[0]}", f"/agenda/{foreign}")
    data = {key.replace(str(pair.items[0]), str(foreign)): v for key, v in data.items()}
    before = snapshot(app)
    assert as_member("senior").post(path, data=data).status_code == 404
    assert as_member("senior").post(path, data=data, headers=HTMX).status_code == 404
    assert snapshot(app) == before


def test_an_item_edited_without_a_title_stays_open_with_its_detail(app, pair, as_member):
    item = pair.items[2]
    before = snapshot(app)
    response = as_member("junior").post(
        f"{pair.page}/agenda/{item}",
        data={f"i{item}-title": "", f"i{item}-detail": "Teach it to a colleague."},
        headers=HTMX,
    )
    assert response.status_code == 422
    edited = fragment_of(text(response), f"item-{item}")
    assert '<details class="edit" open>' in edited
    assert "Teach it to a colleague." in edited
    assert "Please give the item a short title." in edited
    assert snapshot(app) == before


@pytest.mark.parametrize("name", ["add item", "edit item", "move item", "delete item", "goal"])
def test_the_agenda_and_goals_stop_changing_once_the_quarter_is_complete(
    app, pair, as_member, name
):
    complete_quarter(app, pair.id)
    url, data = change(name, pair)
    before = snapshot(app)
    response = as_member("senior").post(url, data=data)
    assert response.status_code == 409
    assert snapshot(app) == before
    page = text(as_member("senior").get(pair.page))
    assert f'action="{pair.page}/agenda' not in page
    assert f'action="{pair.page}/goals' not in page
