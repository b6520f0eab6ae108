"""The pairing board in a real browser (SPEC.md §3), with JavaScript on (htmx swaps in
place) and off (plain forms and redirects): posting, answering, accepting, filtering,
the notification count, and member text that never runs.

Two members use two browser contexts. Members are made through the live server's app
with unique emails, since its database lives for the whole session.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from portal.board import services as board
from portal.board.models import PairingRequest, Status
from portal.clock import utcnow
from portal.extensions import db
from portal.members import services
from portal.members.models import Member
from tests.conftest import PASSWORD
from tests.test_board_xss import PAYLOADS, as_tag

DESCRIPTION = (
    "I chair two boards and want to draft minutes faster, "
    "without losing what must stay confidential."
)
ANSWER = "I use ChatGPT for drafting every day. Saturday mornings suit me."


# --- helpers ---------------------------------------------------------------------------


def new_member(live_server, role: str, name: str = "", *, season: bool = False, **extra):
    """A verified member; returns (email, id). `season` ages them past the new-member limits."""
    email = f"{role}-{secrets.token_hex(5)}@example.com"
    with live_server.app.app_context():
        member = services.join(
            name=name or f"{role.title()} {secrets.token_hex(2)}",
            email=email,
            password=PASSWORD,
            role=role,
            can_teach=extra.pop("can_teach", ["chatgpt"] if role == "junior" else []),
            wants_to_learn=extra.pop("wants_to_learn", [] if role == "junior" else ["chatgpt"]),
            **extra,
        ).member
        member.email_verified_at = utcnow()
        if season:
            member.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        return email, member.id


def post_request(live_server, author_id: int, title: str, **fields) -> int:
    with live_server.app.app_context():
        author = db.session.get(Member, author_id)
        data = board.RequestInput(
            kind=fields.pop("kind", "seeking"),
            title=title,
            tool=fields.pop("tool", "ChatGPT"),
            description=fields.pop("description", DESCRIPTION),
            **fields,
        )
        return board.post_request(author, data).id


def answer_request(live_server, author_id: int, request_id: int, message: str) -> int:
    with live_server.app.app_context():
        author = db.session.get(Member, author_id)
        return board.answer_request(author, board.get_request(request_id), message).id


def request_row(live_server, request_id: int) -> PairingRequest:
    with live_server.app.app_context():
        found = db.session.get(PairingRequest, request_id)
        db.session.expunge(found)
        return found


def sign_in(page: Page, email: str, next_path: str = "/requests/") -> None:
    """Through the /login form, as a member would."""
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def set_marker(page: Page) -> None:
    """A value that lives only as long as this document: a page load loses it."""
    page.evaluate("window.boardMarker = 'still here'")


def marker_survived(page: Page) -> bool:
    return page.evaluate("window.boardMarker") == "still here"


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
        expect(page.get_by_text("Your answer is posted")).to_be_visible()
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
    email, senior_id = new_member(live_server, "senior")
    sign_in(page, email)
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
    senior_email, senior_id = new_member(live_server, "senior")
    junior_email, _ = new_member(live_server, "junior")
    title = f"Teach me meeting notes with Otter.ai {secrets.token_hex(3)}"
    request_id = post_request(live_server, senior_id, title, tool="Otter.ai")
    sign_in(page, senior_email)
    expect(badge(page)).to_have_count(0)

    sign_in(second_page, junior_email)
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
    senior_email, _ = new_member(live_server, "senior", "Asha Senior")
    junior_email, _ = new_member(live_server, "junior", "Ravi Junior")
    sign_in(page, senior_email)
    title = f"Show me Copilot in Excel {secrets.token_hex(3)}"
    request_id = post_from_the_board(page, base_url, js_enabled, title)

    sign_in(second_page, junior_email)
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


# --- filters ------------------------------------------------------------------------------


def test_filters_update_the_list_and_the_url(page: Page, live_server, base_url, js_enabled):
    token = f"filt{secrets.token_hex(4)}"
    _, senior_id = new_member(live_server, "senior")
    _, junior_id = new_member(live_server, "junior")
    seeking = f"Seeking help with spreadsheets {token}"
    offering = f"Offering to teach spreadsheets {token}"
    post_request(live_server, senior_id, seeking, tool="Copilot in Excel")
    post_request(live_server, junior_id, offering, kind="offering", tool="Copilot in Excel")

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
        live_server,
        "senior",
        PAYLOADS[0],
        organisation=PAYLOADS[5],
        can_teach=[as_tag(p) for p in PAYLOADS[6:12]],
    )
    request_id = post_request(
        live_server,
        senior_id,
        '<div hx-post="/logout" hx-trigger="load">x</div>',
        tool='<img src=x onerror=alert("tool")>',
        description="\n\n".join(PAYLOADS),
        tags=[as_tag(p) for p in PAYLOADS[20:32]],
        cadence="<svg onload=alert(1)>",
        in_person=True,
        city='"><script>alert(1)</script>',
    )
    messages = [PAYLOADS[i : i + 20] for i in range(0, len(PAYLOADS), 20)]
    for number, chunk in enumerate(messages):
        name = PAYLOADS[10 + number]
        _, junior_id = new_member(live_server, "junior", name, can_teach=[as_tag(name)])
        answer_request(live_server, junior_id, request_id, "\n\n".join(chunk))

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
    sign_in(page, senior_email, f"/requests/{request_id}")
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
