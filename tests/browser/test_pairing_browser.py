"""A pairing's quarter in a real browser (SPEC.md §4), with JavaScript on (htmx swaps
the changed section in place) and off (plain forms, post/redirect/get).

The senior and the junior each have their own browser context. The pairing begins
through the board's services (a seeking request, an answer, the answer accepted);
from there on everything goes through the page: the goals, the agenda, the session
log, the reflections, a message, and the participation record on both profiles.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Pairing
from tests.factories import make_pairing, new_member
from tests.helpers import marker_survived, set_marker, sign_in_browser, watch_csp

SENIOR_NAME = "Asha Menon"
JUNIOR_NAME = "Ravi Kumar"
JUNIOR_GOAL = "Asha drafts a board's minutes with ChatGPT in half the time, and checks them."
SENIOR_GOAL = "How I decide what stays out of the minutes, and whom I ask when unsure."
ANSWER = "I use ChatGPT for drafting every day. Saturday mornings suit me."
TEMPLATE = ["Show me", "Try it on my real work", "Teach it back"]
EDITED_TITLE = "Try it on this week's board minutes"
EDITED_DETAIL = "Asha brings the recording notes from Tuesday's meeting."
ADDED_TITLE = "Keep confidential papers out of it"
ADDED_DETAIL = "Which settings to check before pasting anything from the board pack."
FUTURE_DATE_ERROR = "A session can't be dated in the future. Log it once it has happened."


# --- helpers ---------------------------------------------------------------------------


def start_pairing(live_server, senior_id: int, junior_id: int) -> int:
    """A seeking request by the senior, answered by the junior and accepted: quarter 1
    of ChatGPT with the three-session template. Returns the pairing's id."""
    title = f"Help me draft board minutes with ChatGPT {secrets.token_hex(3)}"
    return make_pairing(
        live_server.app, senior_id, junior_id, "ChatGPT", title=title, message=ANSWER
    )


def member_facts(live_server, member_id: int) -> tuple[str, date]:
    """The member's handle, and today's date where they live (as the server reckons it)."""
    with live_server.app.app_context():
        member = db.session.get(Member, member_id)
        return member.handle, pairings.today_for(member)


# In the page itself too, with JavaScript on: a violation that never reached the console
# (or was reported in a document the test has since left) still counts.
COUNT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(autouse=True)
def _count_violations_in_page(request):
    """Every document `page` opens counts its own violations (see `submit`)."""
    if "page" in request.fixturenames:
        request.getfixturevalue("page").context.add_init_script(COUNT_VIOLATIONS)


@pytest.fixture
def second_page(browser, browser_context_args, base_url):
    """The other member's browser: its own context (cookies), with JS as the first."""
    context = browser.new_context(**{**browser_context_args, "base_url": base_url})
    context.set_default_timeout(5000)
    context.add_init_script(COUNT_VIOLATIONS)
    violations = watch_csp(context)
    yield context.new_page()
    context.close()
    if violations:
        pytest.fail("CSP violations in the second context:\n" + "\n".join(violations))


def submit(
    page: Page,
    button: Locator,
    *,
    js_enabled: bool,
    url: str,
    anchor: str,
    message: str | None = None,
    status: int | None = None,
    swapped: str | None = None,
) -> None:
    """Click a form's button and check how the answer arrives.

    With JavaScript: an htmx POST answered 200 (or `status`, e.g. 422) with the section
    (or the part of it named by `swapped`, such as the agenda), swapped into the same
    document at the same URL, with no CSP violation.
    Without: a plain form post, answered 303 to the page's `#anchor` with a flash
    message (or `status`, e.g. 422, with the whole page).
    """
    expected = status or (200 if js_enabled else 303)
    if js_enabled:
        set_marker(page)
        # Marks this copy of the section, so that the wait below ends only once htmx has
        # put the server's copy in its place (and settled it).
        part = swapped or anchor
        page.locator(f"#{part}").evaluate("(section) => { section.dataset.old = 'yes'; }")
        arrived = page.locator(f"#{part}:not([data-old])")
    else:
        arrived = None
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        if js_enabled:
            button.click()
        else:
            with page.expect_event("load"):  # the next document, not this one
                button.click()
    response = posted.value
    assert response.status == expected, f"POST {response.url} answered {response.status}"
    sent_by_htmx = response.request.header_value("hx-request") == "true"
    assert sent_by_htmx is js_enabled, f"POST {response.url}: HX-Request {sent_by_htmx}"
    if arrived is not None:
        expect(arrived).to_have_count(1)
        if message:
            # Shown in the section, and said in the page's live region (issue 14).
            expect(arrived.locator(".notice-success").first).to_have_text(message)
            expect(page.locator("#live-region")).to_have_text(message)
        expect(page).to_have_url(url)
        assert marker_survived(page), f"POST {response.url} reloaded the page"
        assert page.evaluate("window.cspViolations") == []
    elif status is None:
        expect(page).to_have_url(f"{url}#{anchor}")
        if message:
            expect(page.locator("#flash")).to_contain_text(message)
    else:
        expect(page).to_have_url(response.url)


def agenda_titles(page: Page) -> Locator:
    return page.locator("#quarter-current .agenda-title")


def agenda_item(page: Page, title: str) -> Locator:
    return page.locator("#quarter-current li.agenda-item").filter(
        has=page.locator(".agenda-title", has_text=re.compile(rf"^{re.escape(title)}$"))
    )


def log_form(page: Page) -> Locator:
    return page.locator("#sessions form").filter(
        has=page.get_by_role("heading", name="Log a session")
    )


def entries(page: Page) -> Locator:
    return page.locator("#sessions li.session-entry")


def record_value(page: Page, term: str) -> Locator:
    return page.locator("dl.record dt", has_text=term).locator("xpath=following-sibling::dd[1]")


# --- the steps of the journey ---------------------------------------------------------------


def write_goal(page: Page, side: str, text: str, **how) -> None:
    goal = page.locator(f"#goal-{side}")
    goal.get_by_label("Your goal").fill(text)
    submit(
        page,
        goal.get_by_role("button", name="Save my goal"),
        anchor="quarter-current",
        swapped=f"goal-{side}",
        message="Your goal is saved.",
        **how,
    )
    expect(page.locator(f"#goal-{side}").get_by_label("Your goal")).to_have_value(text)


def log_session(page: Page, held_on: date, item: str, covered: str, notes: str, **how) -> None:
    form = log_form(page)
    form.get_by_label("Date").fill(held_on.isoformat())
    form.get_by_label("Agenda item").select_option(label=item)
    form.get_by_label("What you covered").fill(covered)
    form.get_by_label("Notes (optional)").fill(notes)
    submit(
        page,
        form.get_by_role("button", name="Add to the log"),
        anchor="sessions",
        message="The session is in the log.",
        **how,
    )


def reflect(page: Page, learned: str, taught: str, next_quarter: str, message: str, **how):
    form = page.locator("#reflections form").filter(has_text="Save my reflection")
    form.get_by_label("What I learned").fill(learned)
    form.get_by_label("What I taught").fill(taught)
    form.get_by_label("What to do next quarter").fill(next_quarter)
    early = form.get_by_label("We are finishing this quarter early")
    if early.count():  # the quarter began today: before its third session, it's early
        early.check()
    submit(
        page,
        form.get_by_role("button", name="Save my reflection"),
        anchor="reflections",
        message=message,
        **how,
    )


# --- the journey -------------------------------------------------------------------------------


def test_a_pair_plans_logs_and_completes_a_quarter(
    page: Page, second_page: Page, live_server, base_url, js_enabled
):
    """The senior and the junior fill the template, keep the log, reflect and write to
    each other; the quarter completes and both profiles count it."""
    senior, junior = page, second_page
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    junior_email, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    path = f"/pairings/{pairing_id}"
    url = f"{base_url}{path}"
    how = {"js_enabled": js_enabled, "url": url}
    senior_handle, today = member_facts(live_server, senior_id)
    junior_handle, junior_today = member_facts(live_server, junior_id)
    assert junior_today == today  # both live in India by default

    # 1. Both sign in, each in their own browser, and find the new pairing.
    sign_in_browser(senior, senior_email, path)
    sign_in_browser(junior, junior_email, "/pairings/")
    junior.get_by_role("link", name=f"With {SENIOR_NAME}").click()
    expect(junior).to_have_url(url)
    for member in (senior, junior):
        expect(member.get_by_role("heading", level=1)).to_have_text(
            f"{SENIOR_NAME} and {JUNIOR_NAME}"
        )
        expect(member.locator("#quarter-title")).to_have_text("Quarter 1: ChatGPT")
        expect(agenda_titles(member)).to_have_text(TEMPLATE)
        expect(entries(member)).to_have_count(0)

    # 2. Each writes their own goal; neither can edit the other's.
    write_goal(junior, "junior", JUNIOR_GOAL, **how)
    expect(junior.locator("#goal-senior textarea")).to_have_count(0)
    expect(junior.locator("#goal-senior")).to_contain_text("Not written yet.")
    write_goal(senior, "senior", SENIOR_GOAL, **how)
    senior.reload()  # the partner's goal was written in another browser
    expect(senior.locator("#goal-junior textarea")).to_have_count(0)
    expect(senior.locator("#goal-junior .user-text")).to_have_text(JUNIOR_GOAL)

    # The junior edits the second item, moves the first down and adds a fourth.
    item = agenda_item(junior, "Try it on my real work")
    item.locator("summary", has_text="Edit").click()
    item.get_by_label("Item", exact=True).fill(EDITED_TITLE)
    item.get_by_label("Details (optional)").fill(EDITED_DETAIL)
    submit(
        junior,
        item.get_by_role("button", name="Save item"),
        anchor="quarter-current",
        swapped="agenda-block",
        message="The agenda item is saved.",
        **how,
    )
    expect(agenda_titles(junior)).to_have_text(["Show me", EDITED_TITLE, "Teach it back"])
    expect(agenda_item(junior, EDITED_TITLE)).to_contain_text(EDITED_DETAIL)

    submit(
        junior,
        junior.get_by_role("button", name="Move down: Show me"),
        anchor="quarter-current",
        swapped="agenda-block",
        message="The item moved down.",
        **how,
    )
    expect(agenda_titles(junior)).to_have_text([EDITED_TITLE, "Show me", "Teach it back"])
    expect(junior.get_by_role("button", name=f"Move up: {EDITED_TITLE}")).to_have_count(0)

    adding = junior.locator("#quarter-current details").filter(
        has=junior.locator("summary", has_text="Add an item to the agenda")
    )
    adding.locator("summary").click()
    adding.get_by_label("Item", exact=True).fill(ADDED_TITLE)
    adding.get_by_label("Details (optional)").fill(ADDED_DETAIL)
    submit(
        junior,
        adding.get_by_role("button", name="Add to the agenda"),
        anchor="quarter-current",
        swapped="agenda-block",
        message="The item is added to the agenda.",
        **how,
    )
    planned = [EDITED_TITLE, "Show me", "Teach it back", ADDED_TITLE]
    expect(agenda_titles(junior)).to_have_text(planned)
    # Both goals are kept through the agenda's changes.
    expect(junior.locator("#goal-junior").get_by_label("Your goal")).to_have_value(JUNIOR_GOAL)
    junior.reload()
    expect(junior.locator("#goal-senior .user-text")).to_have_text(SENIOR_GOAL)

    # 3. The senior opens the page and logs the first session.
    senior.goto(path)
    expect(agenda_titles(senior)).to_have_text(planned)
    expect(log_form(senior).get_by_label("Date")).to_have_value(today.isoformat())
    log_session(
        senior,
        today,
        EDITED_TITLE,
        "Drafted Tuesday's minutes from my notes",
        "Ravi showed me how to ask for a summary first.\n\nNext time: action items.",
        **how,
    )
    expect(entries(senior)).to_have_count(1)
    expect(entries(senior).first).to_contain_text(EDITED_TITLE)
    expect(senior.locator("#sessions")).to_contain_text("1 session this quarter.")

    # The junior logs two more, still on the page where they planned the agenda.
    log_session(
        junior,
        today,
        "Show me",
        "A blank page to finished minutes",
        "From the agenda to a first draft in twenty minutes.",
        **how,
    )
    expect(entries(junior)).to_have_count(2)
    expect(junior.locator("#sessions")).to_contain_text("2 sessions this quarter.")

    # 4. A future date: the message sits next to the date, and what was typed stays.
    form = log_form(junior)
    covered = "What never to paste into a chatbot"
    form.get_by_label("Date").fill((today + timedelta(days=1)).isoformat())
    form.get_by_label("Agenda item").select_option(label=ADDED_TITLE)
    form.get_by_label("What you covered").fill(covered)
    form.get_by_label("Notes (optional)").fill("Asha's rule: nothing with a name in it.")
    submit(
        junior,
        form.get_by_role("button", name="Add to the log"),
        anchor="sessions",
        status=422,
        **how,
    )
    form = log_form(junior)
    date_field = form.locator(".field-invalid").filter(has=junior.get_by_label("Date"))
    expect(date_field.locator(".error")).to_have_text(FUTURE_DATE_ERROR)
    expect(form.get_by_label("Date")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Date")).to_have_attribute(
        "aria-describedby", re.compile(r"held_on-error")
    )
    expect(form.get_by_label("What you covered")).to_have_value(covered)
    expect(form.get_by_label("Notes (optional)")).to_have_value(
        "Asha's rule: nothing with a name in it."
    )
    expect(form.get_by_label("Agenda item")).to_have_value(
        re.compile(r"^\d+$")  # the chosen item, not "Something else"
    )
    # The error summary takes focus, in place or on the page (issue 14); its link goes to
    # the date.
    expect(form.locator(".error-summary")).to_be_focused()
    expect(form.locator(".error-summary a")).to_have_attribute("href", "#held_on")
    expect(entries(junior)).to_have_count(2)

    # The junior puts today's date and the session goes in.
    form.get_by_label("Date").fill(today.isoformat())
    submit(
        junior,
        form.get_by_role("button", name="Add to the log"),
        anchor="sessions",
        message="The session is in the log.",
        **how,
    )
    expect(entries(junior)).to_have_count(3)
    expect(entries(junior).first).to_contain_text(covered)
    expect(entries(junior).first).to_contain_text(ADDED_TITLE)
    expect(junior.locator("#sessions")).to_contain_text("3 sessions this quarter.")
    expect(junior.locator("#sessions .error")).to_have_count(0)

    # The senior corrects the first entry, which the junior wrote.
    senior.goto(path)
    expect(entries(senior)).to_have_count(3)
    entry = entries(senior).filter(has_text="A blank page to finished minutes")
    entry_id = entry.get_attribute("id").removeprefix("session-")
    if js_enabled:
        set_marker(senior)
    entry.get_by_text("Correct this entry").click()
    # The entry's own form (wherever it is shown), filled with what the log holds.
    correction = senior.locator(f"form[action='{path}/sessions/{entry_id}']")
    expect(correction.get_by_label("Date")).to_have_value(today.isoformat())
    expect(correction.get_by_label("Agenda item")).to_have_value(
        re.compile(r"^\d+$")  # "Show me", not "Something else"
    )
    expect(correction.get_by_label("What you covered")).to_have_value(
        "A blank page to finished minutes"
    )
    if js_enabled:
        assert marker_survived(senior), "opening the correction reloaded the page"
        # Opened in place, its first field takes focus once htmx has settled the swap
        # (issue 14): typing before that would race the focus.
        expect(correction.get_by_label("Date")).to_be_focused()
    correction.get_by_label("What you covered").fill("A blank page to finished minutes, twice")
    correction.get_by_label("Notes (optional)").fill("The second time, without help.")
    submit(
        senior,
        correction.get_by_role("button", name="Save changes"),
        anchor="sessions",
        message="The session is updated.",
        **how,
    )
    expect(entries(senior)).to_have_count(3)
    corrected = entries(senior).filter(has_text="A blank page to finished minutes, twice")
    expect(corrected).to_contain_text("The second time, without help.")
    expect(corrected).to_contain_text("Show me")
    expect(entries(senior).filter(has_text="From the agenda to a first draft")).to_have_count(0)

    # 5. The junior reflects first; the senior sees it is written, not what it says.
    reflect(
        junior,
        "How much a board's minutes leave out on purpose.",
        "Asking for a summary first, then the draft.",
        "Copilot in Excel, for the budget papers.",
        "Your reflection is saved. Your partner's is still to come.",
        **how,
    )
    expect(junior.locator("#reflection-junior")).to_contain_text("How much a board's minutes")
    expect(junior.locator("#reflection-senior")).to_contain_text("Not written yet.")
    expect(junior.locator("#quarter-title .badge")).to_have_count(0)

    senior.reload()
    waiting = senior.locator("#reflection-junior")
    expect(waiting).to_have_text(re.compile(r"Written\. You will see it once yours is saved\."))
    expect(waiting).not_to_contain_text("How much a board's minutes")
    expect(senior.get_by_text("How much a board's minutes")).to_have_count(0)

    reflect(
        senior,
        "To ask for a summary before the draft, and to read every line.",
        "What has to stay out of minutes, and why.",
        "Renew with Copilot in Excel.",
        "Your reflection is saved, and this quarter is complete.",
        **how,
    )
    # The quarter's heading is outside #reflections: htmx swaps it out of band.
    expect(senior.locator("#quarter-title .badge")).to_have_text("Complete")
    expect(senior.locator("#reflection-junior")).to_contain_text("How much a board's minutes")
    expect(senior.locator("#reflections")).to_contain_text("Both of you have reflected")
    expect(senior.get_by_role("button", name="Save my goal")).to_have_count(0)

    junior.goto(path)
    expect(junior.locator("#quarter-title .badge")).to_have_text("Complete")
    expect(junior.locator("#reflection-senior")).to_contain_text("read every line")

    # 6. A message from the junior reaches the senior on their next load.
    message = f"Thank you, Asha. Copilot in Excel next? ({secrets.token_hex(3)})"
    box = junior.locator("#messages").get_by_role("textbox", name="Message")
    box.fill(message)
    submit(
        junior,
        junior.locator("#messages").get_by_role("button", name="Send"),
        anchor="messages",
        message="Your message is sent.",
        **how,
    )
    mine = junior.locator("#messages li.message").filter(has_text=message)
    expect(mine).to_contain_text("You")
    expect(junior.locator("#messages").get_by_role("textbox", name="Message")).to_have_value("")

    expect(senior.get_by_text(message)).to_have_count(0)
    senior.reload()
    theirs = senior.locator("#messages li.message").filter(has_text=message)
    expect(theirs.locator(".message-meta")).to_contain_text(JUNIOR_NAME)

    # 7. Each member's own profile counts the quarter, the sessions and the tool.
    for member, handle, tools, other in (
        (junior, junior_handle, "Tools taught", "Tools learned"),
        (senior, senior_handle, "Tools learned", "Tools taught"),
    ):
        member.goto(f"/members/{handle}")
        expect(member.locator("#participation")).to_be_visible()
        expect(record_value(member, "Pairings started")).to_have_text("1 (1 running now)")
        expect(record_value(member, "Quarters completed")).to_have_text("1")
        expect(record_value(member, "Sessions logged")).to_have_text("3")
        expect(record_value(member, tools)).to_contain_text("ChatGPT")
        expect(member.locator("dl.record dt", has_text=other)).to_have_count(0)


# --- sections that depend on each other -------------------------------------------------

# With htmx only the changed section is swapped; these two check that the sections that
# depend on the change follow it (hx-swap-oob), as a reload would show them.


def test_what_is_typed_elsewhere_survives_an_agenda_change(
    page: Page, live_server, base_url, js_enabled
):
    """An agenda change swaps only the agenda: a goal and a session being written stay."""
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    _, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    path = f"/pairings/{pairing_id}"
    how = {"js_enabled": js_enabled, "url": f"{base_url}{path}"}
    sign_in_browser(page, senior_email, path)
    goal = page.locator("#goal-senior").get_by_label("Your goal")
    goal.fill("Half-written goal")
    log_form(page).get_by_label("What you covered").fill("Half-written session")
    submit(
        page,
        page.get_by_role("button", name="Move down: Show me"),
        anchor="quarter-current",
        swapped="agenda-block",
        **how,
    )
    expect(agenda_titles(page).first).to_have_text("Try it on my real work")
    # Without JavaScript the move is a new page (a form post can carry only its own form).
    kept = ("Half-written goal", "Half-written session") if js_enabled else ("", "")
    expect(goal).to_have_value(kept[0])
    expect(log_form(page).get_by_label("What you covered")).to_have_value(kept[1])


def test_the_session_form_offers_the_agenda_as_it_now_stands(
    page: Page, live_server, base_url, js_enabled
):
    """Right after the agenda changes, "Log a session" offers its items as they now are:
    the new title, the added item, not the removed one; and the added item can be logged."""
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    _, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    _, today = member_facts(live_server, senior_id)
    path = f"/pairings/{pairing_id}"
    how = {"js_enabled": js_enabled, "url": f"{base_url}{path}"}
    sign_in_browser(page, senior_email, path)
    options = log_form(page).get_by_label("Agenda item").locator("option")
    expect(options).to_have_text(["Something else", *TEMPLATE])

    item = agenda_item(page, "Try it on my real work")
    item.locator("summary", has_text="Edit").click()
    item.get_by_label("Item", exact=True).fill(EDITED_TITLE)
    submit(
        page,
        item.get_by_role("button", name="Save item"),
        anchor="quarter-current",
        swapped="agenda-block",
        **how,
    )
    submit(
        page,
        page.get_by_role("button", name="Remove: Teach it back"),
        anchor="quarter-current",
        swapped="agenda-block",
        message="The item is removed from the agenda.",
        **how,
    )
    adding = page.locator("#quarter-current details").filter(
        has=page.locator("summary", has_text="Add an item to the agenda")
    )
    adding.locator("summary").click()
    adding.get_by_label("Item", exact=True).fill(ADDED_TITLE)
    submit(
        page,
        adding.get_by_role("button", name="Add to the agenda"),
        anchor="quarter-current",
        swapped="agenda-block",
        **how,
    )
    expect(agenda_titles(page)).to_have_text(["Show me", EDITED_TITLE, ADDED_TITLE])

    expect(options).to_have_text(["Something else", "Show me", EDITED_TITLE, ADDED_TITLE])
    log_session(page, today, ADDED_TITLE, "Settings before pasting", "", **how)
    expect(entries(page)).to_have_count(1)
    expect(entries(page).first).to_contain_text(ADDED_TITLE)


def test_a_completed_quarter_offers_no_more_logging(page: Page, live_server, base_url, js_enabled):
    """The reflection that completes the quarter leaves the page as a reload shows it:
    complete, with no goal, agenda or "Log a session" forms, and the renewal offered."""
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    _, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    with live_server.app.app_context():
        junior = db.session.get(Member, junior_id)
        found = db.session.get(Pairing, pairing_id)
        pairings.reflect(
            found, junior, "Patience.", "Prompts.", "Copilot in Excel.", finish_early=True
        )
    path = f"/pairings/{pairing_id}"
    how = {"js_enabled": js_enabled, "url": f"{base_url}{path}"}
    sign_in_browser(page, senior_email, path)
    expect(log_form(page)).to_have_count(1)

    reflect(
        page,
        "To read every line.",
        "What stays out of minutes.",
        "Renew.",
        "Your reflection is saved, and this quarter is complete.",
        **how,
    )
    expect(page.locator("#quarter-title .badge")).to_have_text("Complete")
    expect(page.get_by_role("button", name="Start quarter 2")).to_be_visible()
    expect(page.get_by_role("button", name="Save my goal")).to_have_count(0)
    expect(page.get_by_role("button", name="Add to the agenda")).to_have_count(0)
    expect(log_form(page)).to_have_count(0)


def test_an_early_reflection_is_asked_about_and_keeps_what_was_typed(
    page: Page, live_server, base_url, js_enabled
):
    """On a quarter's first day a reflection is early (issue 11, item 22): saving it
    without saying so answers 422 beside the box, with the text kept; ticking it saves."""
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    _, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    path = f"/pairings/{pairing_id}"
    how = {"js_enabled": js_enabled, "url": f"{base_url}{path}"}
    sign_in_browser(page, senior_email, path)
    form = page.locator("#reflections form").filter(has_text="Save my reflection")
    expect(page.locator("#reflection-early")).to_contain_text("Reflections open on")
    form.get_by_label("What I learned").fill("Where the shortcuts are.")
    form.get_by_label("What I taught").fill("Which numbers matter.")
    form.get_by_label("What to do next quarter").fill("Stop here: a new role.")
    submit(
        page,
        form.get_by_role("button", name="Save my reflection"),
        anchor="reflections",
        status=422,
        **how,
    )
    form = page.locator("#reflections form").filter(has_text="Save my reflection")
    early = form.get_by_label("We are finishing this quarter early")
    expect(early).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#finish_early-error")).to_contain_text("It's early to reflect")
    expect(form.get_by_label("What I learned")).to_have_value("Where the shortcuts are.")
    early.check()
    submit(
        page,
        form.get_by_role("button", name="Save my reflection"),
        anchor="reflections",
        message="Your reflection is saved. Your partner's is still to come.",
        **how,
    )


# --- accessibility ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 360])
def test_the_pairing_page_has_no_accessibility_violations(axe_page: Page, live_server, width):
    """A pairing in full swing (goals, sessions, a message, a reflection waiting), with
    every panel open, and then a session form answered with an error."""
    senior_email, senior_id = new_member(live_server.app, "senior", SENIOR_NAME)
    _, junior_id = new_member(live_server.app, "junior", JUNIOR_NAME)
    pairing_id = start_pairing(live_server, senior_id, junior_id)
    with live_server.app.app_context():
        found = db.session.get(Pairing, pairing_id)
        senior = db.session.get(Member, senior_id)
        junior = db.session.get(Member, junior_id)
        today = pairings.today_for(senior)
        pairings.set_goal(found, junior, "junior", JUNIOR_GOAL)
        for by, covered in ((junior, "A blank page to finished minutes"), (senior, "Minutes")):
            data = pairings.SessionInput(held_on=today, agenda_item_id=None, covered=covered)
            pairings.log_session(found, by, data, today)
        pairings.post_message(found, junior, "Saturday at ten?")
        pairings.reflect(
            found, junior, "Patience.", "Prompts.", "Copilot in Excel.", finish_early=True
        )

    axe_page.set_viewport_size({"width": width, "height": 800})
    sign_in_browser(axe_page, senior_email, f"/pairings/{pairing_id}")
    axe_page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    results = Axe().run(axe_page)
    assert results.violations_count == 0, results.generate_report()

    form = log_form(axe_page)
    form.get_by_label("Date").fill((today + timedelta(days=1)).isoformat())
    form.get_by_label("What you covered").fill("Tomorrow's session")
    form.get_by_role("button", name="Add to the log").click()
    expect(log_form(axe_page).locator(".error")).to_have_text(FUTURE_DATE_ERROR)
    results = Axe().run(axe_page)
    assert results.violations_count == 0, results.generate_report()
