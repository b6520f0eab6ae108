"""Issue 14: the Hindi interface, chosen by the member's setting, the reader's switch
(works without JavaScript) or Accept-Language; never a cached page in the other
language; mails in their recipient's language; dates and numbers for hi-IN and en-IN."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from portal.board.models import PairingRequest
from portal.extensions import db
from portal.web.i18n import format_day, format_number, from_accept_language

from . import factories
from .helpers import JUNIOR, PASSWORD, SENIOR, csrf_field, sign_in, text

HINDI = {"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
SITE = "https://portal.test"


def _lang(page: str) -> str:
    return page.split("<html lang=", 1)[1].split(">", 1)[0].strip('"')


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("hi-IN,hi;q=0.9,en;q=0.8", "hi"),
        ("hi", "hi"),
        ("en-IN,en;q=0.9,hi;q=0.8", "en"),
        ("en-US", "en"),
        ("fr-FR,fr;q=0.9", "en"),  # neither: English
        ("fr;q=0.9,hi;q=0.5", "hi"),  # Hindi is the only one named
        ("", "en"),
    ],
)
def test_accept_language_is_the_first_guess(header, expected):
    assert from_accept_language(header) == expected


def test_a_hindi_browser_gets_the_hindi_interface_and_lang_hi(client):
    hindi = text(client.get("/", headers=HINDI))
    assert _lang(hindi) == "hi"
    assert ">लेख</a>" in hindi and ">साइन इन करें</a>" in hindi
    english = text(client.get("/", headers=ENGLISH))
    assert _lang(english) == "en-IN"
    assert ">Essays</a>" in english and ">Sign in</a>" in english


def test_the_switch_sets_the_cookie_and_works_without_javascript(client):
    page = text(client.get("/essays/", headers=ENGLISH))
    # A plain link in the footer (no script, no form): it names where to come back.
    assert 'href="/language/hi?next=/essays/"' in page
    switched = client.get("/language/hi?next=/essays/", headers=ENGLISH)
    assert switched.status_code == 303 and switched.headers["Location"] == "/essays/"
    assert switched.headers["Set-Cookie"].startswith("lang=hi;")
    assert "HttpOnly" in switched.headers["Set-Cookie"]
    # The choice beats the browser's header from then on.
    again = text(client.get("/essays/", headers=ENGLISH))
    assert _lang(again) == "hi" and 'href="/language/en?next=/essays/"' in again
    back = client.get("/language/en?next=/essays/", headers=HINDI)
    assert back.headers["Set-Cookie"].startswith("lang=en;")
    assert _lang(text(client.get("/essays/", headers=HINDI))) == "en-IN"


def test_the_switch_refuses_other_languages_and_stays_inside_the_portal(client):
    assert client.get("/language/fr").status_code == 404
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = client.get("/language/hi", query_string={"next": target})
        assert response.headers["Location"] == "/", target


def test_the_members_setting_wins_and_the_account_page_saves_it(app, client, make_member):
    make_member(email=SENIOR, locale="hi")
    sign_in(client, SENIOR)
    client.set_cookie("lang", "en")
    page = text(client.get("/account", headers=ENGLISH))
    assert _lang(page) == "hi"
    assert '<option lang="hi" selected value="hi">हिन्दी</option>' in page

    # The footer's switch is a form for a member: it saves the setting.
    assert 'action="/language/en?next=/account"' in page
    saved = client.post("/language/en?next=/account", data={"csrf_token": csrf_field(page)})
    assert saved.status_code == 303
    client.delete_cookie("lang")
    assert _lang(text(client.get("/account", headers=HINDI))) == "en-IN"


def test_the_switch_for_members_needs_a_member(client):
    response = client.post("/language/hi")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_joining_in_hindi_keeps_hindi_for_the_member(app, client, smtp):
    from .helpers import join_data

    client.get("/join", headers=HINDI)
    response = client.post(
        "/join", data=join_data(email="naya@example.com", name="Naya Sadasya"), headers=HINDI
    )
    assert response.status_code == 303
    mail = smtp.last("naya@example.com")
    assert mail["Subject"] == "कृपया अपना ईमेल पता पक्का करें"
    assert "नमस्ते" in mail.get_content()


def test_a_hindi_members_mail_over_smtp_is_in_hindi(app, client, make_member, smtp):
    make_member(email=SENIOR, locale="hi")
    make_member(email=JUNIOR, name="Ravi Iyer", role="junior")
    response = client.post("/reset", data={"email": SENIOR}, headers=ENGLISH)
    assert response.status_code in (200, 303)
    hindi = smtp.last(SENIOR)
    assert hindi["Subject"] == "अपना पासवर्ड रीसेट करें"
    body = hindi.get_content()
    assert "नमस्ते" in body and "/reset/" in body
    assert "Hello" not in body
    client.post("/reset", data={"email": JUNIOR}, headers=HINDI)
    english = smtp.last(JUNIOR)  # his setting, not the page's language
    assert english["Subject"] == "Reset your password"


def test_a_notice_mail_from_a_change_is_in_its_recipients_language(app, make_member, smtp):
    senior = make_member(email=SENIOR, locale="hi")
    junior = make_member(email=JUNIOR, name="Ravi Iyer", role="junior", can_teach=["chatgpt"])
    request_id = factories.make_request(app, senior, title="Teach me ChatGPT")
    factories.make_answer(app, request_id, junior)
    mail = smtp.last(SENIOR)
    assert mail["Subject"] == "“Teach me ChatGPT” पर एक नया जवाब"
    body = mail.get_content()
    assert 'Ravi Iyer ने आपके अनुरोध "Teach me ChatGPT" का जवाब दिया है' in body
    assert "ईमेल बंद करें" in body  # the unsubscribe lines too


def test_a_hindi_page_and_an_english_page_are_never_served_for_each_other(
    app, people, production_app
):
    """The per-worker caches and the ETags: the same anonymous URL, Hindi first."""
    request_id = factories.make_request(app, people["senior"], title="Teach me ChatGPT")
    site = production_app()
    for url in (
        "/",
        "/essays/",
        "/essays/teaching-upward",
        "/requests/",
        f"/requests/{request_id}",
    ):
        hindi = site.test_client().get(url, base_url=SITE, headers=HINDI)
        english = site.test_client().get(url, base_url=SITE, headers=ENGLISH)
        assert _lang(text(hindi)) == "hi", url
        assert _lang(text(english)) == "en-IN", url
        assert "Set-Cookie" not in hindi.headers and hindi.cache_control.public, url
        for response in (hindi, english):
            vary = {v.strip() for v in response.headers["Vary"].split(",")}
            assert {"Cookie", "Accept-Language"} <= vary, url
        assert hindi.headers["ETag"] != english.headers["ETag"], url
        # A browser holding the Hindi page asks again in English: the whole page, in English.
        stale = site.test_client().get(
            url, base_url=SITE, headers={**ENGLISH, "If-None-Match": hindi.headers["ETag"]}
        )
        assert stale.status_code == 200 and _lang(text(stale)) == "en-IN", url
        same = site.test_client().get(
            url, base_url=SITE, headers={**HINDI, "If-None-Match": hindi.headers["ETag"]}
        )
        assert same.status_code == 304, url
    # The cookie decides like the header, and is shared the same way.
    reader = site.test_client()
    reader.set_cookie("lang", "hi", domain="portal.test")
    assert _lang(text(reader.get("/essays/", base_url=SITE, headers=ENGLISH))) == "hi"


def test_dates_and_numbers_follow_the_interface(app):
    day = date(2026, 8, 18)
    with app.test_request_context(headers=HINDI):
        assert format_day(day) == "18 अगस्त 2026"
        assert format_day(day, "month") == "अगस्त 2026"
        assert format_day(datetime(2026, 8, 18, 14, 5), "moment").endswith("14:05")
        assert format_number(1234567) == "12,34,567"
    with app.test_request_context(headers=ENGLISH):
        assert format_day(day) == "18 August 2026"
        assert format_day(day, "month") == "August 2026"
        assert format_number(1234567) == "12,34,567"  # en-IN groups in lakhs too


def test_a_date_on_a_hindi_page_is_written_in_hindi(app, client, make_member):
    make_member(email=SENIOR, locale="hi")
    sign_in(client, SENIOR, PASSWORD)
    page = text(client.get("/pairings/"))
    assert _lang(page) == "hi"
    english_months = ("January", "February", "March", "April", "June", "July", "August")
    assert not any(month in page for month in english_months)


def test_the_default_cadence_offered_in_hindi_is_kept_as_the_shared_default(
    app, client, make_member
):
    """The form offers "One tool per quarter" in the member's language; sent unchanged, it
    is stored as the one default, which each reader then reads in their own language."""
    make_member(email=SENIOR, locale="hi")
    sign_in(client, SENIOR)
    form = text(client.get("/requests/new"))
    offered = re.search(r'name="cadence"[^>]*value="([^"]+)"', form).group(1)
    assert offered != "One tool per quarter" and re.search("[\u0900-\u097f]", offered)
    posted = client.post(
        "/requests/",
        data={
            "kind": "seeking",
            "title": "Teach me ChatGPT for board notes",
            "tool": "ChatGPT",
            "description": "I want to learn to draft board notes with it.",
            "format": "online",
            "cadence": offered,
        },
    )
    assert posted.status_code == 303
    with app.app_context():
        stored = db.session.scalar(sa.select(PairingRequest.cadence))
    assert stored == "One tool per quarter"
    english = text(app.test_client().get(posted.headers["Location"], headers=ENGLISH))
    assert "<dd>One tool per quarter</dd>" in english
