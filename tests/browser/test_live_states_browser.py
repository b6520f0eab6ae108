"""Issue 14: axe-core (WCAG 2.2 AA and best practice) finds nothing in any state the live
parts can be in: after each swap, after a 422, after a success, at 360 and 1280 px.

axe runs in the page, so JavaScript is on (the no-JS states are whole pages, the same
markup). Each test walks one part through its states in one page, checks each state at
both widths, and reports every violation at the end. The live region's words and the
focus are asserted on the way (what a state is, before it is checked)."""

from __future__ import annotations

import re
import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import make_pairing, make_request, new_member
from tests.helpers import PASSWORD, sign_in_browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
WIDTHS = (360, 1280)


class States:
    """Checks a page in each state it is brought to; `verdict` fails with all of them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: list[str] = []
        self.failures: list[str] = []

    def check(self, state: str) -> None:
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 800})
            results = Axe().run(self.page, options=OPTIONS)
            self.checked.append(f"{state} @ {width}")
            if results.violations_count:
                report = results.generate_report()
                self.failures.append(f"--- {state} at {width} px:\n{report}")

    def verdict(self, expected: int) -> None:
        assert len(self.checked) == expected * len(WIDTHS), self.checked
        if self.failures:
            pytest.fail("\n".join(self.failures), pytrace=False)


def live(page: Page):
    return page.locator("#live-region")


def focused(page: Page):
    return page.locator(":focus")


def test_the_board_and_a_request_in_every_state(axe_page: Page, live_server):
    page, states = axe_page, States(axe_page)
    token = f"axe{secrets.token_hex(3)}"
    _, author = new_member(live_server.app, "senior", season=True)
    for n in range(21):
        make_request(live_server.app, author, title=f"Spreadsheets {token} {n}")
    email, _ = new_member(live_server.app, "junior", "Meera Axe", season=True)
    sign_in_browser(page, email)
    expect(page.locator(".suggestions .request-card").first).to_be_visible()
    states.check("the board, signed in, with suggestions")

    page.get_by_label("Search").fill(token)
    expect(live(page)).to_have_text("More than 20 requests match.")
    states.check("filtered")

    page.get_by_role("link", name="Load more requests").click()
    expect(live(page)).to_have_text("1 more request shown.")
    expect(focused(page)).to_have_text(f"Spreadsheets {token} 0")
    states.check("after Load more")

    page.locator("summary", has_text="Post a request").click()
    page.get_by_role("button", name="Post the request").click()
    expect(page.locator(".error-summary")).to_be_focused()
    states.check("posting, with errors (422)")

    form = page.locator("#request-form")
    form.get_by_label("Title").fill(f"I can teach ChatGPT {token}")
    form.get_by_label("The tool").fill("ChatGPT")
    form.get_by_label("Description").fill("Drafting, summaries and checking what it says.")
    form.get_by_role("button", name="Post the request").click()
    expect(live(page)).to_have_text("Your request is posted.")
    expect(focused(page)).to_have_text(f"I can teach ChatGPT {token}")
    states.check("posted")

    request_id = make_request(live_server.app, author, title=f"Teach me slides {token}")
    page.goto(f"/requests/{request_id}")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".error-summary")).to_be_focused()
    states.check("answering, with errors (422)")
    page.get_by_label("Your answer").fill("Happy to, on Saturday mornings.")
    page.get_by_role("button", name="Send my answer").click()
    expect(live(page)).to_have_text("Your answer is posted.")
    expect(page.locator("#answer-form")).to_be_focused()
    states.check("answered")
    states.verdict(7)


def test_joining_and_signing_in_in_every_state(axe_page: Page, live_server):
    page, states = axe_page, States(axe_page)
    page.goto("/join")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").focus()  # the email is checked on leaving it
    expect(page.locator("#email-error")).to_be_visible()
    expect(live(page)).to_contain_text("email")
    states.check("join, the email checked on blur")
    page.get_by_role("button", name="Join").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#role-0")).to_have_attribute("aria-invalid", "true")
    states.check("join, with errors (422)")

    email, _ = new_member(live_server.app, "senior")
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD + " wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_focused()
    states.check("sign in, a wrong password (422)")
    states.verdict(3)


def test_a_pairing_page_in_every_state(axe_page: Page, live_server):
    page, states = axe_page, States(axe_page)
    senior_email, senior = new_member(live_server.app, "senior", "Asha Axe")
    _, junior = new_member(live_server.app, "junior", "Ravi Axe")
    title = f"Minutes with ChatGPT {secrets.token_hex(3)}"
    pairing = make_pairing(live_server.app, senior, junior, title=title)
    sign_in_browser(page, senior_email, f"/pairings/{pairing}")
    states.check("the pairing page")

    page.get_by_role("button", name="Move down: Show me").click()
    expect(live(page)).to_have_text("The item moved down.")
    expect(focused(page)).to_have_accessible_name("Move down: Show me")
    states.check("an agenda item moved")

    page.get_by_role("button", name="Remove: Teach it back").click()
    expect(live(page)).to_have_text("The item is removed from the agenda.")
    expect(focused(page)).to_have_id(re.compile(r"^item-\d+$"))
    states.check("an agenda item removed")

    page.locator("summary", has_text="Add an item to the agenda").click()
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.locator("#agenda-block .error-summary")).to_be_focused()
    states.check("adding an item, with errors (422)")

    messages = page.locator("#messages")
    messages.get_by_role("button", name="Send").click()
    expect(messages.get_by_label("Message")).to_be_focused()
    expect(messages.get_by_label("Message")).to_have_attribute("aria-invalid", "true")
    states.check("a message, empty (422)")
    messages.get_by_label("Message").fill("Saturday at ten?")
    messages.get_by_role("button", name="Send").click()
    expect(live(page)).to_have_text("Your message is sent.")
    expect(focused(page)).to_contain_text("Saturday at ten?")
    states.check("a message sent")

    sessions = page.locator("#sessions")
    sessions.get_by_role("button", name="Add to the log").click()
    expect(sessions.locator(".error-summary")).to_be_focused()
    states.check("logging a session, with errors (422)")
    sessions.get_by_label("What you covered").fill("Prompts for the minutes")
    sessions.get_by_role("button", name="Add to the log").click()
    expect(live(page)).to_have_text("The session is in the log.")
    expect(focused(page)).to_contain_text("Prompts for the minutes")
    states.check("a session logged")

    page.get_by_role("link", name=re.compile("^Correct this entry")).click()
    expect(focused(page)).to_have_attribute("type", "date")
    states.check("correcting an entry, its form open")

    goal = page.locator("#goal-senior")
    goal.get_by_role("textbox").fill("How I decide what stays out of the minutes.")
    goal.get_by_role("button", name="Save my goal").click()
    expect(live(page)).to_have_text("Your goal is saved.")
    expect(focused(page)).to_have_text("Your goal is saved.")
    states.check("a goal saved")
    states.verdict(10)
