"""Signing in and out, sessions that can really be revoked, and the emailed links
(verify, sign-in, reset): what SPEC §2 and SECURITY.md "Accounts" promise."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import itsdangerous.timed
import pytest

from portal.members import services
from portal.members.security import safe_next, verified_required

from .helpers import HTMX, PASSWORD, make_app, sign_in, unescaped

ASHA = "asha@example.com"
BEN = "ben@example.com"
NEW_PASSWORD = "another phrase that is long enough"


# --- helpers --------------------------------------------------------------------------


def is_signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/login"
    return False


def replay(app, name: str, value: str):
    """A new browser that carries only one captured cookie."""
    fresh = app.test_client()
    fresh.set_cookie(name, value)
    return fresh


def member_state(app, email: str) -> SimpleNamespace:
    with app.app_context():
        member = services.find_by_email(email)
        return SimpleNamespace(
            id=member.id,
            verified=member.is_verified,
            password_hash=member.password_hash,
        )


def join(client, email: str = ASHA, password: str = PASSWORD):
    response = client.post(
        "/join",
        data={
            "name": "Asha Kulkarni",
            "email": email,
            "password": password,
            "role": "senior",
            "wants_to_learn": "chatgpt",
            "language": "en",
            "meeting_mode": "video",
            "timezone": "Asia/Kolkata",
            "agree": "y",
            "adult": "y",
        },
    )
    assert response.status_code == 303, unescaped(response)
    return response


def location(response) -> str:
    return response.headers["Location"]


def assert_inside_portal(target: str) -> None:
    parts = urlsplit(target)
    assert not parts.scheme and not parts.netloc, target
    assert target.startswith("/") and not target.startswith("//"), target
    assert "\\" not in target and "evil" not in target, target


@pytest.fixture
def travel(monkeypatch):
    """travel(seconds): the signed links see the clock that far ahead of now."""
    real = time.time()

    def to(seconds: float) -> None:
        monkeypatch.setattr(
            itsdangerous.timed, "time", SimpleNamespace(time=lambda: real + seconds)
        )

    return to


@pytest.fixture
def guarded(app):
    """A client for an app with a view only verified members may use: GET /_post."""
    app.add_url_rule(
        "/_post", "_post", view_func=verified_required(lambda: "posted"), methods=["GET"]
    )
    return app.test_client()


def limited_app(migrated, smtp, **limits):
    """An app with rate limits on. Made last in a test: the limiter follows the newest app."""
    return make_app(
        migrated,
        RATELIMIT_ENABLED=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        **limits,
    )


# --- email verification ---------------------------------------------------------------


def test_the_verify_link_opens_a_page_with_a_button_and_is_not_spent_by_opening_it(
    app, client, smtp
):
    join(client)
    link = smtp.link(ASHA, "/verify/")
    scanner = app.test_client()
    for _ in range(2):
        page = scanner.get(link)
        assert page.status_code == 200
        body = unescaped(page)
        assert "<button" in body and "Confirm my email" in body
        assert f'action="{link}"' in body
        assert 'method="post"' in body
    assert not member_state(app, ASHA).verified


def test_pressing_the_button_verifies_the_email_and_signs_the_member_in(app, smtp):
    join(app.test_client())
    link = smtp.link(ASHA, "/verify/")
    browser = app.test_client()
    response = browser.post(link)
    assert response.status_code == 303
    assert location(response) == "/account"
    assert member_state(app, ASHA).verified
    assert is_signed_in(browser)


def test_a_verify_link_used_a_second_time_says_the_email_is_already_confirmed(app, smtp):
    join(app.test_client())
    link = smtp.link(ASHA, "/verify/")
    browser = app.test_client()
    assert browser.post(link).status_code == 303
    for again in (browser, app.test_client()):
        # Opening it again, or pressing a button left open: nothing went wrong, and the
        # page says so (issue 11, item 25: it said "That link didn't work").
        for response in (again.get(link), again.post(link)):
            assert response.status_code == 200
            page = unescaped(response)
            assert "already confirmed" in page
            assert "didn't work" not in page
            assert "Confirm my email" not in page


@pytest.mark.parametrize("kind", ["verify", "login/link"])
def test_a_garbage_link_says_so_before_any_button(client, kind):
    response = client.get(f"/{kind}/not-a-real-token")
    assert response.status_code == 400
    page = unescaped(response)
    assert "That link didn't work" in page
    assert "<button" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_used_sign_in_link_says_so_when_opened_again(app, client, smtp):
    join(app.test_client())
    client.post("/login/link", data={"email": ASHA})
    link = smtp.link(ASHA, "/login/link/")
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 303
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in unescaped(again)


def test_a_tampered_verify_link_is_not_valid(app, client, smtp):
    join(client)
    link = smtp.link(ASHA, "/verify/")
    prefix, token = link.rsplit("/", 1)
    tampered = token[:4] + ("A" if token[4] != "A" else "B") + token[5:]
    response = app.test_client().post(f"{prefix}/{tampered}")
    assert response.status_code == 400
    assert "not valid" in unescaped(response)
    assert not member_state(app, ASHA).verified


def test_a_verify_link_expires_after_48_hours(app, client, smtp, travel):
    join(client)
    link = smtp.link(ASHA, "/verify/")
    travel(48 * 3600 + 5)
    response = app.test_client().post(link)
    assert response.status_code == 400
    assert "expired" in unescaped(response)
    assert not member_state(app, ASHA).verified


def test_a_verify_link_still_works_just_before_48_hours(app, client, smtp, travel):
    join(client)
    link = smtp.link(ASHA, "/verify/")
    travel(48 * 3600 - 60)
    assert app.test_client().post(link).status_code == 303
    assert member_state(app, ASHA).verified


def test_a_new_verify_link_can_be_sent_from_the_account_page_and_works(
    app, client, smtp, make_member
):
    make_member(verified=False)
    sign_in(client)
    assert "Send the link again" in unescaped(client.get("/account"))
    response = client.post("/account/verify/resend")
    assert response.status_code == 303
    assert location(response) == "/account"
    link = smtp.link(ASHA, "/verify/")
    assert client.post(link).status_code == 303
    assert member_state(app, ASHA).verified
    assert "Send the link again" not in unescaped(client.get("/account"))


# --- verified_required ----------------------------------------------------------------


def test_an_unverified_member_can_sign_in_but_not_post(guarded, make_member):
    make_member(verified=False)
    sign_in(guarded)
    assert is_signed_in(guarded)
    response = guarded.get("/_post")
    assert response.status_code == 403
    body = unescaped(response)
    assert "posted" not in body
    assert "confirm your email" in body
    assert 'href="/account#verify"' in body


def test_an_unverified_member_posting_through_htmx_gets_the_message_as_a_fragment(
    guarded, make_member
):
    make_member(verified=False)
    sign_in(guarded)
    response = guarded.get("/_post", headers=HTMX)
    assert response.status_code == 403
    body = unescaped(response)
    assert "confirm your email" in body and 'href="/account#verify"' in body
    assert "<html" not in body


def test_a_verified_member_gets_through_to_posting(guarded, make_member):
    make_member(verified=True)
    sign_in(guarded)
    response = guarded.get("/_post")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "posted"


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(guarded):
    response = guarded.get("/_post")
    assert response.status_code == 303
    target = urlsplit(location(response))
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/_post"]


def test_an_anonymous_htmx_request_gets_401_with_hx_redirect_to_sign_in(guarded):
    response = guarded.get("/_post", headers=HTMX)
    assert response.status_code == 401
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/_post"]


# --- signing in and out ---------------------------------------------------------------


def test_right_credentials_sign_in_and_go_home(client, make_member):
    make_member()
    response = client.post("/login", data={"email": ASHA, "password": PASSWORD})
    assert response.status_code == 303
    assert location(response) == "/"
    home = unescaped(client.get("/"))
    assert "Your account" in home
    assert "Sign out" in home


def test_the_email_is_matched_whatever_its_case(client, make_member):
    make_member()
    sign_in(client, email="ASHA@Example.com")
    assert is_signed_in(client)


def test_sign_in_goes_to_next_when_it_is_inside_the_portal(client, make_member):
    make_member()
    response = client.post(
        "/login", data={"email": ASHA, "password": PASSWORD, "next": "/essays/?page=2"}
    )
    assert response.status_code == 303
    assert location(response) == "/essays/?page=2"


def test_a_wrong_password_is_refused_with_the_email_kept_and_the_password_not_echoed(
    client, make_member
):
    make_member()
    wrong = "not the right phrase at all"
    response = client.post("/login", data={"email": ASHA, "password": wrong})
    assert response.status_code == 422
    body = unescaped(response)
    assert "don't match" in body
    assert f'value="{ASHA}"' in body
    assert wrong not in body
    assert not is_signed_in(client)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(app, client, make_member):
    make_member()
    known = client.post("/login", data={"email": ASHA, "password": "wrong phrase, wrong"})
    unknown = client.post(
        "/login", data={"email": "nobody@example.com", "password": "wrong phrase, wrong"}
    )
    assert unknown.status_code == known.status_code == 422
    assert "don't match" in unescaped(unknown)
    assert unescaped(unknown).replace("nobody@example.com", "EMAIL") == unescaped(known).replace(
        ASHA, "EMAIL"
    )


def test_sign_out_is_not_a_get(client, make_member):
    make_member()
    sign_in(client)
    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


def test_sign_out_with_a_post_signs_out(client, make_member):
    make_member()
    sign_in(client)
    response = client.post("/logout")
    assert response.status_code == 303
    assert location(response) == "/"
    assert not is_signed_in(client)
    assert "Your account" not in unescaped(client.get("/"))


def test_the_session_is_renewed_at_sign_in(client, make_member):
    make_member()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "x"
    sign_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_each_sign_in_gets_its_own_session(app, make_member):
    make_member()
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second)
    assert first.get_cookie("session").value != second.get_cookie("session").value
    first.post("/logout")
    assert not is_signed_in(first)
    assert is_signed_in(second)


# --- sessions are revoked for real ------------------------------------------------------


def test_a_cookie_captured_before_sign_out_no_longer_works(app, client, make_member):
    make_member()
    sign_in(client)
    captured = client.get_cookie("session").value
    assert is_signed_in(replay(app, "session", captured))  # the capture is a real one
    client.post("/logout")
    assert not is_signed_in(replay(app, "session", captured))


def test_a_remember_me_cookie_captured_before_sign_out_no_longer_works(app, client, make_member):
    make_member()
    sign_in(client, remember=True)
    captured = client.get_cookie("remember_token").value
    assert is_signed_in(replay(app, "remember_token", captured))
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    assert not is_signed_in(replay(app, "remember_token", captured))


def test_a_password_change_signs_out_other_browsers_but_not_this_one(app, make_member):
    make_member()
    here, elsewhere, remembered = app.test_client(), app.test_client(), app.test_client()
    sign_in(elsewhere)
    sign_in(remembered, remember=True)
    kept = remembered.get_cookie("remember_token").value
    sign_in(here)
    response = here.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert location(response) == "/account"
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(remembered)
    assert not is_signed_in(replay(app, "remember_token", kept))
    fresh = app.test_client()
    sign_in(fresh, password=NEW_PASSWORD)


def test_a_password_change_needs_the_current_password(app, client, make_member):
    make_member()
    other = app.test_client()
    sign_in(other)
    sign_in(client)
    before = member_state(app, ASHA).password_hash
    response = client.post(
        "/account/password",
        data={"current_password": "not my current phrase", "password": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "isn't right" in unescaped(response)
    assert member_state(app, ASHA).password_hash == before
    assert is_signed_in(other)


def test_a_password_reset_by_email_signs_out_every_browser(app, smtp, make_member):
    make_member()
    signed_in, remembered = app.test_client(), app.test_client()
    sign_in(signed_in)
    sign_in(remembered, remember=True)
    captured = remembered.get_cookie("remember_token").value
    stranger = app.test_client()
    stranger.post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    assert stranger.post(link, data={"password": NEW_PASSWORD}).status_code == 303
    assert not is_signed_in(signed_in)
    assert not is_signed_in(remembered)
    assert not is_signed_in(replay(app, "remember_token", captured))


# --- remember me ------------------------------------------------------------------------


def test_remember_me_keeps_a_cookie_for_30_days_at_most(client, make_member):
    make_member()
    sign_in(client, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only
    now = datetime.now(UTC)
    assert now + timedelta(days=29) < cookie.expires <= now + timedelta(days=30, minutes=1)


def test_without_remember_me_there_is_no_remember_cookie(client, make_member):
    make_member()
    sign_in(client)
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie("session").expires is None  # gone with the browser


# --- open redirects ---------------------------------------------------------------------

EVIL_NEXTS = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "https://evil.example/x",
    "///evil.example",
    " //evil.example",
    "/\t/evil.example",
    "http:/evil.example",
]


@pytest.mark.parametrize("target", EVIL_NEXTS)
def test_sign_in_never_redirects_out_of_the_portal(client, make_member, target):
    make_member()
    response = client.post("/login", data={"email": ASHA, "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert_inside_portal(location(response))


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x"])
def test_sign_in_through_htmx_never_redirects_out_of_the_portal(client, make_member, target):
    make_member()
    response = client.post(
        "/login",
        data={"email": ASHA, "password": PASSWORD, "next": target},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert_inside_portal(response.headers["HX-Redirect"])


def test_the_sign_in_form_carries_a_safe_next(client):
    response = client.get("/login?next=//evil.example")
    assert response.status_code == 200
    body = unescaped(response)
    field = re.search(r'<input[^>]*name="next"[^>]*>', body)
    assert field, body
    value = re.search(r'value="([^"]*)"', field.group(0))
    assert value and value.group(1) == "/"
    assert "evil.example" not in body


def test_the_sign_in_form_keeps_a_good_next(client):
    body = unescaped(client.get("/login?next=/essays/%3Fpage%3D2"))
    field = re.search(r'<input[^>]*name="next"[^>]*>', body).group(0)
    assert 'value="/essays/?page=2"' in field


def test_a_signed_in_member_opening_sign_in_with_an_evil_next_stays_inside(client, make_member):
    make_member()
    sign_in(client)
    response = client.get("/login?next=https://evil.example/x")
    assert response.status_code == 303
    assert_inside_portal(location(response))


@pytest.mark.parametrize("target", [*EVIL_NEXTS, "", None, "essays", "/\x00evil", "/a\nb"])
def test_safe_next_refuses_anything_that_leaves_the_portal(target):
    assert safe_next(target) == "/"
    assert safe_next(target, default="/account") == "/account"


@pytest.mark.parametrize(
    "target", ["/", "/essays/?page=2", "/account#verify", "/members/asha-1a2b3c", "/a/b?c=//d"]
)
def test_safe_next_keeps_a_path_inside_the_portal(target):
    assert safe_next(target) == target


# --- sign in by emailed link --------------------------------------------------------------


def test_a_sign_in_link_is_mailed_and_its_page_does_not_sign_in(app, client, smtp, make_member):
    make_member()
    response = client.post("/login/link", data={"email": ASHA})
    assert response.status_code == 200
    assert "Check your email" in unescaped(response)
    link = smtp.link(ASHA, "/login/link/")
    browser = app.test_client()
    for _ in range(2):
        page = browser.get(link)
        assert page.status_code == 200
        assert "<button" in unescaped(page) and "Sign me in" in unescaped(page)
    assert not is_signed_in(browser)


def test_pressing_the_sign_in_link_button_signs_in_once(app, client, smtp, make_member):
    make_member()
    client.post("/login/link", data={"email": ASHA})
    link = smtp.link(ASHA, "/login/link/")
    browser = app.test_client()
    response = browser.post(link)
    assert response.status_code == 303
    assert location(response) == "/"
    assert is_signed_in(browser)
    for again in (app.test_client(), browser):
        second = again.post(link)
        assert second.status_code == 400
        assert "already been used" in unescaped(second)


def test_a_sign_in_link_expires_after_10_minutes(app, client, smtp, make_member, travel):
    make_member()
    client.post("/login/link", data={"email": ASHA})
    link = smtp.link(ASHA, "/login/link/")
    travel(10 * 60 + 5)
    browser = app.test_client()
    response = browser.post(link)
    assert response.status_code == 400
    assert "expired" in unescaped(response)
    assert not is_signed_in(browser)


def test_a_sign_in_link_for_an_unknown_email_answers_the_same_and_sends_nothing(
    client, smtp, make_member
):
    make_member()
    known = client.post("/login/link", data={"email": ASHA})
    smtp.messages.clear()
    unknown = client.post("/login/link", data={"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 200
    assert "Check your email" in unescaped(unknown)
    assert unescaped(unknown).replace("nobody@example.com", "EMAIL") == unescaped(known).replace(
        ASHA, "EMAIL"
    )
    assert smtp.messages == []


# --- password reset -----------------------------------------------------------------------


def test_a_reset_answers_the_same_for_known_and_unknown_emails_and_mails_only_the_known(
    client, smtp, make_member
):
    make_member()
    known = client.post("/reset", data={"email": ASHA})
    unknown = client.post("/reset", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in unescaped(known)
    assert unescaped(unknown).replace("nobody@example.com", "EMAIL") == unescaped(known).replace(
        ASHA, "EMAIL"
    )
    assert [m["To"] for m in smtp.messages] == [ASHA]


def test_the_reset_link_opens_the_new_password_form(app, client, smtp, make_member):
    make_member()
    client.post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    page = app.test_client().get(link)
    assert page.status_code == 200
    body = unescaped(page)
    assert "Choose a new password" in body
    assert 'type="password"' in body and f'action="{link}"' in body


def test_a_new_password_of_14_characters_is_refused(app, client, smtp, make_member):
    make_member()
    client.post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    before = member_state(app, ASHA).password_hash
    response = app.test_client().post(link, data={"password": "x" * 10 + "abcd"})
    assert response.status_code == 422
    assert "at least 15 characters" in unescaped(response)
    assert member_state(app, ASHA).password_hash == before


def test_a_reset_changes_the_password_and_spends_the_link(app, client, smtp, make_member):
    make_member()
    client.post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    browser = app.test_client()
    response = browser.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 303
    assert location(response) == "/login"
    old = app.test_client().post("/login", data={"email": ASHA, "password": PASSWORD})
    assert old.status_code == 422
    sign_in(app.test_client(), password=NEW_PASSWORD)
    for again in (browser.get(link), browser.post(link, data={"password": "a third phrase, long"})):
        assert again.status_code == 400
        assert "already been used" in unescaped(again)
    sign_in(app.test_client(), password=NEW_PASSWORD)


def test_a_reset_link_is_spent_by_a_password_change_in_between(app, client, smtp, make_member):
    make_member()
    app.test_client().post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    sign_in(client)
    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert changed.status_code == 303
    response = app.test_client().post(link, data={"password": "a third phrase, long"})
    assert response.status_code == 400
    assert "password has changed" in unescaped(response)
    sign_in(app.test_client(), password=NEW_PASSWORD)


def test_a_reset_link_expires_after_60_minutes(app, client, smtp, make_member, travel):
    make_member()
    client.post("/reset", data={"email": ASHA})
    link = smtp.link(ASHA, "/reset/")
    travel(60 * 60 + 5)
    for response in (
        app.test_client().get(link),
        app.test_client().post(link, data={"password": NEW_PASSWORD}),
    ):
        assert response.status_code == 400
        assert "expired" in unescaped(response)
    sign_in(app.test_client(), password=PASSWORD)


def test_emailed_links_are_built_from_site_url_not_the_host_header(app, smtp, make_member):
    make_member()
    evil = app.test_client()
    response = evil.post("/reset", data={"email": ASHA}, base_url="http://evil.example")
    assert response.status_code == 200
    body = smtp.last(ASHA).get_content()
    links = re.findall(r"https?://\S+", body)
    assert links and all(url.startswith("http://portal.test/") for url in links), body
    assert "evil" not in body
    evil.post("/login/link", data={"email": ASHA}, headers={"Host": "evil.example"})
    assert smtp.link(ASHA, "/login/link/")  # a path: the mailed URL was SITE_URL's
    assert smtp.last(ASHA).get_content().count("http://portal.test/login/link/") == 1


def test_mailed_tokens_are_long_enough_to_guess_never(app, client, smtp, make_member):
    make_member()
    client.post("/reset", data={"email": ASHA})
    token = smtp.link(ASHA, "/reset/").rsplit("/", 1)[1]
    signature = token.rsplit(".", 1)[1]
    assert len(signature) * 6 >= 128


# --- rate limits ----------------------------------------------------------------------------


def test_sign_in_is_limited_per_ip_with_a_friendly_page(app, migrated, smtp, make_member):
    make_member()
    limited = limited_app(migrated, smtp, RATELIMIT_SIGN_IN="3 per minute").test_client()
    for _ in range(3):
        response = limited.post("/login", data={"email": ASHA, "password": "wrong, wrong, wrong"})
        assert response.status_code == 422
    response = limited.post("/login", data={"email": ASHA, "password": PASSWORD})
    assert response.status_code == 429
    assert "Please slow down" in unescaped(response)
    assert limited.get("/login").status_code == 200  # reading the form is not limited


def test_sign_in_failures_are_limited_per_account_while_others_still_sign_in(
    app, migrated, smtp, make_member
):
    make_member()
    make_member(email=BEN, name="Ben Thomas")
    limited_app_ = limited_app(
        migrated,
        smtp,
        RATELIMIT_SIGN_IN="100 per minute",
        RATELIMIT_SIGN_IN_ACCOUNT="2 per hour",
    )
    attacker = limited_app_.test_client()
    for _ in range(2):
        response = attacker.post("/login", data={"email": ASHA, "password": "wrong, wrong, wrong"})
        assert response.status_code == 422
    third = attacker.post("/login", data={"email": "Asha@Example.com", "password": "wrong again!"})
    assert third.status_code == 429
    assert "Please slow down" in unescaped(third)
    sign_in(limited_app_.test_client(), email=BEN)


def test_successful_sign_ins_do_not_count_against_the_account(app, migrated, smtp, make_member):
    make_member()
    limited = limited_app(
        migrated,
        smtp,
        RATELIMIT_SIGN_IN="100 per minute",
        RATELIMIT_SIGN_IN_ACCOUNT="2 per hour",
    )
    for _ in range(4):
        sign_in(limited.test_client())


def test_emailed_links_are_limited_per_ip(app, migrated, smtp, make_member):
    make_member()
    client = limited_app(migrated, smtp, RATELIMIT_EMAIL_LINKS="2 per hour").test_client()
    for url in ("/reset", "/login/link"):
        for n in range(2):
            response = client.post(url, data={"email": f"someone{n}@example.com"})
            assert response.status_code == 200, url
        response = client.post(url, data={"email": "someone-else@example.com"})
        assert response.status_code == 429, url
        assert "Please slow down" in unescaped(response)


def test_emailed_links_are_limited_per_address_from_any_ip(app, migrated, smtp, make_member):
    make_member()
    client = limited_app(migrated, smtp, RATELIMIT_EMAIL_LINKS="2 per hour").test_client()
    for n in range(2):
        response = client.post(
            "/reset", data={"email": ASHA}, environ_overrides={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
        assert response.status_code == 200
    response = client.post(
        "/reset", data={"email": ASHA.upper()}, environ_overrides={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code == 429
    assert len(smtp.to(ASHA)) == 2


def test_joining_is_limited_per_ip_counting_joins_not_typos(app, migrated, smtp):
    """Issue 11, item 7: three typos and two joins locked an office out for an hour."""
    from .helpers import join_data

    limited = limited_app(
        migrated, smtp, RATELIMIT_JOIN="2 per hour", RATELIMIT_JOIN_ATTEMPTS="8 per hour"
    )
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/join", data={}).status_code == 422  # typos: not counted
    for n in range(2):
        response = client.post("/join", data=join_data(email=f"colleague{n}@example.com"))
        assert response.status_code == 303
    response = client.post("/join", data=join_data(email="third@example.com"))
    assert response.status_code == 429
    page = unescaped(response)
    assert "Please slow down" in page
    assert "Try again in an hour." in page
    assert 3500 < int(response.headers["Retry-After"]) <= 3601
    assert client.get("/join").status_code == 200


def test_join_attempts_are_limited_more_loosely(app, migrated, smtp):
    limited = limited_app(migrated, smtp, RATELIMIT_JOIN_ATTEMPTS="4 per hour")
    client = limited.test_client()
    statuses = [client.post("/join", data={}).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 429]


# --- CSRF -----------------------------------------------------------------------------------

HTTPS = "https://portal.test"


@pytest.mark.parametrize("url", ["/logout", "/login", "/login/link", "/reset"])
def test_a_post_without_a_csrf_token_is_refused_with_a_message(production_app, url):
    client = production_app().test_client()
    response = client.post(url, data={"email": ASHA, "password": PASSWORD}, base_url=HTTPS)
    assert response.status_code == 400
    assert "Your form expired" in unescaped(response)


def test_an_htmx_post_without_a_csrf_token_shows_the_message_too(production_app):
    client = production_app().test_client()
    response = client.post(
        "/login",
        data={"email": ASHA, "password": PASSWORD},
        headers=HTMX,
        base_url=HTTPS,
    )
    assert response.status_code == 400
    assert "Your form expired" in unescaped(response)


def test_a_sign_in_form_with_its_token_gets_through_csrf(production_app):
    client = production_app().test_client()
    page = unescaped(client.get("/login", base_url=HTTPS))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": "nobody@example.com", "password": "x" * 20},
        headers={"Referer": f"{HTTPS}/login"},
        base_url=HTTPS,
    )
    assert response.status_code == 422
    assert "don't match" in unescaped(response)


# --- what an emailed link may do, and for how long (issue 11, item 9) ---------------


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_confirmation_opened_elsewhere_after_ten_minutes_confirms_but_signs_no_one_in(app, smtp):
    join(app.test_client())
    link = smtp.link(ASHA, "/verify/")
    import time_machine

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=False):
        elsewhere = app.test_client()
        response = elsewhere.post(link)
        assert response.status_code == 303
        assert response.headers["Location"] == "/login"
        assert not _signed_in(elsewhere)
    with app.app_context():
        assert services.find_by_email(ASHA).is_verified


def test_a_confirmation_signs_in_the_browser_that_joined_even_later(app, smtp):
    joiner = app.test_client()
    join(joiner)
    link = smtp.link(ASHA, "/verify/")
    import time_machine

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=5), tick=False):
        response = joiner.post(link)
        assert response.headers["Location"] == "/account"
        assert _signed_in(joiner)


def test_a_confirmation_signs_in_anywhere_within_ten_minutes(app, smtp):
    join(app.test_client())
    link = smtp.link(ASHA, "/verify/")
    phone = app.test_client()
    assert phone.post(link).headers["Location"] == "/account"
    assert _signed_in(phone)


def test_an_email_change_spends_earlier_reset_links(app, client, smtp):
    join(app.test_client())
    with app.app_context():
        member = services.find_by_email(ASHA)
        member.email_verified_at = datetime.now(UTC).replace(tzinfo=None)
        from portal.extensions import db

        db.session.commit()
    client.post("/reset", data={"email": ASHA})
    reset = smtp.link(ASHA, "/reset/")
    assert client.get(reset).status_code == 200  # good, before the change
    sign_in(client, ASHA)
    client.post(
        "/account/email",
        data={"email-email": "asha.new@example.org", "email-current_password": PASSWORD},
    )
    confirm = smtp.link("asha.new@example.org", "/verify/")
    assert client.post(confirm).status_code == 303
    stale = app.test_client().get(reset)
    assert stale.status_code == 400
    assert "already been used, or the password has changed" in unescaped(stale)
