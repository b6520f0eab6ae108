"""Nothing a member writes on a pairing page becomes active HTML (SECURITY.md "XSS"):
goals, agenda items, session entries, messages, reflections and a tool's name, on the
page and in every fragment (refused forms included), for both members and an admin.

The pairing (`pair`) and its members (`as_member`) come from conftest.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .factories import complete_quarter
from .helpers import (
    HTMX,
    REFLECTION,
    agenda,
    edit_data,
    entries,
    session_data,
    text,
)

# --- escaping what members write ----------------------------------------------------------


PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "<svg onload=alert('xss3')>",
    '<a href="javascript:alert(4)">xss4</a>',
    "[xss5](javascript:alert(5))",
    "<div hx-get=/logout hx-trigger=load>xss6</div>",
    '<div data-hx-post="/logout" data-hx-trigger="load">xss7</div>',
    "\"><script>alert('xss8')</script>",
    "'><img src=x onerror=alert('xss9')>",
    "</textarea><script>alert('xss10')</script>",
    "</title><svg/onload=alert('xss11')>",
    '<iframe src="javascript:alert(12)">xss12</iframe>',
    "<details open ontoggle=alert('xss13')>",
    "<a href=# hx-on:click=\"alert('xss14')\">x</a>",
]


class _Markup(HTMLParser):
    """Collects the elements a browser would build, and inline script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(page: str, marker: str) -> None:
    """The payload shows as text, and nothing in the page can run it."""
    assert marker in page, f"{marker} is not shown"
    parser = _Markup()
    parser.feed(page)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag not in ("iframe", "svg", "img"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert not name.startswith(("hx-on", "data-hx-on")), (tag, name)
            if name.startswith(("hx-", "data-hx-")):
                assert "logout" not in value, (tag, name, value)
                assert marker not in value, (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith(("javascript:", "data:")), value
    for script in parser.scripts:
        assert marker not in script and "alert" not in script, script


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"xss{n}" for n in range(1, 15)])
def test_what_members_write_is_escaped_on_the_page_and_in_fragments(app, pair, as_member, payload):
    marker = re.search(r"xss\d+|alert\(\d+\)", payload).group(0)
    senior, junior, p = as_member("senior"), as_member("junior"), pair.page
    answers = [
        senior.post(f"{p}/goals/senior", data={"goal": payload}, headers=HTMX),
        junior.post(f"{p}/goals/junior", data={"goal": payload}, headers=HTMX),
        senior.post(f"{p}/agenda", data={"title": payload, "detail": payload}, headers=HTMX),
    ]
    item = agenda(app, pair)[-1]["id"]
    session = {"agenda_item": str(item), "covered": payload, "notes": payload}
    answers += [
        senior.post(f"{p}/sessions", data=session_data(**session), headers=HTMX),
        junior.post(f"{p}/messages", data={"body": payload}, headers=HTMX),
        senior.post(f"{p}/reflection", data=dict.fromkeys(REFLECTION, payload), headers=HTMX),
    ]
    entry = entries(app, pair)[0]["id"]
    refused = [  # forms sent back with what was typed
        senior.post(f"{p}/agenda/{item}", data={f"i{item}-title": "", f"i{item}-detail": payload}),
        junior.post(f"{p}/sessions/{entry}", data=edit_data(entry, covered="", notes=payload)),
        senior.post(f"{p}/goals/senior", data={"goal": payload * 50}, headers=HTMX),
    ]
    answers.append(junior.get(p))  # the senior's reflection, hidden from the junior for now
    answers += [junior.get(f"{p}/sessions/{entry}/edit", headers=h) for h in ({}, HTMX)]
    answers.append(
        junior.post(f"{p}/reflection", data=dict.fromkeys(REFLECTION, payload), headers=HTMX)
    )
    assert [r.status_code for r in answers] == [200] * len(answers)
    assert [r.status_code for r in refused] == [422] * len(refused)
    for response in answers + refused:
        assert_inert(text(response), marker)
    for who in ("senior", "junior", "admin"):
        page = text(as_member(who).get(p))
        if "<" in payload:
            assert payload not in page
        assert page.count(marker) >= 8, who
        assert_inert(page, marker)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if len(p) <= 60][:4])
def test_a_tool_named_by_a_member_is_escaped_too(app, pair, as_member, payload):
    marker = re.search(r"xss\d+|alert\(\d+\)", payload).group(0)
    complete_quarter(app, pair.id)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": payload})
    assert response.status_code == 303
    assert_inert(text(as_member("junior").get(pair.page)), marker)
