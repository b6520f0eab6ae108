"""The moderation queue in a real Chromium, with JavaScript on (in place, htmx) and off
(plain forms): a member reports a request, a moderator hides it, restores it, and
suspends its author (issue 12)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.members.models import Member
from tests.factories import make_request, new_member
from tests.helpers import set_columns, sign_in_browser


@pytest.fixture
def moderator_page(browser, base_url, js_enabled):
    context = browser.new_context(base_url=base_url, java_script_enabled=js_enabled)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


def act(page: Page, button, js_enabled: bool) -> None:
    """Press a queue button: htmx swaps the item in place (same URL, no load); without
    JavaScript the form posts and the queue comes back with a message."""
    if js_enabled:
        page.evaluate("window.stillHere = true")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            button.click()
        assert posted.value.status == 200
        assert posted.value.request.header_value("hx-request") == "true"
        assert page.evaluate("window.stillHere") is True
    else:
        with page.expect_event("load"):
            button.click()
        expect(page).to_have_url(re.compile(r"/admin/reports$"))


def test_a_report_is_hidden_restored_and_its_author_suspended(
    page: Page, moderator_page: Page, live_server, js_enabled
):
    app = live_server.app
    _, author = new_member(app, "senior", "Vikram Seth", season=True)
    reporter_email, _ = new_member(app, "junior")
    moderator_email, moderator = new_member(app, "senior", "Mohan Das")
    set_columns(app, Member, moderator, is_moderator=True)
    title = f"Cheap followers for your page {js_enabled}"
    request_id = make_request(app, author, title=title)

    # A member reports it, from the request page.
    sign_in_browser(page, reporter_email, f"/requests/{request_id}")
    page.get_by_role("link", name="Report this request").click()
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Anything the moderators should know (optional)").fill("An advert.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("your report reached the moderators")).to_be_visible()

    # The moderator hides it, in place or by a plain form.
    sign_in_browser(moderator_page, moderator_email, "/admin/reports")
    item = moderator_page.locator(f"#item-request-{request_id}")
    expect(item).to_contain_text("An advert.")
    item.get_by_label("Reason, shown to the author").fill("Advertising is not mentoring.")
    act(moderator_page, item.get_by_role("button", name="Hide"), js_enabled)
    expect(moderator_page.get_by_text("Hidden. The author has been told why.")).to_be_visible()
    assert page.goto(f"/requests/{request_id}").status == 404  # gone for the reporter

    # Restored from "Hidden now".
    moderator_page.goto("/admin/reports")
    hidden = moderator_page.locator(f"#item-request-{request_id}")
    expect(hidden).to_contain_text("Hidden: Advertising is not mentoring.")
    act(moderator_page, hidden.get_by_role("button", name="Restore"), js_enabled)
    expect(moderator_page.get_by_text("Restored: everyone can see it again.")).to_be_visible()
    assert page.goto(f"/requests/{request_id}").ok

    # Reported again, and its author suspended from the queue.
    page.goto(f"/requests/{request_id}/report")
    page.get_by_label("Harassment or abuse").check()
    page.get_by_role("button", name="Send the report").click()
    moderator_page.goto("/admin/reports")
    item = moderator_page.locator(f"#item-request-{request_id}")
    item.get_by_text("Suspend Vikram Seth").click()
    item.get_by_label("Reason, told to the member").fill("Spam, twice.")
    item.get_by_label("30 days").check()
    act(moderator_page, item.get_by_role("button", name="Suspend"), js_enabled)
    expect(moderator_page.get_by_text("Vikram Seth is suspended")).to_be_visible()
    assert page.goto(f"/requests/{request_id}").status == 404


def test_the_moderation_pages_have_no_accessibility_violations(axe_page: Page, live_server):
    """The queue (an open report, and something hidden), the audit log, and the report
    and concern forms, each with an error showing: axe finds nothing to fix."""
    from axe_playwright_python.sync_playwright import Axe

    from portal.admin import services as moderation
    from portal.extensions import db
    from tests.factories import make_pairing

    app = live_server.app
    _, author = new_member(app, "senior", "Vikram Seth", season=True)
    member_email, member = new_member(app, "junior", "Ravi Kumar")
    admin_email, admin = new_member(app, "senior", "Anita Rao")
    set_columns(app, Member, admin, is_admin=True)
    reported = make_request(app, author, title="Followers for sale")
    hidden = make_request(app, author, title="More followers for sale")
    pairing = make_pairing(app, author, member, title=f"Teach me Excel {member}")
    with app.app_context():
        moderation.report(db.session.get(Member, member), "request", reported, "spam", "Ads.")
        moderation.report(db.session.get(Member, member), "request", hidden, "spam")
        moderation.hide(db.session.get(Member, admin), "request", hidden, "Advertising.")

    def clean(path: str) -> None:
        axe_page.goto(path)
        results = Axe().run(axe_page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"

    sign_in_browser(axe_page, admin_email, "/admin/reports")
    clean("/admin/reports")
    clean("/admin/audit")
    axe_page.get_by_role("button", name="Sign out").click()
    sign_in_browser(axe_page, member_email, f"/pairings/{pairing}")
    clean(f"/requests/{reported}/report")
    axe_page.get_by_role("button", name="Send the report").click()  # no reason chosen
    expect(axe_page.get_by_text("Please choose a reason.").first).to_be_visible()
    assert Axe().run(axe_page).violations_count == 0
    clean(f"/pairings/{pairing}/concern")
    axe_page.get_by_role("button", name="Send to the moderators").click()  # empty
    expect(
        axe_page.get_by_text("Please tell the moderators what worries you.").first
    ).to_be_visible()
    assert Axe().run(axe_page).violations_count == 0
