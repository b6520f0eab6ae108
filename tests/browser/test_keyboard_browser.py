"""Issue 14: a member who uses only the keyboard, from joining to a logged session, on a
360 px phone, with JavaScript on (htmx swaps in place) and off (whole pages).

Tab, Shift+Tab, Enter, Space and typing: no clicks, no `fill`. After each change the test
asserts where focus is (document.activeElement) and what the page's live region says
(portal.js fills it from the swapped markup; without JavaScript pages load whole and it
stays empty, and the error summary takes focus by itself, autofocus)."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect

from tests.factories import new_member
from tests.helpers import PASSWORD

DESCRIPTION = "I chair two boards and want to draft minutes faster, and keep them confidential."
ANSWER = "I use ChatGPT for drafting every day. Saturday mornings suit me."

ACTIVE = """() => {
  const e = document.activeElement;
  return e ? {tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || "").trim(),
              classes: e.className, href: e.getAttribute("href")} : null;
}"""


IN_VIEW = """(selector) => {
  const r = document.querySelector(selector).getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight;
}"""  # some of it, as Playwright's to_be_in_viewport


def active(page: Page) -> dict:
    return page.evaluate(ACTIVE)


def tab_to(page: Page, selector: str, text: str | None = None, back: bool = False) -> None:
    """Tab (or Shift+Tab) until the focused element matches `selector` (and starts with
    `text`), as a keyboard user would look for it."""
    matches = """([selector, text]) => {
      const e = document.activeElement;
      return !!e && e.matches(selector) && (!text || (e.innerText || "").trim().startsWith(text));
    }"""
    for _ in range(120):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(matches, [selector, text]):
            return
    raise AssertionError(f"Tab never reached {selector} {text or ''}; focus is on {active(page)}")


def type_into(page: Page, selector: str, words: str, back: bool = False) -> None:
    tab_to(page, selector, back=back)
    page.keyboard.press("Control+a")
    page.keyboard.type(words)


def live(page: Page):
    return page.locator("#live-region")


def said(page: Page, words: str, js_enabled: bool) -> None:
    """The live region's words after a change: `words` in place, nothing after a page load."""
    expect(live(page)).to_have_text(words if js_enabled else "")


def settled(page: Page) -> None:
    """No htmx request or swap under way: a person is slower than htmx's settle (20 ms),
    the test is not (a key pressed before it would meet the focus htmx gives then)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector({busy!r})")


def expect_focus(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_be_focused()


def submit_with_errors_then_follow_the_summary(
    page: Page, js_enabled: bool, field: str, error: str | None = None
) -> None:
    """After a 422 the summary has focus (with htmx or on a whole page); Tab reaches its
    first link, Enter takes focus to the field, with the field's error (`error`, or the
    summary for a form-level one) in view."""
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    settled(page)
    said(page, "", js_enabled)
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    target = f"#{error}" if error else ".error-summary"
    if js_enabled:
        # At once (portal.js scrolls once, instantly, and only essays scroll smoothly): a
        # smooth scroll still running could leave it out of view in Chromium under load.
        assert page.evaluate(IN_VIEW, target), f"{target} is not in view right after Enter"
    expect_focus(page, f"#{field}")
    expect(page.locator(target)).to_be_in_viewport()


def test_keyboard_only_from_joining_to_a_logged_session(
    page: Page, browser, browser_context_args, base_url, live_server, smtp, js_enabled
):
    page.set_viewport_size({"width": 360, "height": 740})
    token = secrets.token_hex(4)
    email = f"keys-{token}@example.com"

    # Join: a mistyped email is said when the field is left; the role forgotten.
    page.goto("/join")
    type_into(page, "#name", "Asha Keys")
    type_into(page, "#email", "asha-keys@")
    page.keyboard.press("Tab")
    expect_focus(page, "#password")
    if js_enabled:
        expect(page.locator("#email-error")).to_be_visible()
        expect(live(page)).to_contain_text("email")
    type_into(page, "#email", email, back=True)
    page.keyboard.press("Tab")
    if js_enabled:
        expect(page.locator("#email-error")).to_have_count(0)
    page.keyboard.type(PASSWORD)
    type_into(page, "#wants_to_learn", "ChatGPT, minutes")
    type_into(page, "#organisation", f"Keys {token}")
    tab_to(page, "#agree")
    page.keyboard.press("Space")
    tab_to(page, "#adult")
    page.keyboard.press("Space")
    tab_to(page, "#join-form button[type=submit]")
    page.keyboard.press("Enter")
    submit_with_errors_then_follow_the_summary(page, js_enabled, "role-0", "role-error")
    page.keyboard.press("Space")
    expect(page.locator("#role-0")).to_be_checked()
    type_into(page, "#password", PASSWORD, back=True)  # never sent back to the browser
    expect(page.locator("#agree")).to_be_checked()
    tab_to(page, "#join-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/join/welcome$"))

    # Confirm, by the emailed link's page.
    page.goto(smtp.link(email, "/verify/"))
    tab_to(page, "main button", "Confirm my email")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()

    # Post a request from the board: too short a description first.
    page.goto("/requests/")
    title = f"Help me draft minutes {token}"
    tab_to(page, "summary", "Post a request")
    page.keyboard.press("Enter")
    type_into(page, "#post-title", title)
    type_into(page, "#post-tool", "ChatGPT")
    type_into(page, "#post-description", "Minutes.")
    tab_to(page, "button[type=submit]", "Post the request")
    page.keyboard.press("Enter")
    submit_with_errors_then_follow_the_summary(
        page, js_enabled, "post-description", "post-description-error"
    )
    page.keyboard.press("Control+a")
    page.keyboard.type(DESCRIPTION)
    tab_to(page, "button[type=submit]", "Post the request")
    page.keyboard.press("Enter")
    if js_enabled:
        # The new card's title has focus; the live region says it is posted.
        new_card = page.locator("#cards > li.request-card").first
        expect(new_card.get_by_role("link", name=title)).to_be_focused()
        said(page, "Your request is posted.", js_enabled)
        request_id = int(active(page)["href"].rsplit("/", 1)[1])
    else:
        expect(page).to_have_url(re.compile(r"/requests/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        request_id = int(page.url.rsplit("/", 1)[1])
        said(page, "", js_enabled)

    # A junior signs in (a wrong password first) and answers.
    context = browser.new_context(**{**browser_context_args, "base_url": base_url})
    other = context.new_page()
    other.set_default_timeout(5000)
    other.set_viewport_size({"width": 360, "height": 740})
    junior_email, _ = new_member(live_server.app, "junior", "Ravi Keys")
    other.goto(f"/login?next=/requests/{request_id}")
    type_into(other, "#email", junior_email)
    type_into(other, "#password", "not the password at all")
    other.keyboard.press("Enter")
    submit_with_errors_then_follow_the_summary(other, js_enabled, "password")
    other.keyboard.type(PASSWORD)
    other.keyboard.press("Enter")
    expect(other).to_have_url(f"{base_url}/requests/{request_id}")
    type_into(other, "#message", ANSWER)
    tab_to(other, "button[type=submit]", "Send my answer")
    other.keyboard.press("Enter")
    if js_enabled:
        expect_focus(other, "#answer-form")
        expect(other.locator("#answer-form")).to_have_text(re.compile("Your answer is posted"))
    else:
        expect(other).to_have_url(re.compile(rf"/requests/{request_id}#answer-\d+$"))
        expect(other.get_by_text("Your answer is posted")).to_be_visible()
    said(other, "Your answer is posted.", js_enabled)
    context.close()
    if js_enabled:
        # The header's unread count refreshes itself every minute (here at once, as that
        # timer would): a new count is said in the live region.
        expect(page.locator("#notification-count .badge")).to_have_count(0)
        page.evaluate(
            "htmx.ajax('GET', '/notifications/count',"
            " {target: '#notification-count', swap: 'outerHTML'})"
        )
        expect(page.locator("#notification-count .badge")).to_contain_text("1")
        said(page, "1 unread notification", js_enabled)

    # The senior accepts (a plain form: a new page, the pairing's).
    page.goto(f"/requests/{request_id}")
    tab_to(page, "button[type=submit]", "Accept this answer")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/pairings/\d+$"))
    expect(page.get_by_text("You accepted an answer")).to_be_visible()
    said(page, "", js_enabled)

    # The agenda: "Move down" keeps focus on the moved item's same button.
    tab_to(page, "button", "Move down")
    expect(page.locator(":focus")).to_have_accessible_name("Move down: Show me")
    page.keyboard.press("Enter")
    if js_enabled:
        expect(page.locator("#agenda-block .agenda-title").first).to_have_text(
            "Try it on my real work"
        )
        expect(page.locator(":focus")).to_have_accessible_name("Move down: Show me")
    else:
        expect(page.locator("#flash")).to_contain_text("The item moved down.")
    said(page, "The item moved down.", js_enabled)

    # A message: the new message takes focus.
    type_into(page, "#body", "Saturday at ten?")
    tab_to(page, "#messages button[type=submit]", "Send")
    page.keyboard.press("Enter")
    if js_enabled:
        expect(page.locator(":focus")).to_have_class(re.compile(r"\bmessage\b"))
        expect(page.locator(":focus")).to_contain_text("Saturday at ten?")
    else:
        expect(page).to_have_url(re.compile(r"#messages$"))
    said(page, "Your message is sent.", js_enabled)

    # A session in the log (dated today, as the form starts): the new entry takes focus.
    type_into(page, "#covered", "Prompts for the minutes", back=True)
    tab_to(page, "#sessions button[type=submit]", "Add to the log")
    page.keyboard.press("Enter")
    if js_enabled:
        expect(page.locator(":focus")).to_have_class(re.compile(r"\bsession-entry\b"))
        expect(page.locator(":focus")).to_contain_text("Prompts for the minutes")
    else:
        expect(page).to_have_url(re.compile(r"#sessions$"))
        expect(page.locator("#flash")).to_contain_text("The session is in the log.")
    said(page, "The session is in the log.", js_enabled)
