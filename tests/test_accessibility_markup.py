"""Issue 14, the live parts accessible, as the server writes them (the browser's side is in
tests/browser/test_keyboard_browser.py and test_live_states_browser.py).

Unique ids on every signed-in page (the board had #tool, #city, #request-N twice); the
error summary, a link to each field, that takes focus without JavaScript (autofocus);
radios that carry their group's error; the consent links outside the checkbox's label;
and what each htmx answer tells portal.js: what to say in the live region
(data-announce) and where focus goes (data-focus)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from .factories import make_answer, make_request
from .helpers import (
    HTMX,
    PASSWORD,
    age,
    change,
    field_error,
    join_data,
    session_data,
    sign_in,
    text,
)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list = []

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        """The text a screen reader gets (visually hidden text included), spaces folded."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join("".join(parts).split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if (tag is None or child.tag == tag) and all(
                    child.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()
                ):
                    found.append(child)
                found.extend(child.find_all(tag, **attrs))
        return found


class Tree(HTMLParser):
    """The page as a tree of elements (the standard library's parser, forgiving as browsers
    are about end tags)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)
        self.elements: list[Element] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.elements if e.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        return self.root.find_all(tag, **attrs)


def tree(response) -> Tree:
    return Tree(text(response))


def repeated_ids(page: Tree) -> list[str]:
    counts = Counter(e.get("id") for e in page.elements if e.get("id"))
    return sorted(element_id for element_id, n in counts.items() if n > 1)


def assert_labels_point_at_fields(page: Tree) -> None:
    for label in page.find_all("label"):
        if label.get("for"):
            target = page.by_id(label.get("for"))
            assert target.tag in ("input", "select", "textarea"), label.text


# --- unique ids ----------------------------------------------------------------------------


@pytest.fixture
def board_page(app, client, people):
    """Ravi's board: Asha's ChatGPT request is in "Suggested for you" and in the list."""
    age(app, *people.values())
    request_id = make_request(app, people["senior"], title="Teach me ChatGPT for board notes")
    make_answer(app, request_id, people["third"])
    sign_in(client, "ravi@example.com")
    return request_id, tree(client.get("/requests/"))


def test_the_signed_in_board_repeats_no_id(board_page):
    request_id, page = board_page
    assert repeated_ids(page) == []
    # The card is in both places, each with its own ids.
    assert page.by_id(f"suggested-request-{request_id}").tag == "li"
    assert page.by_id(f"request-{request_id}").tag == "li"
    assert page.by_id(f"suggested-answer-count-{request_id}").text == "1 answer"
    assert page.by_id(f"answer-count-{request_id}").text == "1 answer"
    assert_labels_point_at_fields(page)


def test_the_filters_labels_name_the_filters_and_the_post_forms_its_own(board_page):
    _, page = board_page
    filters = page.by_id("filters")
    for label in filters.find_all("label"):
        target = page.by_id(label.get("for"))
        assert filters in target.ancestors(), label.text
    assert page.by_id("tool").get("name") == "tool" and filters in page.by_id("tool").ancestors()
    assert page.by_id("city").get("name") == "city" and filters in page.by_id("city").ancestors()
    # The post form's fields: ids of their own, the names posted as before.
    post_form = page.by_id("request-form")
    for name in ("title", "tool", "city", "description"):
        field = page.by_id(f"post-{name}")
        assert field.get("name") == name and post_form in field.ancestors()
    labels = {label.get("for"): label.text for label in post_form.find_all("label")}
    assert labels["post-tool"] == "The tool"
    assert labels["post-city"] == "City (for meeting in person)"


def test_the_request_account_and_pairing_pages_repeat_no_id(app, client, people, board_page):
    request_id, _ = board_page
    for path in (f"/requests/{request_id}", "/account", "/notifications", "/requests/new"):
        page = tree(client.get(path))
        assert repeated_ids(page) == [], path
        assert_labels_point_at_fields(page)


def test_the_pairing_page_repeats_no_id(pair, as_member):
    for who in ("senior", "junior"):
        page = tree(as_member(who).get(pair.page))
        assert repeated_ids(page) == [], who
        assert_labels_point_at_fields(page)


# --- the error summary, without JavaScript ---------------------------------------------


def headings(page: Tree) -> list[int]:
    return [int(e.tag[1]) for e in page.elements if e.tag in ("h1", "h2", "h3", "h4")]


def assert_heading_order(page: Tree) -> None:
    levels = headings(page)
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def summary_of(page: Tree) -> Element:
    found = [e for e in page.elements if "error-summary" in e.get("class", "").split()]
    assert len(found) == 1, f"{len(found)} error summaries"
    return found[0]


def test_a_join_with_errors_comes_back_with_a_summary_that_takes_focus(client):
    response = client.post("/join", data=join_data(role=None, agree=None, name=""))
    assert response.status_code == 422
    page = tree(response)
    summary = summary_of(page)
    # Focus without JavaScript: autofocus on an element that can take it.
    assert "autofocus" in summary.attrs and summary.get("tabindex") == "-1"
    assert summary.get("role") == "group"
    assert page.by_id(summary.get("aria-labelledby")).text.startswith("Please check the form")
    links = summary.find_all("a")
    assert [link.get("href") for link in links] == ["#name", "#role-0", "#agree"]
    for link in links:
        target = page.by_id(link.get("href")[1:])
        assert target.tag == "input"
        field = target.get("name")
        assert link.text == field_error(text(response), field), field
    # It comes before the fields, and adds no heading: the order stays h1, h2...
    assert page.elements.index(summary) < page.elements.index(page.by_id("name"))
    assert summary.find_all("h2") == summary.find_all("h3") == []
    assert_heading_order(page)


def test_each_radio_of_a_group_carries_its_error(client):
    for headers in ({}, HTMX):
        response = client.post("/join", data=join_data(role=None), headers=headers)
        assert response.status_code == 422
        page = tree(response)
        radios = page.find_all("input", type="radio", name="role")
        assert len(radios) == 3
        for radio in radios:
            assert radio.get("aria-invalid") == "true"
            assert radio.get("aria-describedby") == "role-error"
        assert page.by_id("role-error").text == field_error(text(response), "role") != ""
        assert [link.get("href") for link in summary_of(page).find_all("a")] == ["#role-0"]
    valid = tree(client.get("/join"))
    assert all("aria-invalid" not in r.attrs for r in valid.find_all("input", type="radio"))


def test_a_wrong_password_links_the_summary_to_the_password(client, people):
    for headers in ({}, HTMX):
        data = {"email": "asha@example.com", "password": PASSWORD + " not"}
        response = client.post("/login", data=data, headers=headers)
        assert response.status_code == 422
        summary = summary_of(tree(response))
        assert "autofocus" in summary.attrs
        [link] = summary.find_all("a")
        assert link.get("href") == "#password"
        assert "don't match an account" in link.text


def test_the_consent_links_are_outside_the_checkbox_label(client):
    page = tree(client.get("/join"))
    label = [e for e in page.find_all("label") if e.get("for") == "agree"][0]
    assert label.find_all("a") == []
    assert label.text == "I agree to the Community guidelines and the privacy notice"
    hint = page.by_id("agree-hint")
    links = {link.get("href"): link for link in hint.find_all("a")}
    assert set(links) == {"/guidelines", "/privacy"}
    # A new tab, said in words: what is typed (the password too) stays where it was.
    assert all(link.get("target") == "_blank" for link in links.values())
    assert "opens in a new tab" in hint.text
    checkbox = page.by_id("agree")
    assert checkbox.get("aria-describedby") == "agree-hint"
    assert page.elements.index(hint) < page.elements.index(checkbox)


def test_the_email_checked_on_blur_says_its_error_in_the_live_region(client):
    checked = tree(client.get("/join/check-email?email=not-an-email", headers=HTMX))
    assert "data-announce" in checked.by_id("email-error").attrs
    # On the whole page (a 422) the summary speaks for it: no second announcement.
    whole = tree(client.post("/join", data=join_data(email="not-an-email")))
    assert "data-announce" not in whole.by_id("email-error").attrs


# --- what htmx answers tell portal.js ---------------------------------------------------


def announced(page: Tree) -> list[str]:
    return [e.get("data-announce") or e.text for e in page.elements if "data-announce" in e.attrs]


def focused(page: Tree) -> list[Element]:
    return [e for e in page.elements if "data-focus" in e.attrs]


def test_a_filter_says_how_many_match_and_load_more_focuses_the_first_new_card(app, client, people):
    age(app, people["senior"])
    ids = [make_request(app, people["senior"], title=f"Spreadsheet {n} zqx") for n in range(21)]
    listed = tree(client.get("/requests/?q=zqx", headers=HTMX))
    section = listed.by_id("request-list")
    assert "aria-live" not in section.attrs  # whole cards must not be read out
    assert announced(listed) == ["More than 20 requests match."]
    assert focused(listed) == []
    more = tree(client.get("/requests/?q=zqx&page=2", headers={**HTMX, "HX-Target": "load-more"}))
    [first] = focused(more)
    assert first.tag == "a" and first.text == "Spreadsheet 0 zqx"
    assert first.parent.parent.get("id") == f"request-{ids[0]}"
    assert announced(more) == ["1 more request shown."]
    one = tree(client.get("/requests/?q=Spreadsheet+7", headers=HTMX))
    assert announced(one) == ["1 request matches."]
    none = tree(client.get("/requests/?q=nothing-like-it", headers=HTMX))
    assert announced(none) == ["No requests match."]


def test_a_new_request_and_an_answer_take_focus(app, client, people):
    age(app, *people.values())
    sign_in(client, "asha@example.com")
    data = {
        "kind": "seeking",
        "title": "Help me with pivot tables",
        "tool": "Excel",
        "description": "Quarterly numbers, every quarter, by hand.",
        "format": "online",
    }
    posted = tree(client.post("/requests/", data=data, headers=HTMX))
    [link] = focused(posted)
    assert link.tag == "a" and link.text == "Help me with pivot tables"
    assert announced(posted) == ["Your request is posted."]

    request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
    ravi = app.test_client()
    sign_in(ravi, "ravi@example.com")
    answered = tree(
        ravi.post(
            f"/requests/{request_id}/answers",
            data={"message": "Saturdays suit me well."},
            headers=HTMX,
        )
    )
    [notice] = focused(answered)
    assert notice.get("id") == "answer-form" and notice.get("tabindex") == "-1"
    assert announced(answered) == ["Your answer is posted."]


def agenda_buttons(page: Tree) -> dict[int, list[Element]]:
    return {
        int(item.get("id").split("-")[1]): item.find_all("button")
        for item in page.find_all("li")
        if "agenda-item" in item.get("class", "")
    }


def test_moving_an_item_keeps_focus_on_its_button(app, pair, as_member):
    first, second, third = pair.items
    url, data = change("move item", pair)  # the first item, down
    page = tree(as_member("senior").post(url, data=data, headers=HTMX))
    [button] = focused(page)
    buttons = agenda_buttons(page)
    assert button in buttons[first] and button.get("aria-label") == "Move down: Show me"
    assert announced(page) == ["The item moved down."]
    # Moved up, the last item keeps its "Move up" (it is second to last now)...
    url = f"{pair.page}/agenda/{third}/move"
    page = tree(as_member("senior").post(url, data={"direction": "up"}, headers=HTMX))
    assert [b.get("aria-label") for b in focused(page)] == ["Move up: Teach it back"]
    # ...and moved down again to the end (2, 1, 3), it has no "Move down" left: the item
    # itself takes focus.
    url = f"{pair.page}/agenda/{third}/move"
    page = tree(as_member("senior").post(url, data={"direction": "down"}, headers=HTMX))
    [item] = focused(page)
    assert item.get("id") == f"item-{third}" and item.get("tabindex") == "-1"
    assert list(agenda_buttons(page)) == [second, first, third]
    assert "Move down" not in [b.text for b in agenda_buttons(page)[third]]


def test_the_agendas_buttons_are_named_by_their_visible_words_first(pair, as_member):
    """Issue 14: the visible "Move down" was named "Move Show me down"."""
    page = tree(as_member("senior").get(pair.page))
    named = [
        (b.text, b.get("aria-label") or b.text)
        for buttons in agenda_buttons(page).values()
        for b in buttons
    ]
    names = [name for _, name in named]
    assert "Move down: Show me" in names and "Remove: Teach it back" in names
    assert len(named) == 4 + 3 + 3  # four moves, three removes, each item's "Save item"
    for visible, name in named:
        assert visible in ("Move up", "Move down", "Remove", "Save item")
        assert name == visible or name.startswith(visible + ": ")
    edits = [e for e in page.find_all("summary") if e.text == "Edit"]
    assert [e.get("aria-label") for e in edits] == [
        "Edit: Show me",
        "Edit: Try it on my real work",
        "Edit: Teach it back",
    ]


def test_the_search_box_does_not_filter_again_when_left(client):
    """Its `change` on blur searched a second time and replaced the list (undoing Load
    more): the form filters on the choices' change, and on what is typed in the box."""
    filters = tree(client.get("/requests/")).by_id("filters")
    trigger = filters.get("hx-trigger")
    assert "change from:.filter-choice" in trigger and "input from:#q" in trigger
    assert not trigger.startswith("change,")
    choices = {e.get("name") for e in filters.find_all() if "filter-choice" in e.get("class", "")}
    assert choices == {"kind", "tool", "tag", "city", "status"}


def test_removing_an_item_focuses_its_neighbour(app, pair, as_member):
    first, second, third = pair.items
    senior = as_member("senior")
    page = tree(senior.post(f"{pair.page}/agenda/{second}/delete", headers=HTMX))
    [item] = focused(page)
    assert item.get("id") == f"item-{third}" and item.get("tabindex") == "-1"
    assert announced(page) == ["The item is removed from the agenda."]
    page = tree(senior.post(f"{pair.page}/agenda/{third}/delete", headers=HTMX))
    assert focused(page)[0].get("id") == f"item-{first}"  # the last went: the one before
    page = tree(senior.post(f"{pair.page}/agenda/{first}/delete", headers=HTMX))
    [summary] = focused(page)
    assert summary.tag == "summary" and summary.text == "Add an item to the agenda"


def test_a_message_and_a_session_take_focus_in_place(app, pair, as_member):
    senior = as_member("senior")
    url, data = change("message", pair)
    page = tree(senior.post(url, data=data, headers=HTMX))
    [message] = focused(page)
    assert message.tag == "li" and message.get("id").startswith("message-")
    assert "Saturday at ten?" in message.text
    assert announced(page) == ["Your message is sent."]
    body = [e for e in message.find_all("div") if "user-text" in e.get("class", "")]
    assert body[0].get("dir") == "auto"

    page = tree(senior.post(f"{pair.page}/sessions", data=session_data(), headers=HTMX))
    [entry] = focused(page)
    assert entry.get("id").startswith("session-") and "Prompts for a board note" in entry.text
    assert announced(page) == ["The session is in the log."]
    entry_id = entry.get("id").split("-")[1]
    opened = tree(senior.get(f"{pair.page}/sessions/{entry_id}/edit", headers=HTMX))
    assert [e.get("id") for e in focused(opened)] == [f"s{entry_id}-held_on"]


def test_an_htmx_answer_with_errors_takes_no_focus_but_the_summarys(app, pair, as_member):
    page = tree(as_member("senior").post(f"{pair.page}/sessions", data={}, headers=HTMX))
    assert focused(page) == [] and announced(page) == []
    assert "autofocus" in summary_of(page).attrs


def test_goals_and_messages_follow_their_own_direction(app, pair, as_member):
    goal = "बोर्ड नोट दस मिनट में"
    as_member("junior").post(f"{pair.page}/goals/junior", data={"goal": goal})
    page = tree(as_member("senior").get(pair.page))
    [shown] = [e for e in page.find_all("p") if e.text == goal]
    assert shown.get("dir") == "auto"


def test_the_unread_count_says_itself_when_it_changes(app, client, people):
    request_id = make_request(app, people["senior"], title="Teach me ChatGPT")
    make_answer(app, request_id, people["junior"])
    sign_in(client, "asha@example.com")
    count = tree(client.get("/requests/")).by_id("notification-count")
    assert count.get("data-announce-change") == "1 unread notification"
    ravi = app.test_client()
    sign_in(ravi, "ravi@example.com")
    assert (
        tree(ravi.get("/requests/")).by_id("notification-count").get("data-announce-change") == ""
    )
