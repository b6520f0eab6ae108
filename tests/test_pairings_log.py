"""The session log, written as the specification reads (SPEC.md §4): either member
logs a session (dated in their own time zone, not before the pairing began, never in
the future, naming an item of this quarter's agenda) and corrects an entry while its
quarter is open; past quarters' entries are kept as they were.

Fixtures `pair`, `pairing_people`, `as_member`, `other_pair`: conftest.py (which also
says how a change answers: plain form and htmx, 422 / 403 / 409)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from portal.clock import utcnow
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Pairing

from .factories import complete_quarter, log_entry
from .helpers import (
    HTMX,
    as_service,
    assert_fragment,
    assert_full_page,
    edit_data,
    entries,
    fragment_of,
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


# --- logging a session --------------------------------------------------------------------


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


def test_the_same_session_posted_twice_is_logged_once(app, pair, as_member):
    """Issue 11, item 17: 20 identical posts made 20 rows."""
    data = session_data(agenda_item=str(pair.items[0]))
    assert as_member("junior").post(f"{pair.page}/sessions", data=data).status_code == 303
    again = as_member("junior").post(f"{pair.page}/sessions", data=data)
    assert again.status_code == 409
    assert "You logged this session a moment ago" in text(again)
    assert len(entries(app, pair)) == 1
    other = {**data, "covered": "Formulas for the budget"}
    assert as_member("junior").post(f"{pair.page}/sessions", data=other).status_code == 303
    assert len(entries(app, pair)) == 2


def test_every_htmx_form_disables_its_button_while_it_is_sent(client):
    """Issue 11, item 17: a double click sent two posts; htmx now disables the button."""
    page = text(client.get("/requests/"))  # a page that uses htmx (test_htmx_pages.py)
    assert "<body hx-disabled-elt=\"find button[type='submit']\"" in page


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


def test_dates_on_the_page_are_the_members_own(app, pair, as_member):
    """A pairing that began at 20:00 UTC began the next day in India."""
    set_columns(app, Pairing, pair.id, started_at=datetime(2026, 3, 1, 20, 0))
    page = text(as_member("senior").get(pair.page))
    assert "began on <time" in page
    assert ">2 March 2026</time>" in page


# --- correcting an entry ------------------------------------------------------------------


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
