"""The pairing page, written as the specification reads (SPEC.md §4; SECURITY.md
"Access", "XSS" and "CSRF"; STYLE.md "HTMX conventions"): who may see and change a
pairing, both goals, the agenda from the three-session template, the session log,
reflections and a quarter's completion, renewing and ending, messages and their
emails, sharing, escaping of everything members write, and CSRF.

Every change is a plain form post (303 back to the page, at its section) that htmx
also sends (HX-Request: true → 200 and only the section that changed). Invalid input
answers 422 with what was typed and a message next to the field; refusals answer 403
(not yours to change) or 409 (not from this state), and change nothing."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Message, Pairing, PairingStatus, Reflection

from .factories import complete_quarter, log_entry, ready
from .helpers import (
    ADMIN_NOTICE,
    CHANGES,
    COMPLETE,
    EMAILS,
    HTMX,
    JUNIOR,
    NAMES,
    PASSWORD,
    REFLECTION,
    SECTION,
    SENIOR,
    TEMPLATE_TITLES,
    Pair,
    agenda,
    agenda_titles,
    as_service,
    assert_fragment,
    assert_full_page,
    change,
    csrf_field,
    edit_data,
    entries,
    fetch,
    fragment_of,
    hx_headers,
    make_app,
    notices,
    pairing_row,
    quarters,
    session_data,
    set_columns,
    snapshot,
    text,
    today_for,
)

MEMBERS_ZONE = ZoneInfo("Asia/Kolkata")  # every member's time zone unless they chose one


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date in `zone` of a naive UTC moment from the database."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


# --- who may see and change a pairing -----------------------------------------------------


@pytest.mark.parametrize("who", ["senior", "junior"])
def test_both_members_see_the_pairing_page(pair, as_member, who):
    response = as_member(who).get(pair.page)
    assert response.status_code == 200
    page = text(response)
    assert "Asha Kulkarni and Ravi Iyer" in page
    assert ADMIN_NOTICE not in page
    assert f'action="{pair.page}/messages"' in page


@pytest.mark.parametrize("who", ["senior", "junior"])
@pytest.mark.parametrize("name", CHANGES)
def test_each_member_may_make_every_change(app, pair, as_member, who, name):
    url, data = ready(app, pair, name, side=who)
    before = snapshot(app)
    response = as_member(who).post(url, data=data)
    assert response.status_code == 303, text(response)
    anchor = f"#{SECTION[name]}" if SECTION[name] else ""
    assert response.headers["Location"] == pair.page + anchor
    assert snapshot(app) != before


def test_another_member_cannot_see_the_pairing(pair, as_member, other_pair):
    assert as_member("stranger").get(pair.page).status_code == 404
    assert f'href="{pair.page}"' not in text(as_member("stranger").get("/pairings/"))


@pytest.mark.parametrize("name", CHANGES)
def test_another_member_gets_404_on_every_change_and_nothing_changes(
    app, pair, as_member, smtp, name
):
    url, data = ready(app, pair, name, side="junior")
    before, mails = snapshot(app), len(smtp.messages)
    for headers in ({}, HTMX):
        assert as_member("stranger").post(url, data=data, headers=headers).status_code == 404
    assert snapshot(app) == before
    assert len(smtp.messages) == mails


def test_an_admin_reads_the_page_without_any_form_to_change_it(app, pair, as_member):
    log_entry(app, pair.id, pair.senior, covered="Prompts for board notes")
    response = as_member("admin").get(pair.page)
    assert response.status_code == 200
    page = text(response)
    assert ADMIN_NOTICE in page
    assert "Prompts for board notes" in page
    assert "Show me" in page
    assert f'action="{pair.page}/' not in page
    assert "hx-post=" not in page.split("<main", 1)[1]


@pytest.mark.parametrize("name", CHANGES)
def test_an_admin_is_refused_every_change_with_403_and_nothing_changes(app, pair, as_member, name):
    url, data = ready(app, pair, name)
    before = snapshot(app)
    plain = as_member("admin").post(url, data=data)
    assert plain.status_code == 403
    assert "Nothing was changed." in text(plain)
    htmx = as_member("admin").post(url, data=data, headers=HTMX)
    assert htmx.status_code == 403
    assert "<html" not in text(htmx)
    assert snapshot(app) == before


@pytest.mark.parametrize("name", CHANGES)
def test_an_admin_posting_an_empty_form_is_refused_not_corrected(app, pair, as_member, name):
    """A refusal never looks like a typing mistake: 403 before the form is read."""
    url, data = ready(app, pair, name)
    before = snapshot(app)
    response = as_member("admin").post(url, data={key: "" for key in data})
    assert response.status_code == 403, text(response)[:500]
    assert snapshot(app) == before


@pytest.mark.parametrize("name", CHANGES)
def test_an_unknown_pairing_is_404_on_every_url(pair, as_member, name):
    missing = dataclasses.replace(pair, id=pair.id + 1000)
    assert as_member("senior").get(missing.page).status_code == 404
    url, data = change(name, missing)
    assert as_member("senior").post(url, data=data).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(pair, client):
    response = client.get(pair.page)
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [pair.page]
    htmx = client.get(pair.page, headers=HTMX)
    assert htmx.status_code == 401
    redirect = urlsplit(htmx.headers["HX-Redirect"])
    assert redirect.path == "/login"
    assert parse_qs(redirect.query)["next"] == [pair.page]
    assert urlsplit(client.get("/pairings/").headers["Location"]).path == "/login"


@pytest.mark.parametrize("name", CHANGES)
def test_an_anonymous_post_is_sent_to_sign_in_and_changes_nothing(app, pair, client, name):
    url, data = ready(app, pair, name)
    before = snapshot(app)
    plain = client.post(url, data=data)
    assert plain.status_code == 303
    assert urlsplit(plain.headers["Location"]).path == "/login"
    htmx = client.post(url, data=data, headers=HTMX)
    assert htmx.status_code == 401
    assert urlsplit(htmx.headers["HX-Redirect"]).path == "/login"
    assert snapshot(app) == before


def test_the_list_of_pairings_shows_each_members_own(pair, as_member, other_pair):
    for who in ("senior", "junior"):
        page = text(as_member(who).get("/pairings/"))
        assert f'href="{pair.page}"' in page
        assert f'href="{other_pair.page}"' not in page
    assert "With Ravi Iyer" in text(as_member("senior").get("/pairings/"))
    assert "With Asha Kulkarni" in text(as_member("junior").get("/pairings/"))


# --- one URL, two renderings --------------------------------------------------------------


def test_the_page_says_it_varies_with_hx_request(pair, as_member):
    response = as_member("senior").get(pair.page)
    assert "HX-Request" in response.headers.get("Vary", "")
    assert_full_page(response)


@pytest.mark.parametrize("name", [n for n in CHANGES if n not in ("end", "renew")])
def test_an_htmx_change_answers_only_its_section(app, pair, as_member, name):
    url, data = ready(app, pair, name)
    response = as_member("senior").post(url, data=data, headers=HTMX)
    assert response.status_code == 200, text(response)
    assert_fragment(response, SECTION[name])
    assert 'role="status"' in text(response)
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("name", ["end", "renew"])
def test_an_htmx_end_or_renewal_moves_the_browser_to_the_page(app, pair, as_member, name):
    url, data = ready(app, pair, name)
    response = as_member("senior").post(url, data=data, headers=HTMX)
    assert response.status_code == 200
    assert urlsplit(response.headers["HX-Redirect"]).path == pair.page
    assert "Location" not in response.headers


# name → (form data, the section, the field whose message shows, the message, text kept)
INVALID = {
    "goal": (
        {"goal": "Draft board notes. " * 32},
        "quarter-current",
        "goal",
        "Up to 600 characters",
        "Draft board notes. Draft board notes.",
    ),
    "add item": (
        {"title": "", "detail": "Bring the minutes from March."},
        "quarter-current",
        "title",
        "Please give the item a short title.",
        "Bring the minutes from March.",
    ),
    "edit item": (
        {"i{item}-title": " ", "i{item}-detail": "Slower, from a blank page."},
        "quarter-current",
        "i{item}-title",
        "Please give the item a short title.",
        "Slower, from a blank page.",
    ),
    "log session": (
        {"covered": "", "notes": "We met at the library."},
        "sessions",
        "covered",
        "Please say in a line what you covered.",
        "We met at the library.",
    ),
    "edit session": (
        {"s{entry}-covered": "", "s{entry}-notes": "Corrected at the library."},
        "sessions",
        "s{entry}-covered",
        "Please say in a line what you covered.",
        "Corrected at the library.",
    ),
    "reflect": (
        {"learned": "   ", "taught": "Reading a balance sheet aloud."},
        "reflections",
        "learned",
        "Please write a sentence or two here.",
        "Reading a balance sheet aloud.",
    ),
    "renew": ({"tool": ""}, "reflections", "tool", "Please name the tool", 'name="tool"'),
    "end": (
        {"reason": "ok"},
        "reflections",
        "reason",
        "Between 3 and 500 characters",
        ">\r\nok</textarea>",
    ),
    "message": ({"body": "  "}, "messages", "body", "Please write a message.", 'name="body"'),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("name", INVALID)
def test_invalid_input_answers_422_with_the_message_and_the_input_kept(
    app, pair, as_member, name, htmx
):
    fields, section, field, message, kept = INVALID[name]
    url, data = ready(app, pair, name, **fields)
    entry = entries(app, pair)[0]["id"]
    field = field.format(item=pair.items[0], entry=entry)
    before = snapshot(app)
    response = as_member("senior").post(url, data=data, headers=HTMX if htmx else {})
    assert response.status_code == 422
    if htmx:
        assert_fragment(response, section)
    else:
        assert_full_page(response)
    page = text(response)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), page
    assert 'aria-invalid="true"' in page
    assert kept in page
    assert snapshot(app) == before


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
    assert f'<p class="user-text">{goal}</p>' in text(as_member(partner).get(pair.page))


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


# --- the agenda ---------------------------------------------------------------------------


def test_a_new_pairing_starts_from_the_three_session_template(app, pair, as_member):
    items = agenda(app, pair)
    assert [item["title"] for item in items] == TEMPLATE_TITLES
    assert [item["position"] for item in items] == [1, 2, 3]
    assert all("Last ten minutes, the other way" in item["detail"] for item in items)
    page = text(as_member("junior").get(pair.page))
    assert agenda_titles(page) == TEMPLATE_TITLES
    assert "Quarter 1: ChatGPT" in page


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


@pytest.mark.parametrize("name", ["goal", "add item", "edit item", "log session", "reflect"])
def test_a_stale_form_with_a_mistake_on_a_complete_quarter_is_refused_not_corrected(
    app, pair, as_member, name
):
    """The partner completed the quarter while this page was open: the answer is the
    refusal (409, with its message), not a 422 for a form the page no longer shows."""
    url, data = ready(app, pair, name, **INVALID[name][0])
    complete_quarter(app, pair.id)
    before = snapshot(app)
    response = as_member("senior").post(url, data=data, headers=HTMX)
    assert response.status_code == 409, text(response)[:300]
    assert "Nothing was changed." in text(response)
    assert snapshot(app) == before


# --- the session log ----------------------------------------------------------------------


def test_a_session_dated_today_is_logged_with_its_agenda_item(app, pair, as_member, pairing_people):
    data = session_data(agenda_item=str(pair.items[0]))
    response = as_member("junior").post(f"{pair.page}/sessions", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#sessions"
    [row] = entries(app, pair)
    assert row["author_id"] == pairing_people["junior"]
    assert row["held_on"] == today_for()
    assert row["agenda_item_id"] == pair.items[0]
    assert row["covered"] == "Prompts for a board note"
    assert row["notes"] == "Asha drafted March's note herself."
    assert row["quarter_id"] == quarters(app, pair)[0]["id"]
    logged = fragment_of(text(as_member("senior").get(pair.page)), f"session-{row['id']}")
    assert "Prompts for a board note" in logged
    assert "Show me" in logged
    assert "1 session this quarter" in text(as_member("senior").get(pair.page))


def test_a_session_logged_over_htmx_answers_the_session_log(app, pair, as_member):
    response = as_member("senior").post(f"{pair.page}/sessions", data=session_data(), headers=HTMX)
    assert response.status_code == 200
    assert_fragment(response, "sessions")
    assert "Prompts for a board note" in text(response)
    assert "The session is in the log." in text(response)
    assert len(entries(app, pair)) == 1


def test_a_session_the_day_the_pairing_began_is_accepted_and_the_day_before_refused(
    app, pair, as_member
):
    began = utcnow() - timedelta(days=10)
    set_columns(app, Pairing, pair.id, started_at=began)
    first_day = local_date(began, MEMBERS_ZONE)  # India is ahead of UTC: never earlier
    url = f"{pair.page}/sessions"
    refused = as_member("senior").post(
        url, data=session_data(held_on=(began.date() - timedelta(days=1)).isoformat())
    )
    assert refused.status_code == 422
    assert re.search(r'id="held_on-error">This pairing began on', text(refused))
    assert entries(app, pair) == []
    accepted = as_member("senior").post(url, data=session_data(held_on=first_day.isoformat()))
    assert accepted.status_code == 303
    assert [row["held_on"] for row in entries(app, pair)] == [first_day]


def test_a_member_west_of_utc_logs_a_session_on_the_local_day_the_pairing_began(
    app, pair, as_member, pairing_people
):
    """'Today' is the member's own date, so the day the pairing began must be too: in
    California the pairing below began on the previous calendar day."""
    now = utcnow()
    began = min(now, now.replace(hour=0, minute=0, second=30, microsecond=0))
    set_columns(app, Pairing, pair.id, started_at=began)
    set_columns(app, Member, pairing_people["senior"], timezone="America/Los_Angeles")
    local_start = local_date(began, ZoneInfo("America/Los_Angeles"))
    response = as_member("senior").post(
        f"{pair.page}/sessions", data=session_data(held_on=local_start.isoformat())
    )
    assert response.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)', text(response))
    assert [row["held_on"] for row in entries(app, pair)] == [local_start]


# name → (changes to the form, the field with the message, the message, text kept)
BAD_SESSIONS = {
    "in the future": (
        {"held_on": "{tomorrow}"},
        "held_on",
        "can't be dated in the future",
        "Asha drafted March",
    ),
    "without a date": ({"held_on": ""}, "held_on", "Please give the date", "Asha drafted March"),
    "with a date that is not one": (
        {"held_on": "31/02/2026"},
        "held_on",
        "Not a valid date",
        "Prompts for a board note",
    ),
    "without what was covered": (
        {"covered": "  "},
        "covered",
        "Please say in a line what you covered.",
        "Asha drafted March",
    ),
    "covering two lines": (
        {"covered": "Prompts\nand more"},
        "covered",
        "",
        "Asha drafted March",
    ),
    "with another pairing's item": (
        {"agenda_item": "{foreign}"},
        "agenda_item",
        "Please choose an item from this quarter's agenda.",
        "Prompts for a board note",
    ),
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", BAD_SESSIONS)
def test_an_invalid_session_is_refused_next_to_its_field_and_nothing_is_written(
    app, pair, other_pair, as_member, case, htmx
):
    changes, field, message, kept = BAD_SESSIONS[case]
    values = {"tomorrow": today_for() + timedelta(days=1), "foreign": other_pair.items[0]}
    data = session_data(**{key: value.format(**values) for key, value in changes.items()})
    before = snapshot(app)
    response = as_member("junior").post(
        f"{pair.page}/sessions", data=data, headers=HTMX if htmx else {}
    )
    assert response.status_code == 422
    if htmx:
        assert_fragment(response, "sessions")
    else:
        assert_full_page(response)
    page = html.unescape(text(response))
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), page
    assert kept in page
    assert snapshot(app) == before


def test_a_session_cannot_name_an_item_from_an_earlier_quarter(app, pair, as_member):
    complete_quarter(app, pair.id)
    as_service(app, pair.id, pair.senior, pairings.renew, "Claude")
    before = snapshot(app)
    response = as_member("senior").post(
        f"{pair.page}/sessions", data=session_data(agenda_item=str(pair.items[0]))
    )
    assert response.status_code == 422
    assert "Please choose an item from this quarter" in html.unescape(text(response))
    assert snapshot(app) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_either_member_corrects_an_entry_through_its_prefixed_fields(app, pair, as_member, htmx):
    entry = log_entry(app, pair.id, pair.senior, covered="Prompts", item=pair.items[0])
    yesterday = today_for() - timedelta(days=1)
    set_columns(app, Pairing, pair.id, started_at=utcnow() - timedelta(days=5))
    data = edit_data(entry, held_on=yesterday.isoformat(), agenda_item=str(pair.items[2]))
    response = as_member("junior").post(
        f"{pair.page}/sessions/{entry}", data=data, headers=HTMX if htmx else {}
    )
    if htmx:
        assert response.status_code == 200
        assert_fragment(response, "sessions")
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == f"{pair.page}#sessions"
    [row] = entries(app, pair)
    assert row["held_on"] == yesterday
    assert row["agenda_item_id"] == pair.items[2]
    assert (row["covered"], row["notes"]) == ("Prompts, corrected", "Ravi added the notes.")
    assert row["author_id"] == pair.senior


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"covered": ""}, "covered"),
        ({"held_on": "{tomorrow}"}, "held_on"),
        ({"agenda_item": "{foreign}"}, "agenda_item"),
    ],
    ids=["no covered", "future", "foreign item"],
)
def test_an_invalid_correction_shows_the_entrys_form_again_and_changes_nothing(
    app, pair, other_pair, as_member, changes, field, htmx
):
    """htmx: the log, with the entry's form open in its place; without JS: the
    correction page again. Either way the message is next to the field."""
    entry = log_entry(app, pair.id, pair.senior, covered="Prompts as logged")
    values = {"tomorrow": today_for() + timedelta(days=1), "foreign": other_pair.items[0]}
    data = edit_data(entry, **{key: value.format(**values) for key, value in changes.items()})
    before = snapshot(app)
    response = as_member("senior").post(
        f"{pair.page}/sessions/{entry}", data=data, headers=HTMX if htmx else {}
    )
    assert response.status_code == 422
    if htmx:
        assert_fragment(response, "sessions")
        corrected = fragment_of(text(response), f"session-{entry}")
    else:
        assert_full_page(response)
        corrected = text(response)
    assert re.search(rf'<form[^>]*action="{pair.page}/sessions/{entry}"', corrected)
    assert f'id="s{entry}-{field}-error"' in corrected
    assert "Ravi added the notes." in corrected
    assert snapshot(app) == before


def test_correct_this_entry_opens_its_form_in_place_or_on_its_own_page(app, pair, as_member):
    entry = log_entry(app, pair.id, pair.senior, covered="Prompts as logged", notes="First notes.")
    url = f"{pair.page}/sessions/{entry}/edit"
    assert f'href="{url}"' in text(as_member("junior").get(pair.page))
    htmx = as_member("junior").get(url, headers=HTMX)
    assert htmx.status_code == 200
    assert "<html" not in text(htmx)
    assert re.match(rf'\s*<li class="session-entry" id="session-{entry}">', text(htmx))
    plain = as_member("junior").get(url)
    assert plain.status_code == 200
    assert_full_page(plain)
    for response in (htmx, plain):
        form = text(response)
        assert re.search(rf'<form[^>]*action="{pair.page}/sessions/{entry}"', form)
        assert 'value="Prompts as logged"' in form
        assert "First notes." in form
        assert f'name="s{entry}-covered"' in form


@pytest.mark.parametrize(("who", "status"), [("stranger", 404), ("admin", 403)])
def test_only_the_two_members_open_an_entrys_correction_form(app, pair, as_member, who, status):
    entry = log_entry(app, pair.id, pair.senior)
    url = f"{pair.page}/sessions/{entry}/edit"
    assert as_member(who).get(url).status_code == status
    assert as_member(who).get(url, headers=HTMX).status_code == status
    anonymous = as_member("anonymous").get(url)
    assert urlsplit(anonymous.headers["Location"]).path == "/login"


def test_the_correction_form_of_another_pairings_entry_is_404(app, pair, other_pair, as_member):
    foreign = log_entry(app, other_pair.id, other_pair.senior, covered="Their session")
    assert as_member("senior").get(f"{pair.page}/sessions/{foreign}/edit").status_code == 404


def test_an_entry_of_another_pairing_is_404(app, pair, other_pair, as_member):
    foreign = log_entry(app, other_pair.id, other_pair.senior, covered="Their session")
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/sessions/{foreign}", data=edit_data(foreign))
    assert response.status_code == 404
    assert snapshot(app) == before


# --- reflections and a quarter's completion -----------------------------------------------


@pytest.mark.parametrize("field", ["learned", "taught", "next_quarter"])
def test_each_reflection_field_is_required_and_nothing_is_written(
    app, pair, as_member, smtp, field
):
    data = {**REFLECTION, field: "  "}
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/reflection", data=data)
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error">Please write a sentence or two here.' in page
    for name, value in REFLECTION.items():
        if name != field:
            assert value in page
    assert snapshot(app) == before
    assert smtp.to(JUNIOR) == []


def test_the_first_reflection_tells_the_partner_in_the_app_and_by_email(app, pair, as_member, smtp):
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#reflections"
    [reflection] = fetch(app, Reflection)
    assert reflection["member_id"] == pair.senior
    assert reflection["learned"] == REFLECTION["learned"]
    [notice] = notices(app, pair, pair.junior)
    assert "Asha Kulkarni reflected" in notice["text"]
    assert notice["url"] == f"{pair.page}#reflections"
    mail = smtp.last(JUNIOR)
    assert "reflected" in mail["Subject"]
    assert f"http://portal.test{pair.page}#reflections" in mail.get_content()
    assert "/unsubscribe/" in smtp.link(JUNIOR, contains="/unsubscribe/")
    assert "/unsubscribe/" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert quarters(app, pair)[0]["completed_at"] is None
    assert smtp.to(SENIOR) == []


def test_the_partners_reflection_is_hidden_until_yours_is_written(app, pair, as_member):
    secret = "I learned to say no to the first draft."
    as_member("senior").post(f"{pair.page}/reflection", data={**REFLECTION, "learned": secret})
    assert secret in text(as_member("senior").get(pair.page))
    waiting = text(as_member("junior").get(pair.page))
    assert secret not in waiting
    assert "Written. You will see it once yours is saved." in waiting
    assert secret in text(as_member("admin").get(pair.page))
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert secret in text(as_member("junior").get(pair.page))


def test_the_second_reflection_completes_the_quarter(app, pair, as_member, smtp):
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 303
    assert quarters(app, pair)[0]["completed_at"] is not None
    assert "is complete" in notices(app, pair, pair.junior)[-1]["text"]
    assert [m for m in smtp.to(JUNIOR) if "reflected" in m["Subject"]] == []
    for who in ("senior", "junior"):
        page = text(as_member(who).get(pair.page))
        assert re.search(COMPLETE, page)
        assert f'action="{pair.page}/renew"' in page
        assert "Start quarter 2" in page
        assert f'action="{pair.page}/reflection"' not in page
    assert pairing_row(app, pair.id)["status"] is PairingStatus.ACTIVE


def test_a_reflection_over_htmx_also_updates_the_quarters_heading(app, pair, as_member):
    first = as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert first.status_code == 200
    assert_fragment(first, "reflections")
    second = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert second.status_code == 200
    assert_fragment(second, "reflections")
    body = text(second)
    oob = re.search(
        r'<section id="quarter-current"[^>]*hx-swap-oob="true"[^>]*>.*?</section>', body, re.S
    )
    assert oob, body
    assert re.search(COMPLETE, oob.group(0))
    assert body.index('id="reflections"') < body.index('id="quarter-current"')
    assert body.count('id="quarter-current"') == 1
    log = re.search(r'<section id="sessions"[^>]*hx-swap-oob="true"[^>]*>.*?</section>', body, re.S)
    assert log, "the log follows: it takes no more sessions this quarter"
    assert f'action="{pair.page}/sessions"' not in log.group(0)


def test_a_reflection_can_be_changed_until_the_partner_writes_theirs(app, pair, as_member, smtp):
    as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    changed = {**REFLECTION, "learned": "Second thoughts, better ones."}
    assert as_member("senior").post(f"{pair.page}/reflection", data=changed).status_code == 303
    [reflection] = fetch(app, Reflection)
    assert reflection["learned"] == "Second thoughts, better ones."
    assert len(notices(app, pair, pair.junior)) == 1
    assert len([m for m in smtp.to(JUNIOR) if "reflected" in m["Subject"]]) == 1


def test_a_reflection_on_a_complete_quarter_is_refused(app, pair, as_member):
    complete_quarter(app, pair.id)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 409
    assert snapshot(app) == before


# --- renewing -----------------------------------------------------------------------------


def test_renewing_before_the_quarter_is_complete_is_refused(app, pair, as_member):
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": "Claude"})
    assert response.status_code == 409
    assert "Finish this quarter first" in text(response)
    assert snapshot(app) == before
    assert len(quarters(app, pair)) == 1


def test_renewing_a_complete_quarter_starts_the_next_from_the_template(app, pair, as_member):
    as_member("senior").post(f"{pair.page}/goals/senior", data={"goal": "Judgement on numbers."})
    complete_quarter(app, pair.id)
    response = as_member("junior").post(f"{pair.page}/renew", data={"tool": "  Claude "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#quarter-current"
    first, second = quarters(app, pair)
    assert second["number"] == 2
    assert (second["junior_goal"], second["senior_goal"], second["completed_at"]) == ("", "", None)
    assert [row["title"] for row in agenda(app, pair)] == TEMPLATE_TITLES
    assert "started quarter 2" in notices(app, pair, pair.senior)[-1]["text"]
    page = text(as_member("senior").get(pair.page))
    assert "Quarter 2: Claude" in page
    assert agenda_titles(page) == TEMPLATE_TITLES
    earlier = page.split('id="earlier"', 1)[1]
    assert "Quarter 1: ChatGPT" in earlier
    assert "Judgement on numbers." in earlier
    assert f'action="{pair.page}/reflection"' in page


def test_renewing_needs_a_tool(app, pair, as_member):
    complete_quarter(app, pair.id)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": "   "})
    assert response.status_code == 422
    assert "Please name the tool for the next quarter." in text(response)
    assert snapshot(app) == before


# --- ending -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", "ok", "  ok  ", "x" * 501])
def test_ending_needs_a_reason_of_3_to_500_characters(app, pair, as_member, reason):
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/end", data={"reason": reason})
    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)
    assert snapshot(app) == before


def test_ending_a_pairing_keeps_its_page_as_a_record_with_the_reason(
    app, pair, as_member, pairing_people
):
    reason = "My new job leaves no Saturdays free."
    entry = log_entry(app, pair.id, pair.senior, covered="Our one session")
    response = as_member("junior").post(f"{pair.page}/end", data={"reason": reason})
    assert response.status_code == 303
    assert response.headers["Location"] == pair.page
    row = pairing_row(app, pair.id)
    assert row["status"] is PairingStatus.ENDED
    assert (row["end_reason"], row["ended_by_id"]) == (reason, pairing_people["junior"])
    assert row["ended_at"] is not None
    [notice] = notices(app, pair, pair.senior)
    assert "Ravi Iyer ended your pairing" in notice["text"]
    for who in ("senior", "junior", "admin"):
        page = text(as_member(who).get(pair.page))
        assert "This pairing has ended." in page
        assert f"Reason given: {reason}" in page
        for form in ("goals", "agenda", "sessions", "reflection", "end", "renew", "messages"):
            assert f'action="{pair.page}/{form}' not in page
        assert "Our one session" in page
        assert "Correct this entry" not in page
    assert as_member("senior").get(f"{pair.page}/sessions/{entry}/edit").status_code == 409
    assert "Ended" in text(as_member("senior").get("/pairings/"))


def test_a_pairing_ended_after_every_quarter_is_complete_is_completed(app, pair, as_member):
    complete_quarter(app, pair.id)
    response = as_member("senior").post(f"{pair.page}/end", data={"reason": "A good year."})
    assert response.status_code == 303
    assert pairing_row(app, pair.id)["status"] is PairingStatus.COMPLETED
    assert "This pairing is complete." in text(as_member("junior").get(pair.page))


@pytest.mark.parametrize("name", [n for n in CHANGES if n != "sharing"])
def test_after_the_end_every_change_is_refused_with_409(app, pair, as_member, smtp, name):
    """Ending twice included; and messages: an ended pairing is a record, and its
    partner is not to be emailed any more."""
    url, data = ready(app, pair, name, side="junior")
    as_member("senior").post(f"{pair.page}/end", data={"reason": "We both moved on."})
    before, mails = snapshot(app), len(smtp.messages)
    for headers in ({}, HTMX):
        response = as_member("junior").post(url, data=data, headers=headers)
        assert response.status_code == 409, text(response)[:300]
    assert snapshot(app) == before
    assert len(smtp.messages) == mails


def test_after_the_end_each_member_can_still_withdraw_consent_to_show_it(app, pair, as_member):
    """Withdrawing consent is as easy as giving it (DPDP), even for a finished pairing."""
    for who in ("senior", "junior"):
        as_member(who).post(f"{pair.page}/sharing", data={"shares": "y"})
    as_member("senior").post(f"{pair.page}/end", data={"reason": "We both moved on."})
    assert as_member("junior").post(f"{pair.page}/sharing", data={}).status_code == 303
    assert pairing_row(app, pair.id)["junior_shares"] is False


# --- messages -----------------------------------------------------------------------------


def message_mails(smtp, address: str) -> list:
    return [m for m in smtp.to(address) if "sent you a message" in m["Subject"]]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_message_reaches_the_partner_in_the_app_and_by_email(app, pair, as_member, smtp, htmx):
    body = "Shall we meet on Saturday at ten?"
    response = as_member("senior").post(
        f"{pair.page}/messages", data={"body": body}, headers=HTMX if htmx else {}
    )
    if htmx:
        assert response.status_code == 200
        assert_fragment(response, "messages")
        assert body in text(response)
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == f"{pair.page}#messages"
    [message] = fetch(app, Message)
    assert (message["author_id"], message["body"]) == (pair.senior, body)
    assert body in text(as_member("junior").get(pair.page))
    [notice] = notices(app, pair, pair.junior)
    assert notice["url"] == f"{pair.page}#messages"
    [mail] = message_mails(smtp, JUNIOR)
    assert mail["Subject"] == "Asha Kulkarni sent you a message"
    assert body in mail.get_content()
    assert smtp.link(JUNIOR, contains="/unsubscribe/")
    assert message_mails(smtp, SENIOR) == []


def test_a_burst_of_messages_sends_one_email_until_the_notice_is_read(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    for body in ("Hello!", "Saturday?", "Or Sunday?"):
        assert as_member("senior").post(url, data={"body": body}).status_code == 303
    assert len(fetch(app, Message)) == 3
    assert len(message_mails(smtp, JUNIOR)) == 1
    assert len([n for n in notices(app, pair, pair.junior) if not n["read_at"]]) == 1
    assert as_member("junior").post("/notifications/read", data={}).status_code == 303
    as_member("senior").post(url, data={"body": "Sunday it is."})
    as_member("senior").post(url, data={"body": "At ten."})
    assert len(message_mails(smtp, JUNIOR)) == 2
    assert "Sunday it is." in message_mails(smtp, JUNIOR)[-1].get_content()


def test_opening_the_pairing_page_reads_the_message_notice(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    as_member("senior").post(url, data={"body": "Hello!"})
    as_member("senior").post(url, data={"body": "Saturday?"})
    assert len(message_mails(smtp, JUNIOR)) == 1
    as_member("junior").get(pair.page)
    assert [n["read_at"] is not None for n in notices(app, pair, pair.junior)] == [True]
    as_member("senior").post(url, data={"body": "Or Sunday?"})
    assert len(message_mails(smtp, JUNIOR)) == 2


def test_a_partner_who_stopped_message_emails_still_gets_the_notice(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    as_member("senior").post(url, data={"body": "Hello!"})
    unsubscribe = smtp.link(JUNIOR, contains="/unsubscribe/")
    assert as_member("anonymous").post(unsubscribe).status_code == 200
    as_member("junior").post("/notifications/read", data={})
    as_member("senior").post(url, data={"body": "Are you there?"})
    assert len(message_mails(smtp, JUNIOR)) == 1
    unread = [n for n in notices(app, pair, pair.junior) if not n["read_at"]]
    assert [n["url"] for n in unread] == [f"{pair.page}#messages"]
    reply = as_member("junior").post(url, data={"body": "Yes, here."})
    assert reply.status_code == 303
    assert len(message_mails(smtp, SENIOR)) == 1  # only the junior stopped them


def test_the_same_message_twice_within_two_minutes_is_refused(app, pair, as_member):
    url = f"{pair.page}/messages"
    assert as_member("senior").post(url, data={"body": "Hello!"}).status_code == 303
    again = as_member("senior").post(url, data={"body": "  Hello!  "}, headers=HTMX)
    assert again.status_code == 409
    assert "You sent this message a moment ago." in text(again)
    assert len(fetch(app, Message)) == 1
    [message] = fetch(app, Message)
    set_columns(app, Message, message["id"], created_at=utcnow() - timedelta(minutes=3))
    assert as_member("senior").post(url, data={"body": "Hello!"}).status_code == 303
    assert len(fetch(app, Message)) == 2


def test_an_empty_message_is_refused_and_nothing_is_sent(app, pair, as_member, smtp):
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/messages", data={"body": "\n  \n"})
    assert response.status_code == 422
    assert "Please write a message." in text(response)
    assert snapshot(app) == before
    assert message_mails(smtp, JUNIOR) == []


# --- sharing ------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["senior", "junior"])
def test_each_side_agrees_to_show_the_pairing_and_stops(app, pair, as_member, side):
    other = "junior" if side == "senior" else "senior"
    url = f"{pair.page}/sharing"
    agreed = as_member(side).post(url, data={"shares": "y"}, headers=HTMX)
    assert agreed.status_code == 200
    assert_fragment(agreed, "sharing")
    assert f"{NAMES[side]}: agrees to show it" in text(agreed)
    assert f"{NAMES[other]}: has not agreed" in text(agreed)
    row = pairing_row(app, pair.id)
    assert (row[f"{side}_shares"], row[f"{other}_shares"]) == (True, False)
    stopped = as_member(side).post(url, data={})
    assert stopped.status_code == 303
    assert stopped.headers["Location"] == f"{pair.page}#sharing"
    assert pairing_row(app, pair.id)[f"{side}_shares"] is False
    assert f"{NAMES[side]}: has not agreed" in text(as_member(other).get(pair.page))


# --- escaping what members write ----------------------------------------------------------


PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "<svg onload=alert('xss3')>",
    '<a href="javascript:alert(4)">xss4</a>',
    "[xss5](javascript:alert(5))",
    "<div hx-get=/logout hx-trigger=load>xss6</div>",
    '<div data-hx-post="/logout" data-hx-trigger="load">xss7</div>',
    "\"><script>alert('xss8')</script>",
    "'><img src=x onerror=alert('xss9')>",
    "</textarea><script>alert('xss10')</script>",
    "</title><svg/onload=alert('xss11')>",
    '<iframe src="javascript:alert(12)">xss12</iframe>',
    "<details open ontoggle=alert('xss13')>",
    "<a href=# hx-on:click=\"alert('xss14')\">x</a>",
]


class _Markup(HTMLParser):
    """Collects the elements a browser would build, and inline script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(page: str, marker: str) -> None:
    """The payload shows as text, and nothing in the page can run it."""
    assert marker in page, f"{marker} is not shown"
    parser = _Markup()
    parser.feed(page)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag not in ("iframe", "svg", "img"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert not name.startswith(("hx-on", "data-hx-on")), (tag, name)
            if name.startswith(("hx-", "data-hx-")):
                assert "logout" not in value, (tag, name, value)
                assert marker not in value, (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith(("javascript:", "data:")), value
    for script in parser.scripts:
        assert marker not in script and "alert" not in script, script


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"xss{n}" for n in range(1, 15)])
def test_what_members_write_is_escaped_on_the_page_and_in_fragments(app, pair, as_member, payload):
    marker = re.search(r"xss\d+|alert\(\d+\)", payload).group(0)
    senior, junior, p = as_member("senior"), as_member("junior"), pair.page
    answers = [
        senior.post(f"{p}/goals/senior", data={"goal": payload}, headers=HTMX),
        junior.post(f"{p}/goals/junior", data={"goal": payload}, headers=HTMX),
        senior.post(f"{p}/agenda", data={"title": payload, "detail": payload}, headers=HTMX),
    ]
    item = agenda(app, pair)[-1]["id"]
    session = {"agenda_item": str(item), "covered": payload, "notes": payload}
    answers += [
        senior.post(f"{p}/sessions", data=session_data(**session), headers=HTMX),
        junior.post(f"{p}/messages", data={"body": payload}, headers=HTMX),
        senior.post(f"{p}/reflection", data=dict.fromkeys(REFLECTION, payload), headers=HTMX),
    ]
    entry = entries(app, pair)[0]["id"]
    refused = [  # forms sent back with what was typed
        senior.post(f"{p}/agenda/{item}", data={f"i{item}-title": "", f"i{item}-detail": payload}),
        junior.post(f"{p}/sessions/{entry}", data=edit_data(entry, covered="", notes=payload)),
        senior.post(f"{p}/goals/senior", data={"goal": payload * 50}, headers=HTMX),
    ]
    answers.append(junior.get(p))  # the senior's reflection, hidden from the junior for now
    answers += [junior.get(f"{p}/sessions/{entry}/edit", headers=h) for h in ({}, HTMX)]
    answers.append(
        junior.post(f"{p}/reflection", data=dict.fromkeys(REFLECTION, payload), headers=HTMX)
    )
    assert [r.status_code for r in answers] == [200] * len(answers)
    assert [r.status_code for r in refused] == [422] * len(refused)
    for response in answers + refused:
        assert_inert(text(response), marker)
    for who in ("senior", "junior", "admin"):
        page = text(as_member(who).get(p))
        if "<" in payload:
            assert payload not in page
        assert page.count(marker) >= 8, who
        assert_inert(page, marker)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if len(p) <= 60][:4])
def test_a_tool_named_by_a_member_is_escaped_too(app, pair, as_member, payload):
    marker = re.search(r"xss\d+|alert\(\d+\)", payload).group(0)
    complete_quarter(app, pair.id)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": payload})
    assert response.status_code == 303
    assert_inert(text(as_member("junior").get(pair.page)), marker)


# --- CSRF ---------------------------------------------------------------------------------


@pytest.fixture
def with_csrf(migrated, smtp, pair):
    """with_csrf("senior") → a client of an app that checks CSRF tokens, signed in."""

    def client_for(who: str):
        client = make_app(
            migrated, WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port
        ).test_client()
        login = text(client.get("/login"))
        token = csrf_field(login)
        response = client.post(
            "/login", data={"email": EMAILS[who], "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, text(response)
        return client

    return client_for


def page_token(client, pair: Pair) -> str:
    return hx_headers(text(client.get(pair.page)))["X-CSRFToken"]


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(app, pair, with_csrf, name):
    client = with_csrf("senior")
    url, data = ready(app, pair, name)
    before = snapshot(app)
    plain = client.post(url, data=data)
    assert plain.status_code == 400
    assert "Your form expired" in text(plain)
    htmx = client.post(url, data=data, headers=HTMX)
    assert htmx.status_code == 400
    assert "Your form expired" in text(htmx)
    assert "<html" not in text(htmx)
    assert snapshot(app) == before


@pytest.mark.parametrize("name", CHANGES)
def test_an_htmx_change_with_the_csrf_header_goes_through(app, pair, with_csrf, name):
    client = with_csrf("junior")
    url, data = ready(app, pair, name, side="junior")
    before = snapshot(app)
    response = client.post(
        url, data=data, headers={**HTMX, "X-CSRFToken": page_token(client, pair)}
    )
    assert response.status_code == 200, text(response)[:300]
    assert snapshot(app) != before


@pytest.mark.parametrize("name", ["goal", "log session", "message", "end"])
def test_a_plain_form_with_its_csrf_field_goes_through(app, pair, with_csrf, name):
    client = with_csrf("senior")
    url, data = ready(app, pair, name)
    page = text(client.get(pair.page))
    form = re.search(rf'<form[^>]*action="{re.escape(url)}".*?</form>', page, re.S)
    assert form, f"no form posting to {url}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.group(0)).group(1)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 303, text(response)[:300]


# --- from the review: races, departures, past quarters, the export ---------------------------


@pytest.mark.parametrize(
    "name",
    ["message", "log session", "reflect", "add item", "goal", "renew"],
)
def test_a_change_loaded_before_the_partner_ended_the_pairing_is_refused(app, pair, name):
    """The status is read again under the pairing's lock: a request that loaded the
    pairing just before the partner ended it changes nothing."""
    if name == "renew":
        complete_quarter(app, pair.id)
    calls = {
        "message": (pairings.post_message, "Still there?"),
        "log session": (
            pairings.log_session,
            pairings.SessionInput(held_on=today_for(), agenda_item_id=None, covered="Late"),
            today_for(),
        ),
        "reflect": (pairings.reflect, *REFLECTION.values()),
        "add item": (pairings.add_item, "One more", ""),
        "goal": (pairings.set_goal, "senior", "Judgement"),
        "renew": (pairings.renew, "Excel"),
    }
    change, *args = calls[name]
    with app.app_context():
        loaded = db.session.get(Pairing, pair.id)  # this request has the pairing in hand
        senior = db.session.get(Member, pair.senior)
        assert loaded.is_active
        with db.engine.begin() as other:  # meanwhile the partner ends it
            other.execute(sa.update(Pairing).where(Pairing.id == pair.id).values(status="ended"))
        before = snapshot(app)
        with pytest.raises(pairings.Conflict, match="has ended"):
            change(loaded, senior, *args)
    assert snapshot(app) == before


def test_a_departure_completes_a_pairing_whose_quarters_are_all_complete_and_tells_the_partner(
    app, pair
):
    complete_quarter(app, pair.id)
    with app.app_context():
        from portal.members import services as members

        members.delete_account(db.session.get(Member, pair.senior))
    assert pairing_row(app, pair.id)["status"] is PairingStatus.COMPLETED
    latest = notices(app, pair, pair.junior)[-1]
    assert latest["text"].startswith("Your pairing partner has left the club")
    assert "Asha" not in latest["text"]  # the member who left takes their name along


def test_a_departure_mid_quarter_ends_the_pairing(app, pair):
    with app.app_context():
        from portal.members import services as members

        members.delete_account(db.session.get(Member, pair.junior))
    assert pairing_row(app, pair.id)["status"] is PairingStatus.ENDED


def test_a_past_quarters_log_entry_cannot_be_rewritten(app, pair, as_member):
    entry = log_entry(app, pair.id, pair.senior, covered="First quarter's session")
    complete_quarter(app, pair.id)
    as_service(app, pair.id, pair.senior, pairings.renew, "Excel")
    before = snapshot(app)
    url = f"{pair.page}/sessions/{entry}"
    for response in (
        as_member("junior").get(f"{url}/edit"),
        as_member("junior").post(
            url,
            data={f"s{entry}-held_on": today_for().isoformat(), f"s{entry}-covered": "Rewritten"},
        ),
    ):
        assert response.status_code == 409
        assert "Past quarters are kept as they were" in text(response)
    assert snapshot(app) == before


def test_a_complete_quarters_log_entries_are_kept_as_they_are(app, pair, as_member):
    entry = log_entry(app, pair.id, pair.senior)
    complete_quarter(app, pair.id)
    page = text(as_member("senior").get(pair.page))
    assert "Correct this entry" not in page
    response = as_member("senior").get(f"{pair.page}/sessions/{entry}/edit")
    assert response.status_code == 409


def test_the_export_gives_an_entry_to_the_member_who_last_wrote_it(app, pair, as_member):
    entry = log_entry(app, pair.id, pair.senior, covered="Asha's words", notes="ASHA-NOTE")
    corrected = as_member("junior").post(
        f"{pair.page}/sessions/{entry}",
        data={
            f"s{entry}-held_on": today_for().isoformat(),
            f"s{entry}-covered": "Ravi's words",
            f"s{entry}-notes": "RAVI-NOTE",
        },
    )
    assert corrected.status_code == 303
    senior_export = as_member("senior").get("/account/export").get_data(as_text=True)
    junior_export = as_member("junior").get("/account/export").get_data(as_text=True)
    assert "RAVI-NOTE" not in senior_export
    assert "RAVI-NOTE" in junior_export


def test_renewing_after_the_partner_renewed_names_the_quarter_they_started(app, pair, as_member):
    complete_quarter(app, pair.id)
    first = as_member("junior").post(f"{pair.page}/renew", data={"tool": "Excel", "quarter": "1"})
    assert first.status_code == 303
    before = snapshot(app)
    second = as_member("senior").post(f"{pair.page}/renew", data={"tool": "Canva", "quarter": "1"})
    assert second.status_code == 409
    assert "has already started quarter 2: Excel" in text(second)
    assert snapshot(app) == before


def test_the_partners_goal_is_refused_before_its_text_is_read(app, pair, as_member):
    before = snapshot(app)
    response = as_member("junior").post(f"{pair.page}/goals/senior", data={"goal": "x" * 601})
    assert response.status_code == 403
    assert snapshot(app) == before


def test_a_first_reflection_swaps_only_the_reflections_under_htmx(app, pair, as_member):
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' not in text(response)


def test_dates_on_the_page_are_the_members_own(app, pair, as_member):
    """A pairing that began at 20:00 UTC began the next day in India."""
    set_columns(app, Pairing, pair.id, started_at=datetime(2026, 3, 1, 20, 0))
    page = text(as_member("senior").get(pair.page))
    assert "began on <time" in page
    assert ">2 March 2026</time>" in page
