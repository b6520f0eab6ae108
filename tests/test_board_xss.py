"""Nothing a member types on the board becomes active HTML (SPEC.md §3; SECURITY.md "XSS"
and "Headers").

Every payload goes into every place the board shows member text: a request's title,
description (Markdown), tags, tool (a new one, typed in), cadence and city; an answer's
message; a member's name, organisation, city and tags (as joined, and as edited on the
account page); and the search and filter boxes, which echo the query string. Each place is
read as a full page and as the htmx fragment that shows it (the board list, the load-more
cards, the posted card, the answer, refused forms), and parsed: no script but the page's
own, no `on*`, no `style`, no `javascript:`/`data:` URL once entities are decoded, no
`hx-*`/`data-hx-*` that the templates don't write, no element the templates don't write
(iframe, object, embed, base, meta refresh, svg...), and member HTML only inside an
`hx-disable` container, with Markdown's few tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from .helpers import HTMX, XSS_PAYLOADS, age, as_tag, handle_of, sign_in

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# What the templates write: anything else in a page came from a member.
PAGE_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "header", "nav", "main",
    "footer", "section", "article", "aside", "div", "p", "a", "span", "strong", "em", "code",
    "pre", "blockquote", "ul", "ol", "li", "hr", "br", "h1", "h2", "h3", "h4", "dl", "dt",
    "dd", "time", "form", "input", "button", "label", "textarea", "select", "option",
    "datalist", "fieldset", "legend", "details", "summary",
}  # fmt: skip
# What sanitised Markdown may hold (SECURITY.md "XSS").
MARKDOWN_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4",
}  # fmt: skip
TEMPLATE_HX = {
    "hx-get", "hx-post", "hx-target", "hx-swap", "hx-swap-oob", "hx-trigger", "hx-push-url",
    "hx-headers", "hx-disable", "hx-select", "hx-disabled-elt",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "cite",
    "codebase", "xlink:href", "srcset", "ping", "longdesc", "lowsrc", "dynsrc", "manifest",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
OWN_SCRIPTS = ("/vendor/htmx/htmx.min.js?", "/static/js/portal.js?")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
VOID |= {"source", "track", "wbr", "keygen"}


# --- reading a page ------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    ancestors: tuple[tuple[str, dict], ...]

    @property
    def attr(self) -> dict:
        return dict(self.attrs)

    @property
    def in_user_text(self) -> bool:
        return any(is_user_container(attrs) for _, attrs in self.ancestors)

    @property
    def in_head(self) -> bool:
        return any(tag == "head" for tag, _ in self.ancestors)


def is_user_container(attrs: dict) -> bool:
    return "hx-disable" in attrs or "user-text" in (attrs.get("class") or "").split()


class PageReader(HTMLParser):
    """Every element with its (entity-decoded) attributes and its open ancestors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.user_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(Element(tag, attrs, tuple(self.stack)))
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, attrs, tuple(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.text.append(data)
        if any(is_user_container(attrs) for _, attrs in self.stack):
            self.user_text.append(data)


def read(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


def bad_url(value: str) -> bool:
    """A URL a browser would run or render as a document: browsers drop whitespace and
    control characters inside the scheme, so we do too (entities are already decoded)."""
    squeezed = "".join(c for c in value if ord(c) > 32 and ord(c) != 127).lower()
    return squeezed.startswith(BAD_SCHEMES)


def own_link(attrs: dict) -> bool:
    """The layout's links: the stylesheet, canonical and feed, and the icons."""
    if attrs.get("rel") in {"stylesheet", "canonical", "alternate"}:
        return True
    icon = attrs.get("rel") in {"icon", "apple-touch-icon"}
    return icon and (attrs.get("href") or "").startswith("/static/icons/")


def problems(html: str, *, full_page: bool) -> list[str]:
    """Everything in `html` that a member's text could have made active."""
    found: list[str] = []
    page = read(html)
    scripts = [e for e in page.elements if e.tag == "script"]
    # A full page has htmx and portal.js, or no script at all where it uses no htmx.
    expected = (0, 2) if full_page else (0,)
    if html.lower().count("<script") != len(scripts) or len(scripts) not in expected:
        found.append(f"{html.lower().count('<script')} '<script' in the page, {expected} expected")
    counts: dict[str, int] = {}
    for element in page.elements:
        tag, attrs = element.tag, element.attr
        counts[tag] = counts.get(tag, 0) + 1
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in element.attrs)}>"
        if tag not in PAGE_TAGS:
            found.append(f"element no template writes: {where}")
        if element.in_user_text:
            if tag not in MARKDOWN_TAGS:
                found.append(f"element not allowed in member text: {where}")
            allowed = {"href", "title", "rel"} if tag == "a" else set()
            for name in set(attrs) - allowed:
                found.append(f"attribute {name!r} in member text: {where}")
        if tag == "script" and not (
            element.in_head and (attrs.get("src") or "").startswith(OWN_SCRIPTS)
        ):
            found.append(f"script that isn't the page's own: {where}")
        if tag == "meta" and "http-equiv" in attrs:
            found.append(f"meta http-equiv: {where}")
        if tag == "link" and not (element.in_head and own_link(attrs)):
            found.append(f"unexpected link: {where}")
        if tag == "form" and not (attrs.get("action") or "").startswith("/"):
            found.append(f"form posting outside the portal: {where}")
        for name, value in element.attrs:
            value = value or ""
            if name.startswith("on"):
                found.append(f"event handler {name!r}: {where}")
            if name in {"style", "srcdoc", "formaction", "xlink:href", "xmlns"}:
                found.append(f"attribute {name!r}: {where}")
            if name.startswith(("data-hx", "hx-on")) or (
                name.startswith("hx-") and name not in TEMPLATE_HX
            ):
                found.append(f"htmx attribute no template writes, {name!r}: {where}")
            if name.startswith("hx-") and "logout" in value.lower():
                found.append(f"htmx attribute aimed at /logout: {where}")
            if name in URL_ATTRIBUTES and bad_url(value):
                found.append(f"{name} with a script or data URL: {where}")
    for tag in ("html", "head", "body", "title", "main"):
        if counts.get(tag, 0) > (1 if full_page else 0):
            found.append(f"{counts[tag]} <{tag}> elements")
    return found


def check(response, where: str, *, full_page: bool, status: int = 200, signed_in: bool = True):
    """The response is HTML with our headers, and nothing in it is active."""
    assert response.status_code == status, (where, response.status_code)
    assert response.mimetype == "text/html", where
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert "HX-Request" in headers.get("Vary", ""), where
    if signed_in:
        assert "no-store" in headers.get("Cache-Control", ""), where
    html = response.get_data(as_text=True)
    found = problems(html, full_page=full_page)
    assert not found, f"{where}:\n" + "\n".join(found)
    return html


def user_containers(html: str) -> list[Element]:
    return [e for e in read(html).elements if "user-text" in (e.attr.get("class") or "").split()]


# --- the checker itself catches what it is meant to catch -----------------------------


def page_with(body: str) -> str:
    return (
        '<!doctype html><html><head><script src="/vendor/htmx/htmx.min.js?v=1" defer></script>'
        '<script src="/static/js/portal.js?v=1" defer></script></head>'
        f"<body><main>{body}</main></body></html>"
    )


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<p onclick=alert(1)>x</p>",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" data:text/html,x">x</a>',
        '<div hx-get="/logout" hx-trigger="load"></div>',
        '<div data-hx-post="/x"></div>',
        '<p hx-on:click="alert(1)"></p>',
        '<p style="color:red">x</p>',
        "<iframe></iframe>",
        '<meta http-equiv="refresh" content="0;url=/logout">',
        '<base href="/">',
        '<div class="user-text" hx-disable><p title="t">x</p></div>',
        '<div class="user-text" hx-disable><details>x</details></div>',
        '<form action="javascript:alert(1)"></form>',
    ],
)
def test_the_checker_catches_active_html(body):
    assert problems(page_with(body), full_page=True)


def test_the_checker_passes_plain_pages():
    body = (
        '<div class="prose user-text" hx-disable><p><a href="https://example.com" '
        'rel="nofollow ugc noopener">x</a> &lt;script&gt;</p></div>'
        '<form action="/requests/" method="get" hx-get="/requests/" hx-push-url="true"></form>'
    )
    assert problems(page_with(body), full_page=True) == []


# --- the board, with a payload everywhere ------------------------------------------


def title_of(payload: str) -> str:
    """The payload as a title: one line, as a browser's text box sends it."""
    return payload.replace("\n", " ")[:100]


def request_form(payload: str, title_suffix: str = "", **changes) -> dict:
    data = {
        "kind": "seeking",
        "title": title_of(payload) + title_suffix,
        "tool": payload[:60],
        "tags": f"{as_tag(payload)}, drafting",
        "description": f"{payload}\n\nText before {payload} text after.\n\n- {payload}\n",
        "cadence": payload[:80],
        "format": "in_person",
        "city": payload[:80],
    }
    data.update(changes)
    return data


def profile_form(payload: str, role: str) -> dict:
    payload = " ".join(payload.split("\n"))  # the profile's fields are one line each
    return {
        "name": payload[:80],
        "role": role,
        "can_teach": as_tag(payload),
        "wants_to_learn": f"{as_tag(payload)}, chatgpt",
        "organisation": payload[:120],
        "city": payload[:80],
        "language": "en",
        "meeting_mode": "video",
        "timezone": "Asia/Kolkata",
    }


@dataclass
class Board:
    senior: object
    junior: object
    anonymous: object
    handles: list[str] = field(default_factory=list)


@pytest.fixture
def board(app, make_member):
    senior_id = make_member(email="senior@example.com", name="Asha Senior")
    junior_id = make_member(email="junior@example.com", name="Ravi Junior", role="junior")
    age(app, senior_id, junior_id)
    senior, junior = app.test_client(), app.test_client()
    sign_in(senior, "senior@example.com")
    sign_in(junior, "junior@example.com")
    return Board(
        senior, junior, app.test_client(), [handle_of(app, senior_id), handle_of(app, junior_id)]
    )


def _id(payload: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", payload).strip("-")[:40] or "payload"


@pytest.mark.parametrize("payload", XSS_PAYLOADS, ids=[_id(p) for p in XSS_PAYLOADS])
def test_member_text_is_inert_on_every_board_page_and_fragment(app, board, payload):
    senior, junior, anonymous = board.senior, board.junior, board.anonymous

    # Names, organisations, cities and tags, as the account page saves them.
    for client, role in ((senior, "senior"), (junior, "junior")):
        saved = client.post("/account/profile", data=profile_form(payload, role))
        assert saved.status_code == 303, saved.get_data(as_text=True)
        check(client.get("/account"), "account page", full_page=True)
    for handle in board.handles:
        check(anonymous.get(f"/members/{handle}"), "profile", full_page=True, signed_in=False)

    # Posting: the card fragment htmx puts on the board, then the plain form's redirect.
    posted = senior.post("/requests/", data=request_form(payload), headers=HTMX)
    check(posted, "posted card fragment", full_page=False)
    first = int(re.search(r'id="request-(\d+)"', posted.get_data(as_text=True)).group(1))
    plain = senior.post("/requests/", data=request_form(payload, " (2)"))
    assert plain.status_code == 303, plain.get_data(as_text=True)
    second = int(plain.headers["Location"].rsplit("/", 1)[1])

    # Refused posts echo everything back in the form.
    short = request_form(payload, " (3)", description="Too short.")
    check(
        senior.post("/requests/", data=short, headers=HTMX),
        "refused post, htmx",
        status=422,
        full_page=False,
    )
    check(senior.post("/requests/", data=short), "refused post, page", status=422, full_page=True)

    # The board, its list fragment and its load-more fragment, for everyone.
    for who, client in (("senior", senior), ("junior", junior), ("anonymous", anonymous)):
        signed_in = who != "anonymous"
        html = check(
            client.get("/requests/"), f"board for {who}", full_page=True, signed_in=signed_in
        )
        assert title_of(payload) in "".join(read(html).text), f"the title is on the board ({who})"
        check(
            client.get("/requests/", headers=HTMX),
            f"board list fragment for {who}",
            full_page=False,
            signed_in=signed_in,
        )
        check(
            client.get("/requests/", headers={**HTMX, "HX-Target": "load-more"}),
            f"load-more fragment for {who}",
            full_page=False,
            signed_in=signed_in,
        )
    # Suggestions: the junior can teach the payload tag the senior asked for.
    junior_board = junior.get("/requests/").get_data(as_text=True)
    assert "Suggested for you" in junior_board

    # Filters and search echo the query string back.
    query = {name: payload for name in ("q", "kind", "tool", "tag", "city", "status")}
    check(senior.get("/requests/", query_string=query), "filtered board", full_page=True)
    check(
        senior.get("/requests/", query_string=query, headers=HTMX),
        "filtered list fragment",
        full_page=False,
    )
    found = senior.get("/requests/", query_string={"q": title_of(payload)}, headers=HTMX)
    check(found, "search fragment", full_page=False)

    # The request page: member HTML only inside hx-disable containers.
    for who, client in (("senior", senior), ("junior", junior), ("anonymous", anonymous)):
        for headers in ({}, HTMX):
            html = check(
                client.get(f"/requests/{first}", headers=headers),
                f"request page for {who} {headers}",
                full_page=True,
                signed_in=who != "anonymous",
            )
            containers = user_containers(html)
            assert containers, "the description sits in a user-text container"
            assert all("hx-disable" in c.attr for c in containers), "user-text without hx-disable"
            assert title_of(payload) in "".join(read(html).text), "the title is on the page"

    # Answering: the fragment htmx appends to the thread, then the plain form's redirect.
    message = f"{payload}\n\nI can help with this: {payload}"
    answered = junior.post(f"/requests/{first}/answers", data={"message": message}, headers=HTMX)
    html = check(answered, "answer fragment", full_page=False)
    containers = user_containers(html)
    assert len(containers) == 1 and "hx-disable" in containers[0].attr
    assert "I can help with this" in "".join(read(html).user_text)
    plain = junior.post(f"/requests/{second}/answers", data={"message": message})
    assert plain.status_code == 303, plain.get_data(as_text=True)
    for number in (first, second):
        for who, client in (("senior", senior), ("junior", junior), ("anonymous", anonymous)):
            html = check(
                client.get(f"/requests/{number}"),
                f"thread for {who}",
                full_page=True,
                signed_in=who != "anonymous",
            )
            containers = user_containers(html)
            assert len(containers) == 2, "description and answer, each in its container"
            assert all("hx-disable" in c.attr for c in containers)

    # A refused answer echoes the message back.
    too_long = {"message": payload + "x" * 2000}
    check(
        junior.post(f"/requests/{first}/answers", data=too_long, headers=HTMX),
        "refused answer, htmx",
        status=422,
        full_page=False,
    )
    check(
        junior.post(f"/requests/{first}/answers", data=too_long),
        "refused answer, page",
        status=422,
        full_page=True,
    )

    # The author's notifications name the answerer and the request.
    html = check(senior.get("/notifications"), "notifications", full_page=True)
    assert "answered your request" in html
    check(senior.get("/notifications/count", headers=HTMX), "notification count", full_page=False)

    # Accepting: both work at the payload organisation, so the board warns first.
    answer_id = int(re.search(r'id="answer-(\d+)"', answered.get_data(as_text=True)).group(1))
    accept = f"/requests/{first}/answers/{answer_id}/accept"
    html = check(senior.post(accept), "same-organisation warning", full_page=True)
    assert "You both work at" in html
    accepted = senior.post(accept, data={"same_organisation_ok": "y"})
    assert accepted.status_code == 303, accepted.get_data(as_text=True)
    pairing = accepted.headers["Location"]
    for who, client in (("senior", senior), ("junior", junior)):
        check(client.get(pairing), f"pairing page for {who}", full_page=True)
    check(junior.get("/notifications"), "answerer's notifications", full_page=True)
    check(
        senior.get("/requests/", query_string={"status": "matched"}),
        "matched board",
        full_page=True,
    )
    check(anonymous.get(f"/requests/{first}"), "matched request", full_page=True, signed_in=False)


def test_member_names_given_at_join_are_inert(app, make_member):
    """Names and organisations straight from joining (no profile form in between)."""
    names = [p for p in XSS_PAYLOADS if len(p) <= 80]
    for number, payload in enumerate(names):
        make_member(
            email=f"m{number}@example.com",
            name=payload,
            organisation=payload,
            can_teach=[as_tag(payload)],
            wants_to_learn=[as_tag(payload)],
        )
    for number, payload in enumerate(names):
        client = app.test_client()
        sign_in(client, f"m{number}@example.com")
        data = request_form(payload, kind="offering", format="online", city="")
        check(
            client.post("/requests/", data=data, headers=HTMX),
            f"card by {payload!r}",
            full_page=False,
        )
    anonymous = app.test_client()
    html = check(
        anonymous.get("/requests/"), "board of payload names", full_page=True, signed_in=False
    )
    text = "".join(read(html).text)
    for page in (2, 3):
        html = check(
            anonymous.get(f"/requests/?page={page}"),
            f"board page {page}",
            full_page=True,
            signed_in=False,
        )
        text += "".join(read(html).text)
        check(
            anonymous.get(f"/requests/?page={page}", headers={**HTMX, "HX-Target": "load-more"}),
            f"load-more fragment, page {page}",
            full_page=False,
            signed_in=False,
        )
    missing = [
        payload for payload in names if " ".join(payload.split()) not in " ".join(text.split())
    ]
    assert not missing, f"names not shown as text: {missing}"
    check(
        anonymous.get("/requests/", headers=HTMX),
        "list fragment of payload names",
        full_page=False,
        signed_in=False,
    )


def test_markdown_keeps_ordinary_formatting(app, board):
    """The sanitiser isn't just deleting everything: links, lists and emphasis survive."""
    text = (
        "Help me with **drafting** and *notes*.\n\n- one\n- two\n\n[a guide](https://example.com/g)"
    )
    posted = board.senior.post("/requests/", data=request_form("Plain", description=text))
    assert posted.status_code == 303
    html = check(board.senior.get(posted.headers["Location"]), "plain request", full_page=True)
    description = html.split("hx-disable>", 1)[1].split("</div>", 1)[0]
    assert "<strong>drafting</strong>" in description
    assert "<em>notes</em>" in description
    assert "<li>one</li>" in description
    assert 'href="https://example.com/g"' in description
    assert 'rel="nofollow ugc noopener"' in description


def test_a_title_with_a_line_break_does_not_break_answering(app, board, smtp):
    """A title is one line. A text box can't send a line break but a crafted post can:
    the board refuses it (422), or else answering still works and the author is mailed,
    with a one-line subject (no header injection)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500, as in production
    title = "Help me with ChatGPT\r\nBcc: someone@evil.example"
    posted = board.senior.post("/requests/", data=request_form("ChatGPT", title=title))
    if posted.status_code == 422:
        return
    assert posted.status_code == 303, posted.status_code
    answered = board.junior.post(
        posted.headers["Location"] + "/answers",
        data={"message": "I can teach you this on Saturday mornings."},
    )
    assert answered.status_code == 303, f"answering it failed with {answered.status_code}"
    mail = smtp.last("senior@example.com")
    assert "\n" not in mail["Subject"] and mail["Bcc"] is None


def test_a_refused_answer_keeps_the_thread(app, board, make_member):
    """The refused-answer page is the request page with the message kept: the answers
    already given stay on it, as the count above them says."""
    posted = board.senior.post("/requests/", data=request_form("ChatGPT"))
    thread = posted.headers["Location"]
    given = board.junior.post(thread + "/answers", data={"message": "I can teach this well."})
    assert given.status_code == 303
    make_member(email="third@example.com", name="Third Member", role="junior")
    third = app.test_client()
    sign_in(third, "third@example.com")
    refused = third.post(thread + "/answers", data={"message": "Too short"})
    html = check(refused, "refused answer page", status=422, full_page=True)
    assert "Too short" in html
    assert "(1 answer)" in html
    assert "I can teach this well." in html, "the thread disappeared from the page"
    assert "No answers yet." not in html
