"""The account and the public profile, written as the specification reads (SPEC.md §2;
SECURITY.md "Access", "XSS" and "Data"): who may see what, what a member can change,
export and delete, and that nothing a member types becomes active HTML."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from .helpers import HTMX, PASSWORD, assert_sent_to_login, checkbox, field_error, sign_in

NEW_PASSWORD = "another long phrase for the account"

# Everything an anonymous reader may open. Every other rule needs a signed-in member.
PUBLIC_RULES = {
    "/",
    "/feed.xml",
    "/sitemap.xml",
    "/robots.txt",
    "/<any(about, guidelines, privacy):name>",
    "/healthz",
    "/readyz",
    "/metrics",  # only for a scraper on this machine, straight to the app
    "/static/<path:filename>",
    "/vendor/htmx/<path:filename>",
    "/favicon.ico",
    "/join",
    "/join/welcome",
    "/join/check-email",
    "/login",
    "/login/link",
    "/login/link/<token>",
    "/reset",
    "/reset/<token>",
    "/verify/<token>",
    "/members/<handle>",
    "/members/<handle>/taught-upward",  # a junior's shareable page (only agreed pairings)
    "/unsubscribe/<token>",  # the signed token in a notice email is the authority
    "/logout",
    "/language/<lang>",  # the switch: a reader's cookie (its POST, a member's setting, needs one)
    "/requests/",  # the board: anyone may read it (posting, a POST here, asks to sign in)
    "/requests/<int:request_id>",
}

ESSAY = "/essays/teaching-upward"


# --- helpers ------------------------------------------------------------------------


def is_public(rule: str) -> bool:
    return rule in PUBLIC_RULES or rule.startswith("/essays/")


def member_row(app, member_id: int) -> dict:
    """The member's stored state, read fresh from the database."""
    from portal.extensions import db
    from portal.members.models import Member

    with app.app_context():
        member = db.session.get(Member, member_id)
        return {
            "handle": member.handle,
            "name": member.name,
            "email": member.email,
            "email_key": member.email_key,
            "email_verified_at": member.email_verified_at,
            "password_hash": member.password_hash,
            "role": member.role.value,
            "organisation": member.organisation,
            "city": member.city,
            "language": member.language,
            "meeting_mode": member.meeting_mode,
            "timezone": member.timezone,
            "can_teach": member.can_teach,
            "wants_to_learn": member.wants_to_learn,
            "notify": dict(member.notify or {}),
            "answers": member.wants_notice("answers"),
            "messages": member.wants_notice("messages"),
            "digest": member.wants_notice("digest"),
            "joined_from": member.joined_from,
            "is_admin": member.is_admin,
            "deleted_at": member.deleted_at,
        }


def session_count(app, member_id: int) -> int:
    from portal.extensions import db
    from portal.members.models import MemberSession

    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MemberSession)
            .where(MemberSession.member_id == member_id)
        )


def members_with_email(app, email: str) -> list[int]:
    from portal.extensions import db
    from portal.members.models import Member

    with app.app_context():
        return list(
            db.session.scalars(sa.select(Member.id).where(Member.email_key == email.lower()))
        )


def profile_data(**changes) -> dict:
    data = {
        "name": "Asha Kulkarni",
        "role": "senior",
        "can_teach": "",
        "wants_to_learn": "chatgpt",
        "organisation": "",
        "city": "",
        "language": "en",
        "meeting_mode": "video",
        "timezone": "Asia/Kolkata",
    }
    data.update(changes)
    return data


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    assert response.status_code in (303, 422), response.status_code
    return response.status_code == 303


class _FormReader(HTMLParser):
    """What a browser would send for the form posting to `action`, as the page shows it."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            if attrs.get("name"):
                self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_as_shown(page: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(page)
    assert reader.values, f"no form posting to {action}"
    return reader.values


def flash_messages(page: str) -> list[str]:
    return re.findall(r'<div class="notice notice-\w+">(.*?)</div>', page, re.S)


# --- access -------------------------------------------------------------------------


def _dummy_url(app, rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        items = getattr(converter, "items", None)  # the `any(...)` converter
        if items:
            values[name] = sorted(items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x1"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_rule_off_the_public_list_requires_sign_in(app, client):
    unprotected = []
    checked = []
    for rule in app.url_map.iter_rules():
        if is_public(rule.rule):
            continue
        url = _dummy_url(app, rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        checked.append(rule.rule)
        if rule.rule.startswith("/admin/"):
            # The moderators' pages don't exist for anyone else, signed in or not.
            if response.status_code != 404:
                unprotected.append(f"{method} {rule.rule} -> {response.status_code}")
            continue
        location = urlsplit(response.headers.get("Location", ""))
        # A GET comes back to the page after signing in; a form post can't be replayed,
        # so it just asks to sign in.
        expected_next = [url] if method == "GET" else None
        if (
            response.status_code not in (302, 303)
            or location.path != "/login"
            or parse_qs(location.query).get("next") != expected_next
        ):
            unprotected.append(f"{method} {rule.rule} -> {response.status_code}")
    assert not unprotected, f"rules an anonymous visitor can use: {unprotected}"
    # The walk really saw the account (a stale allow-list would hide it).
    for rule in (
        "/account",
        "/account/profile",
        "/account/export",
        "/account/delete",
        "/account/record",
        "/pairings/",
        "/pairings/<int:pairing_id>",
        "/pairings/<int:pairing_id>/messages",
        "/admin/",
        "/requests/<int:item_id>/report",
    ):
        assert rule in checked


def test_the_public_allow_list_names_only_rules_that_exist(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert rules >= PUBLIC_RULES, PUBLIC_RULES - rules


def test_anonymous_htmx_request_for_the_account_gets_a_redirect_header(client):
    response = client.get("/account", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_anonymous_visitor_is_returned_to_the_page_after_signing_in(client, make_member):
    make_member()
    assert_sent_to_login(client.get("/account"), "/account")
    response = client.post(
        "/login", data={"email": "asha@example.com", "password": PASSWORD, "next": "/account"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"


# --- the account page ---------------------------------------------------------------


def test_account_page_shows_the_members_details(client, make_member):
    make_member(
        name="Asha Kulkarni",
        role="both",
        can_teach=["excel formulas"],
        wants_to_learn=["chatgpt", "prompting"],
        organisation="Tata Steel",
        city="Jamshedpur",
    )
    sign_in(client)
    response = client.get("/account")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Asha Kulkarni" in page
    assert "asha@example.com" in page
    assert 'value="Tata Steel"' in page
    assert 'value="Jamshedpur"' in page
    assert re.search(r'<input[^>]*checked[^>]*value="both"', page)
    assert "/account/export" in page


def test_unverified_member_sees_the_confirm_panel_with_a_resend_button(client, make_member):
    make_member(verified=False)
    sign_in(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Confirm your email address" in page
    assert 'action="/account/verify/resend"' in page
    assert "Send the link again" in page


def test_verified_member_sees_no_confirm_panel(client, make_member):
    make_member(verified=True)
    sign_in(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Confirm your email address" not in page
    assert "/account/verify/resend" not in page


def test_resending_the_confirmation_mails_a_link_to_the_member(client, make_member, smtp):
    make_member(verified=False)
    sign_in(client)
    response = client.post("/account/verify/resend")
    assert response.status_code == 303
    assert smtp.link("asha@example.com", "/verify/").startswith("/verify/")


# --- editing the profile ------------------------------------------------------------


def test_valid_profile_changes_are_saved(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    response = client.post(
        "/account/profile",
        data=profile_data(
            name="  Asha K. Kulkarni ",
            role="both",
            can_teach="Excel  Formulas, Meeting notes,excel formulas",
            wants_to_learn="ChatGPT, Spreadsheet AI",
            organisation="Tata Steel",
            city="Pune",
            language="hinglish",
            meeting_mode="in_person",
            timezone="Europe/London",
        ),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    row = member_row(app, member_id)
    assert row["name"] == "Asha K. Kulkarni"
    assert row["role"] == "both"
    # As written (the first of two spellings), one of each (issue 11, item 28).
    assert sorted(row["can_teach"]) == ["Excel Formulas", "Meeting notes"]
    assert sorted(row["wants_to_learn"]) == ["ChatGPT", "Spreadsheet AI"]
    assert row["organisation"] == "Tata Steel"
    assert row["city"] == "Pune"
    assert row["language"] == "hinglish"
    assert row["meeting_mode"] == "in_person"
    assert row["timezone"] == "Europe/London"
    assert "Your profile is saved." in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Please tell us your name."),
        ({"name": "   "}, "name", "Please tell us your name."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list"),
        (
            {"can_teach": ", ".join(f"tool {n}" for n in range(13))},
            "can_teach",
            "Up to 12 tags",
        ),
        (
            {"wants_to_learn": ", ".join(f"topic {n}" for n in range(13))},
            "wants_to_learn",
            "Up to 12 tags",
        ),
        ({"role": "admin"}, "role", "Not a valid choice"),
        ({"language": "klingon"}, "language", "Not a valid choice"),
        ({"meeting_mode": "telepathy"}, "meeting_mode", "Not a valid choice"),
    ],
)
def test_invalid_profile_is_refused_with_the_message_by_the_field(
    app, client, make_member, changes, field, message
):
    member_id = make_member()
    sign_in(client)
    before = member_row(app, member_id)
    data = profile_data(**{"name": "A New Name", "city": "Mumbai", "can_teach": "excel", **changes})
    response = client.post("/account/profile", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_error(page, field), page
    assert member_row(app, member_id) == before


def test_account_form_shows_tags_as_the_member_typed_them(client, make_member):
    make_member(can_teach=["excel formulas"], wants_to_learn=["chatgpt", "prompting"])
    sign_in(client)
    shown = form_as_shown(client.get("/account").get_data(as_text=True), "/account/profile")
    assert shown["can_teach"] == "excel formulas"
    assert shown["wants_to_learn"] == "chatgpt, prompting"


def test_saving_the_profile_form_as_shown_keeps_everything_but_the_change(app, client, make_member):
    member_id = make_member(
        role="both",
        can_teach=["excel formulas"],
        wants_to_learn=["chatgpt", "prompting"],
        organisation="Tata Steel",
        city="Jamshedpur",
    )
    sign_in(client)
    before = member_row(app, member_id)
    data = form_as_shown(client.get("/account").get_data(as_text=True), "/account/profile")
    data["city"] = "Pune"  # the member changes only the city
    assert client.post("/account/profile", data=data).status_code == 303
    after = member_row(app, member_id)
    assert after["city"] == "Pune"
    assert after["can_teach"] == before["can_teach"] == ["excel formulas"]
    assert after["wants_to_learn"] == before["wants_to_learn"] == ["chatgpt", "prompting"]
    assert {k: v for k, v in after.items() if k != "city"} == {
        k: v for k, v in before.items() if k != "city"
    }


def test_twelve_tags_are_accepted(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    tags = [f"tool {n:02d}" for n in range(12)]
    response = client.post("/account/profile", data=profile_data(can_teach=", ".join(tags)))
    assert response.status_code == 303
    assert sorted(member_row(app, member_id)["can_teach"]) == tags


def test_extra_profile_fields_are_ignored(app, client, make_member):
    member_id = make_member(verified=False)
    other_id = make_member(email="other@example.com", name="Other Person")
    sign_in(client)
    before = member_row(app, member_id)
    response = client.post(
        "/account/profile",
        data=profile_data(
            name="Asha Renamed",
            is_admin="1",
            id="999",
            member_id=str(other_id),
            user_id=str(other_id),
            email="other@x.example",
            email_key="other@x.example",
            email_verified_at="2026-01-01T00:00:00",
            password_hash="x",
            handle="admin",
            deleted_at="2026-01-01T00:00:00",
        ),
    )
    assert response.status_code == 303
    row = member_row(app, member_id)
    assert row["name"] == "Asha Renamed"
    assert row["is_admin"] is False
    assert row["email"] == before["email"] == "asha@example.com"
    assert row["email_key"] == before["email_key"]
    assert row["email_verified_at"] is None
    assert row["password_hash"] == before["password_hash"]
    assert row["handle"] == before["handle"]
    assert row["deleted_at"] is None
    assert member_row(app, other_id)["name"] == "Other Person"
    assert members_with_email(app, "asha@example.com") == [member_id]


# --- password -----------------------------------------------------------------------


def test_wrong_current_password_does_not_change_it(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    before = member_row(app, member_id)["password_hash"]
    response = client.post(
        "/account/password",
        data={"current_password": "not my password at all", "password": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "isn't right" in field_error(response.get_data(as_text=True), "current_password")
    assert member_row(app, member_id)["password_hash"] == before
    assert signs_in(app, "asha@example.com", PASSWORD)


def test_too_short_new_password_is_refused(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    before = member_row(app, member_id)["password_hash"]
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "fourteen chars"}
    )
    assert response.status_code == 422
    assert "at least 15 characters" in field_error(response.get_data(as_text=True), "password")
    assert member_row(app, member_id)["password_hash"] == before


def test_changing_the_password_replaces_the_old_one(app, client, make_member):
    make_member()
    sign_in(client)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert not signs_in(app, "asha@example.com", PASSWORD)
    assert signs_in(app, "asha@example.com", NEW_PASSWORD)


def test_changing_the_password_signs_out_other_browsers(app, client, make_member):
    make_member()
    other = app.test_client()
    sign_in(other)
    sign_in(client)
    client.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD})
    assert_sent_to_login(other.get("/account"), "/account")


def test_a_copy_of_this_browsers_cookie_stops_working_after_a_password_change(
    app, client, make_member
):
    """Issue 11, item 10: the session the change was made in is rotated too, so a cookie
    copied from this browser earlier signs nobody in afterwards."""
    make_member()
    sign_in(client, remember=True)
    copied = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        copied.set_cookie(name, cookie.value)
    assert copied.get("/account").status_code == 200  # the copy works, before
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 200  # this browser: signed in still
    assert client.get_cookie("remember_token") is not None  # and still remembered
    assert_sent_to_login(copied.get("/account"), "/account")


# --- email --------------------------------------------------------------------------


def test_change_email_with_a_wrong_password_is_refused(app, client, make_member, smtp):
    member_id = make_member()
    sign_in(client)
    response = client.post(
        "/account/email",
        data={
            "email-email": "asha.new@example.org",
            "email-current_password": "not my password at all",
        },
    )
    assert response.status_code == 422
    assert "isn't right" in field_error(response.get_data(as_text=True), "email-current_password")
    assert smtp.to("asha.new@example.org") == []
    assert member_row(app, member_id)["email"] == "asha@example.com"


def test_change_email_sends_a_link_to_the_new_address_and_changes_on_confirm(
    app, client, make_member, smtp
):
    member_id = make_member(verified=False)
    sign_in(client)
    response = client.post(
        "/account/email",
        data={"email-email": "asha.new@example.org", "email-current_password": PASSWORD},
    )
    assert response.status_code == 303
    link = smtp.link("asha.new@example.org", "/verify/")
    assert link.startswith("/verify/")
    assert all("/verify/" not in m.get_content() for m in smtp.to("asha@example.com"))

    # Nothing changes until the new address is confirmed; opening the link is not enough.
    assert member_row(app, member_id)["email"] == "asha@example.com"
    assert client.get(link).status_code == 200
    assert member_row(app, member_id)["email"] == "asha@example.com"
    assert signs_in(app, "asha@example.com", PASSWORD)

    response = client.post(link)
    assert response.status_code == 303
    row = member_row(app, member_id)
    assert row["email"] == "asha.new@example.org"
    assert row["email_key"] == "asha.new@example.org"
    assert row["email_verified_at"] is not None
    assert not signs_in(app, "asha@example.com", PASSWORD)
    assert signs_in(app, "asha.new@example.org", PASSWORD)


def test_change_email_to_an_address_in_use_answers_the_same_and_mails_nobody(
    app, client, make_member, smtp
):
    member_id = make_member()
    make_member(email="taken@example.com", name="Taken Person")
    sign_in(client)

    free = client.post(
        "/account/email",
        data={"email-email": "free@example.com", "email-current_password": PASSWORD},
    )
    free_flash = flash_messages(client.get("/account").get_data(as_text=True))
    taken = client.post(
        "/account/email",
        data={"email-email": "taken@example.com", "email-current_password": PASSWORD},
    )
    taken_flash = flash_messages(client.get("/account").get_data(as_text=True))

    assert free.status_code == taken.status_code == 303
    assert free.headers["Location"] == taken.headers["Location"]
    assert [m.replace("free@", "taken@") for m in free_flash] == taken_flash
    assert taken_flash and "We sent a confirmation link to taken@example.com" in taken_flash[0]
    assert smtp.to("taken@example.com") == []
    assert len(smtp.to("free@example.com")) == 1
    assert member_row(app, member_id)["email"] == "asha@example.com"


def test_after_an_email_change_an_older_confirmation_link_cannot_bring_the_old_address_back(
    app, client, make_member, smtp
):
    """A verify link is single use: once the member has moved to a new address, a link
    still lying in the old mailbox must neither switch the account back to that address
    nor sign in whoever holds it."""
    member_id = make_member(verified=False)
    sign_in(client)
    client.post("/account/verify/resend")
    old_link = smtp.link("asha@example.com", "/verify/")
    client.post(
        "/account/email",
        data={"email-email": "asha.new@example.org", "email-current_password": PASSWORD},
    )
    assert client.post(smtp.link("asha.new@example.org", "/verify/")).status_code == 303
    assert member_row(app, member_id)["email"] == "asha.new@example.org"

    stranger = app.test_client()
    response = stranger.post(old_link)
    assert response.status_code == 400
    assert member_row(app, member_id)["email"] == "asha.new@example.org"
    assert stranger.get("/account").status_code in (302, 303)


# --- notification preferences -------------------------------------------------------


def test_notification_preferences_are_saved_and_shown(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    page = client.get("/account").get_data(as_text=True)
    for kind in ("answers", "accepted", "messages", "reflections", "digest"):
        assert "checked" in checkbox(page, kind)

    response = client.post("/account/notifications", data={"messages": "y"})
    assert response.status_code == 303
    row = member_row(app, member_id)
    assert row["answers"] is False
    assert row["digest"] is False
    assert row["messages"] is True

    page = client.get("/account").get_data(as_text=True)
    assert "checked" not in checkbox(page, "answers")
    assert "checked" not in checkbox(page, "digest")
    assert "checked" not in checkbox(page, "reflections")
    assert "checked" in checkbox(page, "messages")


# --- export -------------------------------------------------------------------------


def test_export_is_a_json_attachment_of_the_members_own_data(app, client, make_member):
    make_member(
        can_teach=["excel formulas"],
        wants_to_learn=["chatgpt"],
        organisation="Tata Steel",
        city="Pune",
        joined_from="teaching-upward",
    )
    sign_in(client)
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    member = data["member"]
    assert member["name"] == "Asha Kulkarni"
    assert member["email"] == "asha@example.com"
    assert member["can_teach"] == ["excel formulas"]
    assert member["wants_to_learn"] == ["chatgpt"]
    assert member["organisation"] == "Tata Steel"
    assert member["city"] == "Pune"
    assert member["joined_from_essay"] == "teaching-upward"
    consent = member["consent"]
    assert consent["notice_version"]
    assert consent["agreed_at"]
    assert consent["declared_18_or_older"] is True
    assert len(data["sessions"]) == 1
    assert data["sessions"][0]["started_at"]


def test_export_holds_nothing_about_anyone_else_and_no_secrets(app, client, make_member):
    make_member()
    make_member(
        email="zanele.q.other@example.net",
        name="Zanele Quixote-Other",
        can_teach=["origami zeppelins"],
        wants_to_learn=["kitesurfing quokkas"],
        organisation="Zebrafish Holdings",
        city="Ouagadougou",
    )
    other = app.test_client()
    response = other.post(
        "/login",
        data={"email": "zanele.q.other@example.net", "password": PASSWORD},
        headers={"User-Agent": "ZedBrowser/9.9"},
    )
    assert response.status_code == 303

    sign_in(client, remember=True)
    with client.session_transaction() as session:
        token = session["_user_id"]
    remember = client.get_cookie("remember_token")
    body = client.get("/account/export").get_data(as_text=True)

    for foreign in (
        "Zanele",
        "Quixote",
        "zanele.q.other",
        "example.net",
        "origami",
        "kitesurfing",
        "Zebrafish",
        "Ouagadougou",
        "ZedBrowser",
    ):
        assert foreign not in body, foreign
    assert "argon2" not in body
    assert "password_hash" not in body
    assert token not in body
    assert hashlib.sha256(token.encode()).hexdigest() not in body
    assert remember is not None and remember.value not in body
    assert len(json.loads(body)["sessions"]) == 1


# --- deleting the account -----------------------------------------------------------


def test_delete_with_a_wrong_password_deletes_nothing(app, client, make_member, smtp):
    member_id = make_member()
    sign_in(client)
    before = member_row(app, member_id)
    response = client.post(
        "/account/delete", data={"delete-current_password": "not my password at all"}
    )
    assert response.status_code == 422
    assert "isn't right" in field_error(response.get_data(as_text=True), "delete-current_password")
    assert member_row(app, member_id) == before
    assert session_count(app, member_id) == 1
    assert client.get("/account").status_code == 200
    assert smtp.to("asha@example.com") == []


def test_delete_anonymises_the_member_and_ends_every_session(app, client, make_member, smtp):
    member_id = make_member(
        can_teach=["excel formulas"],
        wants_to_learn=["chatgpt"],
        organisation="Tata Steel",
        city="Pune",
        joined_from="teaching-upward",
    )
    handle = member_row(app, member_id)["handle"]
    other_browser = app.test_client()
    sign_in(other_browser)
    sign_in(client)
    assert session_count(app, member_id) == 2

    response = client.post("/account/delete", data={"delete-current_password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"

    row = member_row(app, member_id)
    assert row["name"] == "a former member"
    assert "asha" not in row["email"].lower() and "asha" not in row["email_key"].lower()
    assert "example.com" not in row["email"] and "example.com" not in row["email_key"]
    assert row["organisation"] == ""
    assert row["city"] == ""
    assert row["can_teach"] == [] and row["wants_to_learn"] == []
    assert row["password_hash"] is None
    assert row["joined_from"] is None
    assert row["deleted_at"] is not None
    assert session_count(app, member_id) == 0

    assert_sent_to_login(client.get("/account"), "/account")
    assert_sent_to_login(other_browser.get("/account"), "/account")
    assert client.get(f"/members/{handle}").status_code == 404
    assert client.get(f"/members/{row['handle']}").status_code == 404
    assert not signs_in(app, "asha@example.com", PASSWORD)

    mail = smtp.last("asha@example.com")
    assert mail["Subject"] == "Your account is deleted"


def test_joining_again_after_deletion_creates_a_new_account(app, client, make_member, smtp):
    member_id = make_member()
    sign_in(client)
    client.post("/account/delete", data={"delete-current_password": PASSWORD})

    response = client.post(
        "/join",
        data={
            "name": "Asha Again",
            "email": "asha@example.com",
            "password": NEW_PASSWORD,
            "role": "junior",
            "can_teach": "chatgpt",
            "wants_to_learn": "",
            "language": "en",
            "meeting_mode": "video",
            "timezone": "Asia/Kolkata",
            "agree": "y",
            "adult": "y",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/join/welcome"
    ids = members_with_email(app, "asha@example.com")
    assert len(ids) == 1 and ids[0] != member_id
    assert member_row(app, ids[0])["name"] == "Asha Again"
    assert smtp.last("asha@example.com")["Subject"] == "Please confirm your email address"
    assert signs_in(app, "asha@example.com", NEW_PASSWORD)


# --- the public profile -------------------------------------------------------------


def test_public_profile_shows_name_role_tags_organisation_and_city(app, client, make_member):
    member_id = make_member(
        name="Ravi Shankar",
        email="ravi.secret@example.com",
        role="junior",
        can_teach=["chatgpt", "excel formulas"],
        wants_to_learn=["negotiation"],
        organisation="Infosys",
        city="Mysuru",
    )
    handle = member_row(app, member_id)["handle"]
    response = client.get(f"/members/{handle}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 dir="auto">Ravi Shankar</h1>' in page
    assert "A junior who can teach" in page
    assert "Can teach" in page and "Wants to learn" in page
    for tag in ("chatgpt", "excel formulas", "negotiation"):
        assert f'<li dir="auto">{tag}</li>' in page
    assert "Infosys, Mysuru" in page
    assert "ravi.secret" not in page and "example.com" not in page


def test_public_profile_leaves_out_what_was_not_given(app, client, make_member):
    member_id = make_member(
        name="Meera Iyer",
        email="meera@example.com",
        role="senior",
        can_teach=[],
        wants_to_learn=["chatgpt"],
    )
    handle = member_row(app, member_id)["handle"]
    page = client.get(f"/members/{handle}").get_data(as_text=True)
    lede = re.search(r'<p class="lede">(.*?)</p>', page, re.S).group(1)
    assert lede.strip() == "A senior who wants to learn"
    assert "Can teach" not in page
    assert "Wants to learn" in page
    assert "meera@example.com" not in page


def test_public_profile_never_shows_the_email_even_to_its_owner(app, client, make_member):
    member_id = make_member()
    sign_in(client)
    handle = member_row(app, member_id)["handle"]
    page = client.get(f"/members/{handle}").get_data(as_text=True)
    assert "asha@example.com" not in page


def test_unknown_handle_is_not_found(client, make_member):
    make_member()
    assert client.get("/members/nobody-000000").status_code == 404


# --- XSS ----------------------------------------------------------------------------

SCRIPT_NAME = "<script>alert(1)</script>"
IMG_ORG = "<img src=x onerror=alert(1)>"
SVG_TAG = '"><svg onload=alert(1)>'
RAW = ("<script>alert", "<img src=x", "<svg onload")


def _assert_inert(page: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, (where, raw)


def test_member_text_is_never_active_html(app, client, make_member):
    member_id = make_member(
        name=SCRIPT_NAME,
        organisation=IMG_ORG,
        can_teach=[SVG_TAG.lower()],
        wants_to_learn=["chatgpt"],
    )
    handle = member_row(app, member_id)["handle"]

    anonymous_profile = client.get(f"/members/{handle}").get_data(as_text=True)
    _assert_inert(anonymous_profile, "profile")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in anonymous_profile
    assert "&lt;img src=x onerror=alert(1)&gt;" in anonymous_profile
    assert "&lt;svg onload=alert(1)&gt;" in anonymous_profile

    sign_in(client)
    for url in ("/", ESSAY, f"/members/{handle}", "/account"):
        page = client.get(url).get_data(as_text=True)
        _assert_inert(page, url)
        header = page.split("<header", 1)[1].split("</header>", 1)[0]
        _assert_inert(header, f"header of {url}")

    account = client.get("/account").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in account
    assert "&lt;img src=x onerror=alert(1)&gt;" in account
    assert "&lt;svg onload=alert(1)&gt;" in account

    # The same text echoed back by a refused form stays inert too.
    refused = client.post(
        "/account/profile",
        data=profile_data(
            name=SCRIPT_NAME, organisation=IMG_ORG, can_teach=SVG_TAG, timezone="Nowhere/Void"
        ),
    )
    assert refused.status_code == 422
    _assert_inert(refused.get_data(as_text=True), "refused profile form")

    export = client.get("/account/export")
    assert export.mimetype == "application/json"
    assert json.loads(export.get_data(as_text=True))["member"]["name"] == SCRIPT_NAME


# --- caching ------------------------------------------------------------------------


def test_signed_in_pages_are_not_stored(app, client, make_member):
    member_id = make_member()
    handle = member_row(app, member_id)["handle"]
    sign_in(client)
    for url in ("/", "/essays/", ESSAY, "/about", "/account", "/account/export"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response.headers["Cache-Control"]
        assert "no-store" in cache_control, (url, cache_control)
        assert "public" not in cache_control, (url, cache_control)
    response = client.get(f"/members/{handle}")
    assert "no-store" in response.headers["Cache-Control"]


def test_essay_page_for_a_member_offers_the_next_step_not_joining(app, client, make_member):
    anonymous = client.get(ESSAY)
    assert "/join?from=teaching-upward" in anonymous.get_data(as_text=True)
    assert "public" in anonymous.headers["Cache-Control"]

    make_member()
    sign_in(client)
    response = client.get(ESSAY)
    page = response.get_data(as_text=True)
    assert "Take it further" in page
    assert "/join?from=" not in page
    assert "public" not in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]


def _remembered_browser(app):
    """A member who ticked "keep me signed in" and restarted the browser: only the
    remember-me cookie is left."""
    browser = app.test_client()
    sign_in(browser, remember=True)
    assert browser.get_cookie("remember_token") is not None
    browser.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert browser.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    return browser


def test_remembered_member_gets_their_own_essay_page(app, client, make_member):
    make_member()
    client.get(ESSAY)  # an anonymous reader first: the shared page is now cached
    browser = _remembered_browser(app)
    response = browser.get(ESSAY)
    page = response.get_data(as_text=True)
    assert "public" not in response.headers["Cache-Control"]
    assert "Take it further" in page
    assert "/join?from=" not in page


def test_a_remembered_members_page_is_never_served_to_anonymous_readers(app, client, make_member):
    make_member()
    browser = _remembered_browser(app)
    browser.get(ESSAY)  # the first reader of this essay is the remembered member
    response = client.get(ESSAY)
    page = response.get_data(as_text=True)
    assert "Take it further" not in page
    assert "Your account" not in page
    assert 'name="csrf_token"' not in page
    assert "/join?from=teaching-upward" in page
