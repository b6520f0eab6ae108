"""Who may see and change a pairing, written as the specification reads (SPEC.md §4;
SECURITY.md "Access" and "CSRF"; STYLE.md "HTMX conventions"): its two members change
it, an admin only reads it, anyone else gets 404; each change answers a plain form and
htmx; invalid input is answered next to its field; CSRF; a change that raced the end.

Fixtures `pair`, `pairing_people`, `as_member`, `other_pair`: conftest.py (which also
says how a change answers: plain form and htmx, 422 / 403 / 409)."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Pairing

from .factories import complete_quarter, log_entry, ready
from .helpers import (
    ADMIN_NOTICE,
    CHANGES,
    EMAILS,
    HTMX,
    PASSWORD,
    REFLECTION,
    SECTION,
    Pair,
    assert_fragment,
    assert_full_page,
    change,
    csrf_field,
    entries,
    hx_headers,
    make_app,
    snapshot,
    text,
    today_for,
)

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
    # What changed, for the page's live region (portal.js reads data-announce).
    assert re.search(r'<p class="notice notice-success"[^>]*data-announce>', text(response))
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


# --- a change that raced the end ----------------------------------------------------------


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
