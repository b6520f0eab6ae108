"""From an essay's call to action to a verified member, in a real browser,
with JavaScript on (htmx) and off (plain forms)."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.members.models import Member
from tests.helpers import PASSWORD

ESSAY = "teaching-upward"


def test_reader_joins_from_an_essay_and_becomes_a_verified_member(
    page: Page, live_server, smtp, js_enabled
):
    email = f"reader-{secrets.token_hex(4)}@Example.com"
    page.goto(f"/essays/{ESSAY}")
    page.locator('a[data-cta="join"]').click()
    expect(page).to_have_url(re.compile(rf"/join\?from={ESSAY}$"))

    page.get_by_label("Your name").fill("Meera Iyer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("A senior who wants to learn").check()
    page.get_by_label("Tools or topics I want to learn").fill("ChatGPT, meeting notes")
    page.get_by_label("City (optional)").fill("Pune")
    page.get_by_label("I agree to the").check()
    page.get_by_label("I am 18 or older").check()
    page.get_by_role("button", name="Join").click()

    expect(page).to_have_url(re.compile(r"/join/welcome$"))
    expect(page.get_by_role("heading", name="Your first request")).to_be_visible()

    link = smtp.link(email, "/verify/")
    page.goto(link)
    page.get_by_role("button", name="Confirm my email").click()

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()

    with live_server.app.app_context():
        member = db.session.scalar(sa.select(Member).where(Member.email_key == email.lower()))
        assert member.is_verified
        assert member.joined_from == ESSAY
        assert member.wants_to_learn == ["ChatGPT", "meeting notes"]  # as typed


def test_invalid_join_keeps_what_was_typed(page: Page, js_enabled):
    page.goto("/join")
    page.get_by_label("Your name").fill("Kiran Rao")
    page.get_by_label("Email").fill("kiran@example.com")
    page.get_by_label("Password").fill("too short")
    page.get_by_label("City (optional)").fill("Indore")
    page.get_by_role("button", name="Join").click()

    expect(page.get_by_text("a phrase of a few words").first).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Kiran Rao")
    expect(page.get_by_label("City (optional)")).to_have_value("Indore")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator("#agree-error")).to_contain_text("Please agree to the guidelines")
    # The error summary links to the field, and has focus (issue 14).
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("link", name="Please agree to the guidelines")).to_have_attribute(
        "href", "#agree"
    )
    expect(summary).to_be_focused()
