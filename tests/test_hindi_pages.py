"""Issue 14: in Hindi, no English is left in the interface.

Each main page, anonymous and signed in, is read in Hindi the way a reader meets it:
the text of every element and the names tools and screen readers announce (aria-label,
title, placeholder, alt, a submit button's value). What is not the interface's is left
out: what members wrote (`dir="auto"`), text in another language that says so (`lang`),
code, and the data the fixtures made (names, titles, tools, tags, addresses). Any word
of three Latin letters or more that is left is an untranslated string."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.essays import snapshot, today
from portal.members.models import Member
from portal.tools import TOOLS

from .factories import make_answer, make_pairing, make_request
from .helpers import (
    EMAILS,
    NAMES,
    PASSWORD,
    SENIOR,
    TEMPLATE_TITLES,
    make_admin,
    set_columns,
    sign_in,
    text,
)

SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SPOKEN = ("aria-label", "title", "placeholder", "alt")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Words Hindi interfaces keep as they are.
KEPT = {"Atom", "CSV", "JSON", "Devanagari", "WhatsApp", "Excel"}
REQUEST_TITLE = "Teach me ChatGPT for board notes"
PAIRING_TITLE = "Teach me ChatGPT for my monthly reports"
ANSWER_TEXT = "Happy to teach you on Sunday evenings."


class Interface(HTMLParser):
    """The interface's own words on a page (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its subtree left out?
        self.words: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        lang = attrs.get("lang", "")
        skip = (
            self._skipped()
            or tag in SKIP_TAGS
            or attrs.get("dir") == "auto"
            or (lang and not lang.startswith("hi"))
        )
        if not skip:
            self.words += [attrs[name] for name in SPOKEN if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.words.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.words.append(" ".join(data.split()))


def assert_all_hindi(found: dict[str, list[str]]) -> None:
    left = {path: words for path, words in found.items() if words}
    report = "\n".join(f"{path}: {words}" for path, words in left.items())
    assert not left, f"English left in the interface:\n{report}"


def english_left(page: str, data: list[str]) -> list[str]:
    parser = Interface()
    parser.feed(page)
    left = []
    for words in parser.words:
        for known in sorted(data, key=len, reverse=True):
            words = words.replace(known, " ")
        if any(word not in KEPT for word in LATIN_WORD.findall(words)):
            left.append(words.strip())
    return sorted(set(left))


@pytest.fixture
def hindi(app, pairing_people):
    """Everyone has chosen Hindi; then Asha and Ravi begin a pairing, and Meera answers
    a request of Asha's (so every notice was written in Hindi); Kiran is an admin."""
    for member_id in pairing_people.values():
        set_columns(app, Member, member_id, locale="hi")
    pairing = make_pairing(
        app, pairing_people["senior"], pairing_people["junior"], title=PAIRING_TITLE
    )
    request_id = make_request(app, pairing_people["senior"], title=REQUEST_TITLE)
    make_answer(app, request_id, pairing_people["stranger"], ANSWER_TEXT)
    make_admin(app, pairing_people["admin"])
    with app.app_context():
        essays = [essay.title for essay in snapshot().published(today())]
    data = [
        app.config["SITE_NAME"],
        *(tool for tool, *_ in TOOLS),
        *NAMES.values(),
        "Meera Nair",
        "Kiran Rao",
        *EMAILS.values(),
        REQUEST_TITLE,
        PAIRING_TITLE,
        *TEMPLATE_TITLES,
        *essays,  # content: an essay's own title in the page's <title>, the funnel's rows
    ]
    return {"request": f"/requests/{request_id}", "pair": f"/pairings/{pairing}", "data": data}


def read_in_hindi(client, path: str) -> str:
    response = client.get(path, headers={"Accept-Language": "hi"})
    assert response.status_code == 200, path
    page = text(response)
    assert '<html lang="hi"' in page, path
    return page


ANONYMOUS = ["/", "/essays/", "/requests/", "/join", "/login", "/reset"]


def test_anonymous_pages_in_hindi_have_no_english_left(app, hindi):
    reader = app.test_client()
    essay = re.search(r'href="(/essays/[^"/?#]+)"', read_in_hindi(reader, "/essays/")).group(1)
    found = {
        path: english_left(read_in_hindi(reader, path), hindi["data"])
        for path in [*ANONYMOUS, essay, hindi["request"]]
    }
    assert_all_hindi(found)


def test_signed_in_pages_in_hindi_have_no_english_left(app, hindi):
    member = app.test_client()
    sign_in(member, SENIOR, PASSWORD)
    admin = app.test_client()
    sign_in(admin, EMAILS["admin"], PASSWORD)
    pages = {
        "/": member,
        "/requests/": member,
        "/requests/new": member,
        hindi["request"]: member,
        "/account": member,
        "/notifications": member,
        "/pairings/": member,
        hindi["pair"]: member,
        "/admin/": admin,
        "/admin/reports": admin,
    }
    found = {path: english_left(read_in_hindi(c, path), hindi["data"]) for path, c in pages.items()}
    assert_all_hindi(found)
