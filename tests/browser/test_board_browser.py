"""The pairing board in a real browser (SPEC.md §3), with JavaScript on (htmx swaps in
place) and off (plain forms and redirects): posting, answering, accepting, filtering,
the notification count, and member text that never runs.

Two members use two browser contexts. Members are made through the live server's app
with unique emails, since its database lives for the whole session.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from portal.board.models import PairingRequest, Status
from portal.extensions import db
from tests.factories import make_answer, make_request, new_member
from tests.helpers import (
    PASSWORD,
    XSS_PAYLOADS,
    as_tag,
    marker_survived,
    set_marker,
    sign_in_browser,
)

DESCRIPTION = (
    "I chair two boards and want to draft minutes faster, "
    "without losing what must stay confidential."
)
ANSWER = "I use ChatGPT for drafting every day. Saturday mornings suit me."


# --- helpers ---------------------------------------------------------------------------


def request_row(live_server, request_id: int) -> PairingRequest:
    with live_server.app.app_context():
        found = db.session.get(PairingRequest, request_id)
        db.session.expunge(found)
        return found


def cards(page: Page):
    return page.locator("#cards > li.request-card")


def badge(page: Page):
    return page.locator("#notification-count .badge")


@pytest.fixture
def second_page(browser, browser_context_args, base_url):
    """A second member's browser: its own context (cookies), with JS as the first."""
    context = browser.new_context(**{**browser_context_args, "base_url": base_url})
    context.set_default_timeout(5000)
    violations: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("console", on_console)
    yield context.new_page()
    context.close()
    if violations:
        pytest.fail("CSP violations in the second context:\n" + "\n".join(violations))


def post_from_the_board(page: Page, base_url: str, js_enabled: bool, title: str) -> int:
    """Post a request from the board's "Post a request" panel; returns its id."""
    page.goto("/requests/")
    if js_enabled:
        set_marker(page)
    page.locator("summary", has_text="Post a request").click()
    form = page.locator("#request-form")
    expect(form.get_by_label("I want to learn a tool")).to_be_checked()
    form.get_by_label("Title").fill(title)
    form.get_by_label("The tool").fill("ChatGPT")
    form.get_by_label("Topics (optional)").fill("drafting, board minutes")
    form.get_by_label("Description").fill(DESCRIPTION)
    form.get_by_role("button", name="Post the request").click()

    if js_enabled:
        # In place: the card on top of the list, the same document, a fresh form.
        expect(cards(page).first).to_contain_text(title)
        expect(page).to_have_url(f"{base_url}/requests/")
        assert marker_survived(page), "posting reloaded the page"
        expect(cards(page).filter(has_text=title)).to_have_count(1)
        expect(form.get_by_label("Title")).to_have_value("")
        expect(form.get_by_label("Topics (optional)")).to_have_value("")
        expect(form.get_by_label("Description")).to_have_value("")
        expect(form.get_by_label("I want to learn a tool")).to_be_checked()
        link = cards(page).first.get_by_role("link", name=title)
        request_id = int(link.get_attribute("href").rsplit("/", 1)[1])
    else:
        expect(page).to_have_url(re.compile(r"/requests/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        request_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    return request_id


def answer_from_the_request_page(
    page: Page, base_url: str, js_enabled: bool, request_id: int, message: str
) -> None:
    page.goto(f"/requests/{request_id}")
    expect(page.locator(f"#answer-count-{request_id}")).to_have_text("(0 answers)")
    if js_enabled:
        set_marker(page)
    page.get_by_label("Your answer").fill(message)
    page.get_by_role("button", name="Send my answer").click()

    answers = page.locator("#answers > li")
    if js_enabled:
        # The notice, not the live region: it says "Your answer is posted." too, 0.1 s
        # after the swap (portal.js), and both would match the text.
        expect(page.locator("#answer-form")).to_contain_text("Your answer is posted")
        expect(page.locator("#answer-form")).to_be_visible()
        expect(answers).to_have_count(1)
        expect(answers.first).to_contain_text(message)
        expect(page.locator(f"#answer-count-{request_id}")).to_have_text("(1 answer)")
        expect(page.locator("#no-answers")).to_have_count(0)
        expect(page).to_have_url(f"{base_url}/requests/{request_id}")
        assert marker_survived(page), "answering reloaded the page"
    else:
        expect(page).to_have_url(re.compile(rf"/requests/{request_id}#answer-\d+$"))
        expect(page.get_by_text("Your answer is posted")).to_be_visible()
        expect(answers).to_have_count(1)
        expect(answers.first).to_contain_text(message)
        expect(page.locator(f"#answer-count-{request_id}")).to_have_text("(1 answer)")


# --- posting, answering, accepting --------------------------------------------------------


def test_senior_posts_a_request_from_the_board(page: Page, live_server, base_url, js_enabled):
    email, senior_id = new_member(live_server.app, "senior")
    sign_in_browser(page, email)
    title = f"Help me draft board minutes with ChatGPT {secrets.token_hex(3)}"

    request_id = post_from_the_board(page, base_url, js_enabled, title)

    found = request_row(live_server, request_id)
    assert (found.title, found.author_id, found.status) == (title, senior_id, Status.OPEN)
    # Either way the board shows it first, and its page holds it.
    page.goto("/requests/")
    expect(cards(page).first).to_contain_text(title)
    cards(page).first.get_by_role("link", name=title).click()
    expect(page).to_have_url(f"{base_url}/requests/{request_id}")
    expect(page.locator(".request-page .user-text")).to_contain_text("draft minutes faster")


def test_junior_answers_in_place_and_the_senior_is_notified(
    page: Page, second_page: Page, live_server, base_url, js_enabled
):
    senior_email, senior_id = new_member(live_server.app, "senior")
    junior_email, _ = new_member(live_server.app, "junior")
    title = f"Teach me meeting notes with Otter.ai {secrets.token_hex(3)}"
    request_id = make_request(live_server.app, senior_id, title=title, tool="Otter.ai")
    sign_in_browser(page, senior_email)
    expect(badge(page)).to_have_count(0)

    sign_in_browser(second_page, junior_email)
    answer_from_the_request_page(second_page, base_url, js_enabled, request_id, ANSWER)

    page.reload()
    expect(badge(page)).to_have_text(re.compile(r"^\s*1\s*unread\s*$"))
    page.goto(f"/requests/{request_id}")
    expect(page.locator("#answers > li")).to_contain_text(ANSWER)
    expect(page.locator(f"#answer-count-{request_id}")).to_have_text("(1 answer)")
    page.locator("#notification-count").click()
    expect(page.get_by_role("link", name=re.compile("answered your request"))).to_be_visible()


def test_senior_accepts_an_answer_and_the_request_is_matched(
    page: Page, second_page: Page, live_server, base_url, js_enabled
):
    senior_email, _ = new_member(live_server.app, "senior", "Asha Senior")
    junior_email, _ = new_member(live_server.app, "junior", "Ravi Junior")
    sign_in_browser(page, senior_email)
    title = f"Show me Copilot in Excel {secrets.token_hex(3)}"
    request_id = post_from_the_board(page, base_url, js_enabled, title)

    sign_in_browser(second_page, junior_email)
    answer_from_the_request_page(second_page, base_url, js_enabled, request_id, ANSWER)

    # The senior: a badge after a reload, the answer on the request page, then accept.
    page.reload()
    expect(badge(page)).to_contain_text("1")
    page.goto(f"/requests/{request_id}")
    answer = page.locator("#answers > li").filter(has_text=ANSWER)
    expect(answer).to_contain_text("Ravi Junior")
    answer.get_by_role("button", name="Accept this answer").click()

    expect(page).to_have_url(re.compile(r"/pairings/\d+$"))
    expect(page.get_by_text("You accepted an answer")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Asha Senior and Ravi Junior")
    page.get_by_role("link", name="The request that started it").click()
    expect(page).to_have_url(f"{base_url}/requests/{request_id}")
    expect(page.locator(".card-kind .status")).to_have_text("Matched")
    expect(page.get_by_text("This request became your pairing")).to_be_visible()
    expect(page.get_by_role("button", name="Accept this answer")).to_have_count(0)
    page.get_by_role("link", name="Go to your pairing page").click()
    expect(page).to_have_url(re.compile(r"/pairings/\d+$"))
    assert request_row(live_server, request_id).status is Status.MATCHED

    # The junior sees it matched too, with their answer accepted, and is told.
    second_page.reload()
    expect(second_page.locator(".card-kind .status")).to_have_text("Matched")
    expect(second_page.locator("#answers > li").first).to_contain_text("Accepted")
    expect(badge(second_page)).to_contain_text("1")


def test_a_reader_gets_no_cookie_and_signs_in_to_answer(
    page: Page, live_server, base_url, js_enabled
):
    """Issue 15: a reader's request page has no forms (they would set a cookie, and every
    cached page after it would pass the reader by), but a link to sign in and come back."""
    _, senior_id = new_member(live_server.app, "senior")
    junior_email, _ = new_member(live_server.app, "junior")
    title = f"Teach me transcripts with Otter.ai {secrets.token_hex(3)}"
    request_id = make_request(live_server.app, senior_id, title=title, tool="Otter.ai")

    for path in (f"/requests/{request_id}", "/essays/teaching-upward", f"/requests/{request_id}"):
        response = page.goto(path)
        assert response.ok and "public" in response.headers["cache-control"], path
        assert "set-cookie" not in response.headers, path
    assert page.context.cookies() == []
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_label("Your answer")).to_have_count(0)

    page.get_by_role("link", name="Sign in to answer").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("you will come back to the page you were on")).to_be_visible()
    page.get_by_label("Email").fill(junior_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/requests/{request_id}")
    expect(page.get_by_role("link", name="Sign in to answer")).to_have_count(0)
    answer_from_the_request_page(page, base_url, js_enabled, request_id, ANSWER)


# --- filters ------------------------------------------------------------------------------


def test_filters_update_the_list_and_the_url(page: Page, live_server, base_url, js_enabled):
    token = f"filt{secrets.token_hex(4)}"
    _, senior_id = new_member(live_server.app, "senior")
    _, junior_id = new_member(live_server.app, "junior")
    seeking = f"Seeking help with spreadsheets {token}"
    offering = f"Offering to teach spreadsheets {token}"
    make_request(live_server.app, senior_id, title=seeking, tool="Copilot in Excel")
    make_request(
        live_server.app, junior_id, title=offering, kind="offering", tool="Copilot in Excel"
    )

    page.goto("/requests/")
    search, kind = page.get_by_label("Search"), page.get_by_label("Kind")
    if js_enabled:
        set_marker(page)
        search.fill(token)
        expect(cards(page)).to_have_count(2)
        expect(page).to_have_url(re.compile(rf"[?&]q={token}(&|$)"))
        searched_url = page.url
        kind.select_option(label="Offering to teach")
        expect(page).to_have_url(re.compile(r"[?&]kind=offering(&|$)"))
        expect(cards(page)).to_have_count(1)
        expect(cards(page).first).to_contain_text(offering)
        assert marker_survived(page), "filtering reloaded the page"

        page.go_back()
        expect(page).to_have_url(searched_url)
        expect(cards(page)).to_have_count(2)
        expect(kind).to_have_value("")
        page.go_forward()
        expect(page).to_have_url(re.compile(r"[?&]kind=offering(&|$)"))
        expect(cards(page)).to_have_count(1)
        expect(kind).to_have_value("offering")
    else:
        search.fill(token)
        kind.select_option(label="Offering to teach")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"[?&]kind=offering(&|$)"))

    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [token] and query["kind"] == ["offering"]
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_contain_text(offering)
    filtered_url = page.url

    # The URL is the view: a reload (or a shared link) shows the same cards and choices.
    page.reload()
    expect(page).to_have_url(filtered_url)
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_contain_text(offering)
    expect(kind).to_have_value("offering")
    expect(search).to_have_value(token)

    page.go_back()
    expect(page).not_to_have_url(filtered_url)
    if js_enabled:
        expect(page).to_have_url(re.compile(rf"[?&]q={token}(&|$)"))
        expect(cards(page)).to_have_count(2)
        expect(kind).to_have_value("")
    else:
        # The unfiltered board (the browser may restore what was typed into the form).
        expect(page).to_have_url(f"{base_url}/requests/")
        expect(cards(page).filter(has_text=token)).to_have_count(2)


# --- member text never runs -----------------------------------------------------------


def test_payloads_on_a_request_page_do_nothing(page: Page, live_server, base_url, js_enabled):
    senior_email, senior_id = new_member(
        live_server.app,
        "senior",
        XSS_PAYLOADS[0],
        organisation=XSS_PAYLOADS[5],
        can_teach=[as_tag(p) for p in XSS_PAYLOADS[6:12]],
    )
    request_id = make_request(
        live_server.app,
        senior_id,
        title='<div hx-post="/logout" hx-trigger="load">x</div>',
        tool='<img src=x onerror=alert("tool")>',
        description="\n\n".join(XSS_PAYLOADS),
        tags=[as_tag(p) for p in XSS_PAYLOADS[20:32]],
        cadence="<svg onload=alert(1)>",
        in_person=True,
        city='"><script>alert(1)</script>',
    )
    messages = [XSS_PAYLOADS[i : i + 20] for i in range(0, len(XSS_PAYLOADS), 20)]
    for number, chunk in enumerate(messages):
        name = XSS_PAYLOADS[10 + number]
        _, junior_id = new_member(live_server.app, "junior", name, can_teach=[as_tag(name)])
        make_answer(live_server.app, request_id, junior_id, "\n\n".join(chunk))

    dialogs: list[str] = []
    logouts: list[str] = []
    elsewhere: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_request(request):
        if urlsplit(request.url).path == "/logout":
            logouts.append(f"{request.method} {request.url}")
        if not request.url.startswith(base_url):
            elsewhere.append(request.url)

    page.on("dialog", on_dialog)
    page.context.on("request", on_request)
    sign_in_browser(page, senior_email, f"/requests/{request_id}")
    assert page.evaluate("typeof window.htmx") == ("object" if js_enabled else "undefined")

    for path in (f"/requests/{request_id}", "/requests/", "/notifications", "/account"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for target in page.locator(".user-text a, .card-title a, .user-text p").all()[:40]:
            if target.is_visible():
                target.hover()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page).to_have_url(f"{base_url}{path}")

    page.goto(f"/requests/{request_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        '<div hx-post="/logout" hx-trigger="load">x</div>'
    )
    expect(page.locator(".request-page .user-text[hx-disable]")).to_have_count(1 + len(messages))
    expect(page.locator(".request-page .user-text [hx-post], .user-text [hx-get]")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    assert dialogs == [], f"dialogs opened: {dialogs}"
    assert logouts == [], f"requests to /logout: {logouts}"
    assert elsewhere == [], f"requests to other sites: {elsewhere}"
