"""Issue 14: htmx (and portal.js, which only handles htmx's events) load on the pages that
use them, and nowhere else. Every GET page of the app, walked from `app.url_map` with the
examples factories.route_examples makes for rules with arguments, is opened by a
reader, a member and an admin: a page with an htmx attribute loads htmx, portal.js and
the htmx-config meta; a page without one loads none of them.

`hx-disable` alone does not count: it only stops htmx from reading member text, and does
nothing where htmx is not loaded (the anonymous request page has it and needs no htmx)."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import url_for

from . import factories
from .helpers import make_admin, sign_in

HTMX_SRC = "/vendor/htmx/htmx.min.js?v="
PORTAL_JS = "/static/js/portal.js?v="


class _Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.htmx_attributes: set[str] = set()
        self.scripts: list[str] = []
        self.metas: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, _ in attrs:
            bare = name.removeprefix("data-")
            if bare.startswith("hx-") and bare != "hx-disable":
                self.htmx_attributes.add(name)
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        if tag == "meta" and attributes.get("name"):
            self.metas.add(attributes["name"])


def _loads(page: _Page) -> dict[str, bool]:
    return {
        "htmx": any(s.startswith(HTMX_SRC) for s in page.scripts),
        "portal.js": any(s.startswith(PORTAL_JS) for s in page.scripts),
        "htmx-config": "htmx-config" in page.metas,
    }


def _walk(app, client, examples) -> dict[str, _Page]:
    """Every GET page (HTML) this client can open, and the 404 page → what it holds."""
    pages = {}
    urls = ["/no-such-page"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "members.logout":
            continue
        if rule.arguments:
            urls += examples[rule.rule]
        else:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint))
    for url in urls:
        with client.get(url) as response:
            if response.mimetype == "text/html" and b"<html" in response.data[:200]:
                pages[url] = _Page(response.get_data(as_text=True))
    return pages


def test_htmx_and_portal_js_load_exactly_where_a_page_uses_them(app, people):
    examples = factories.route_examples(app, people, "http://localhost")
    make_admin(app, people["fourth"])
    visitors = {"reader": app.test_client()}
    for who, email in (("junior", "ravi@example.com"), ("admin", "kiran@example.com")):
        visitors[who] = app.test_client()
        sign_in(visitors[who], email)

    wrong, seen = [], {}
    for who, client in visitors.items():
        for url, page in _walk(app, client, examples).items():
            uses = bool(page.htmx_attributes)
            loads = _loads(page)
            seen[(who, url)] = uses
            if set(loads.values()) != {uses}:
                wrong.append(f"{who} {url}: hx attributes {sorted(page.htmx_attributes)}, {loads}")
    assert wrong == []

    # The walk saw both kinds, and the pages the issue names.
    essay = examples["/essays/<slug>"][0]
    for url in ("/", essay, "/essays/", "/about", "/no-such-page"):
        assert seen[("reader", url)] is False, url
    for request_page in examples["/requests/<int:request_id>"]:
        assert seen[("reader", request_page)] is False, request_page
    for url in ("/requests/", "/join", "/login"):
        assert seen[("reader", url)] is True, url
    # Signed in, every page has the header's self-refreshing unread count.
    assert seen[("junior", essay)] is True
    assert seen[("admin", "/admin/")] is True
    assert len(seen) > 80


def test_an_anonymous_essay_carries_no_hx_attribute_and_no_script_but_its_data(client):
    page = client.get("/essays/teaching-upward").get_data(as_text=True)
    assert "hx-" not in page
    assert "htmx" not in page
    assert page.count("<script") == 1 and '<script type="application/ld+json">' in page
